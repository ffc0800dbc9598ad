"""Safe tabular exports shared by features: CSV streamed row by row, XLSX in write-only mode.

Every text cell that a spreadsheet would read as a formula (= + - @, tab, CR) is prefixed
with an apostrophe (OWASP "CSV injection"); numbers, and text that is only a number
("-5", as answers to number questions are stored), are left as they are: no spreadsheet
runs them. XLSX cells also lose the characters XML cannot hold (``core.text.xml_text``).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from openpyxl import Workbook

from core.text import xml_text

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# A plain decimal number, as a spreadsheet reads it; "-1+2" or "-2e3" are not.
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)", re.ASCII)


def safe_cell(value: Any) -> Any:
    """Neutralise a text value that could run as a formula; numbers and numeric text pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def safe_xlsx_cell(value: Any) -> Any:
    """``safe_cell`` for a workbook: also without the characters XML cannot hold."""
    return safe_cell(xml_text(value)) if isinstance(value, str) else value


def iter_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """CSV text chunk by chunk (UTF-8 BOM first, so Excel reads Vietnamese correctly)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff"
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow(["" if v is None else safe_cell(v) for v in row])
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def write_xlsx(
    sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence[Any]]]], out: io.BufferedIOBase | io.BytesIO
) -> None:
    """Write sheets of (title, header, rows) to ``out``; write-only mode keeps memory flat."""
    workbook = Workbook(write_only=True)
    for title, header, rows in sheets:
        sheet = workbook.create_sheet(title=title[:31])
        sheet.append([safe_xlsx_cell(h) for h in header])
        for row in rows:
            sheet.append([safe_xlsx_cell(v) for v in row])
    workbook.save(out)
