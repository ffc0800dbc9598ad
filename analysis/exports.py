"""Write the long table to a file object the caller opened (CSV text or XLSX bytes)."""

from __future__ import annotations

import pandas as pd

__all__ = ["write_table"]


def write_table(
    table: pd.DataFrame, fileobj, fmt: str = "csv", *, sheet_name: str = "indices"
) -> None:
    """Write ``table`` to ``fileobj``: a text stream for ``csv``, a binary stream for ``xlsx``.

    Floats are written with full precision (``repr``), so a CSV round-trips exactly.
    """
    if fmt == "csv":
        table.to_csv(fileobj, index=False, lineterminator="\n")
    elif fmt == "xlsx":
        with pd.ExcelWriter(fileobj, engine="openpyxl") as writer:
            table.to_excel(writer, index=False, sheet_name=sheet_name)
    else:
        raise ValueError(f"unknown format {fmt!r}; use csv or xlsx")
