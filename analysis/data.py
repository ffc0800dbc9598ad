"""Reading and validating the plain input tables (responses, cells, margins, item weights).

Every problem is reported as an :class:`InputError` naming the source, the line and the column, so a
paper survey typed into Excel can be corrected cell by cell. Line numbers count the header as line 1,
as a spreadsheet or text editor shows them.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "AREA_COLUMNS",
    "MISSING_TOKENS",
    "InputError",
    "Responses",
    "read_table",
    "validate_cells",
    "validate_hamlet_counts",
    "validate_hamlet_population",
    "validate_item_weights",
    "validate_margins",
    "validate_responses",
]

AREA_COLUMNS = ("district", "commune", "hamlet")
RESERVED_COLUMNS = ("id", *AREA_COLUMNS, "design_weight")
MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "."})


class InputError(ValueError):
    """A problem in an input table, located by source, line and column."""

    def __init__(
        self,
        message: str,
        *,
        source: str = "<input>",
        line: int | None = None,
        column: str | None = None,
    ):
        self.source, self.line, self.column, self.problem = source, line, column, message
        where = [source]
        if line is not None:
            where.append(f"line {line}")
        if column is not None:
            where.append(f"column {column!r}")
        super().__init__(f"{', '.join(where)}: {message}")


@dataclass(frozen=True, eq=False)
class Responses:
    """Validated responses: the frame plus item answers coded 0 (no answer) or 1..scale_max."""

    frame: pd.DataFrame
    items: tuple[str, ...]
    codes: np.ndarray  # int8, shape (n, n_items); 0 = not answered
    scale_max: int = 5

    @property
    def n(self) -> int:
        """Number of respondents."""
        return len(self.frame)


def read_table(path: str | os.PathLike, *, name: str | None = None) -> pd.DataFrame:
    """Read a CSV or XLSX file as strings, keeping one row per line (blank lines included)."""
    source = name or os.fspath(path)
    suffix = os.path.splitext(os.fspath(path))[1].lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            frame = pd.read_excel(path, dtype=str, keep_default_na=False, engine="openpyxl")
        else:
            with open(path, "rb") as fh:
                raw = fh.read()
            text = raw.decode("utf-8-sig")
            frame = pd.read_csv(
                io.StringIO(text), dtype=str, keep_default_na=False, skip_blank_lines=False
            )
    except FileNotFoundError:
        raise InputError("file not found", source=source) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason})", source=source) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, OSError) as exc:
        raise InputError(f"cannot read table: {str(exc).strip()}", source=source) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame.fillna("")


def _line(index_position: int) -> int:
    return int(index_position) + 2  # header is line 1


def _require_columns(frame: pd.DataFrame, columns, source: str) -> None:
    for col in columns:
        if col not in frame.columns:
            raise InputError(
                f"missing column {col!r} (columns found: {', '.join(map(str, frame.columns))})",
                source=source,
                line=1,
            )


def _text_column(frame: pd.DataFrame, col: str, source: str, *, required: bool = True) -> pd.Series:
    """The column as a categorical of stripped text labels (factorized once: fast on 1M rows)."""
    codes, uniques = pd.factorize(frame[col], use_na_sentinel=True)
    labels = pd.Index([_label(u) for u in np.asarray(uniques, dtype=object)], dtype=object)
    if required:
        empty = np.flatnonzero(labels == "")
        bad = (codes < 0) | np.isin(codes, empty)
        if bad.any():
            raise InputError(
                "empty value", source=source, line=_line(np.flatnonzero(bad)[0]), column=col
            )
    if labels.has_duplicates or (codes < 0).any():  # e.g. " A" and "A", or missing values
        codes = np.where(codes < 0, len(labels), codes)
        labels = labels.append(pd.Index([""], dtype=object))
        merged, labels = pd.factorize(labels)
        codes = merged[codes]
    order = np.argsort(np.asarray(labels, dtype=str), kind="stable")  # sorted categories
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    codes, labels = rank[codes], pd.Index(np.asarray(labels, dtype=object)[order], dtype=object)
    return pd.Series(
        pd.Categorical.from_codes(codes, pd.Index(labels, dtype=object)),
        index=frame.index,
        name=col,
    )


def _label(value) -> str:
    """Text label of a cell: stripped, and 26881.0 (a float read from a sheet) written as 26881."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _number_column(
    frame: pd.DataFrame, col: str, source: str, *, positive: bool = False, nonnegative: bool = False
) -> np.ndarray:
    raw = frame[col]
    if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        values = raw.to_numpy(float, na_value=np.nan)
    else:
        text = raw.map(lambda x: "" if pd.isna(x) else str(x).strip())
        values = pd.to_numeric(text.replace("", "nan"), errors="coerce").to_numpy(float)
    bad = ~np.isfinite(values)
    if positive:
        bad |= ~(values > 0)
    if nonnegative:
        bad |= ~(values >= 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        need = "a positive number" if positive else "a number ≥ 0" if nonnegative else "a number"
        raise InputError(
            f"value {str(raw.iloc[i])!r} is not {need}", source=source, line=_line(i), column=col
        )
    return values


def validate_responses(
    frame: pd.DataFrame,
    items=None,
    *,
    required=("commune",),
    weighting_vars=(),
    design_weight: bool = False,
    scale_max: int = 5,
    source: str = "<responses>",
) -> Responses:
    """Check the responses table and code the item answers.

    Parameters
    ----------
    frame : DataFrame
        One row per respondent: ``id``, area columns, weighting variables, optional ``design_weight``
        and item columns holding 1..scale_max, empty or ``NA`` for no answer.
    items : sequence of str, optional
        Item columns; by default every column that is not ``id``, an area, ``design_weight``, a
        weighting variable, ``sex`` or ``age_group``.
    required : sequence of str
        Area columns that must be present and non-empty (``commune`` always; ``hamlet`` for clustered
        designs; ``district`` for district estimates).
    weighting_vars : sequence of str
        Columns used for calibration; must be present and non-empty.
    design_weight : bool
        Whether a positive ``design_weight`` column is required.

    Returns
    -------
    Responses
    """
    frame = frame.reset_index(drop=True).copy()
    frame.columns = [str(c).strip() for c in frame.columns]
    if len(frame) == 0:
        raise InputError("no respondents (the table has no data rows)", source=source)
    needed = list(dict.fromkeys([*required, *weighting_vars]))
    _require_columns(frame, needed, source)
    for col in needed:
        frame[col] = _text_column(frame, col, source)
    if "district" in frame.columns:
        frame["district"] = _text_column(frame, "district", source, required="district" in required)
    if "id" in frame.columns:
        _check_unique_ids(frame["id"], source)
    if design_weight:
        _require_columns(frame, ["design_weight"], source)
        frame["design_weight"] = _number_column(frame, "design_weight", source, positive=True)
    items = _item_columns(frame, items, weighting_vars, source)
    codes = np.empty((len(frame), len(items)), dtype=np.int8)
    for k, item in enumerate(items):
        codes[:, k] = _code_item(frame[item], item, scale_max, source)
    return Responses(frame=frame, items=items, codes=codes, scale_max=scale_max)


def _check_unique_ids(ids: pd.Series, source: str) -> None:
    dup = np.flatnonzero(ids.duplicated().to_numpy() & ids.notna().to_numpy())
    if dup.size:
        raise InputError(f"duplicate id {ids.iloc[dup[0]]!r}", source=source, line=_line(dup[0]), column="id")


def _item_columns(frame: pd.DataFrame, items, weighting_vars, source: str) -> tuple[str, ...]:
    """The item columns asked for, else every column that is not reserved, a weighting variable, sex or age."""
    if items is None:
        skip = set(RESERVED_COLUMNS) | set(weighting_vars) | {"sex", "age_group"}
        items = [c for c in frame.columns if c not in skip]
    items = tuple(str(i) for i in items)
    if not items:
        raise InputError("no item columns found", source=source, line=1)
    _require_columns(frame, items, source)
    return items


def _code_item(column: pd.Series, item: str, scale_max: int, source: str) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        values = column.to_numpy(float, na_value=np.nan)
    else:
        codes, uniques = pd.factorize(column, use_na_sentinel=True)
        text = [str(u).strip() for u in np.asarray(uniques, dtype=object)]
        parsed = np.array(
            [np.nan if t.lower() in MISSING_TOKENS else _to_float(t) for t in text] + [np.nan]
        )
        unparsed = np.array(
            [t.lower() not in MISSING_TOKENS and np.isnan(_to_float(t)) for t in text] + [False]
        )
        codes = np.where(codes < 0, len(text), codes)
        if unparsed[codes].any():
            i = int(np.flatnonzero(unparsed[codes])[0])
            raise InputError(
                f"value {str(column.iloc[i]).strip()!r} is not an answer 1–{scale_max} "
                "(leave it empty or write NA for no answer)",
                source=source,
                line=_line(i),
                column=item,
            )
        values = parsed[codes]
    answered = ~np.isnan(values)
    bad = answered & ((values != np.round(values)) | (values < 1) | (values > scale_max))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"value {str(column.iloc[i]).strip()!r} is not an answer 1–{scale_max}",
            source=source,
            line=_line(i),
            column=item,
        )
    return np.where(answered, np.nan_to_num(values), 0).astype(np.int8)


def _to_float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return np.nan


def validate_cells(
    frame: pd.DataFrame, *, source: str = "<cells>"
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Check a population cells table (commune, variables..., count); return it and the variables."""
    frame = frame.reset_index(drop=True).copy()
    frame.columns = [str(c).strip() for c in frame.columns]
    _require_columns(frame, ["commune", "count"], source)
    variables = tuple(c for c in frame.columns if c not in ("commune", "count", "district"))
    if not variables:
        raise InputError(
            "cells need at least one weighting variable column besides commune and count",
            source=source,
            line=1,
        )
    for col in ("commune", *variables):
        frame[col] = _text_column(frame, col, source)
    frame["count"] = _number_column(frame, "count", source, nonnegative=True)
    key = frame[["commune", *variables]]
    dup = np.flatnonzero(key.duplicated().to_numpy())
    if dup.size:
        raise InputError(
            "duplicate cell " + "/".join(key.iloc[dup[0]]), source=source, line=_line(dup[0])
        )
    return frame[["commune", *variables, "count"]], variables


def validate_margins(
    frame: pd.DataFrame, *, source: str = "<margins>"
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Check a long margins table (commune, variable, level, count); return it and the variables."""
    frame = frame.reset_index(drop=True).copy()
    frame.columns = [str(c).strip() for c in frame.columns]
    _require_columns(frame, ["commune", "variable", "level", "count"], source)
    for col in ("commune", "variable", "level"):
        frame[col] = _text_column(frame, col, source)
    frame["count"] = _number_column(frame, "count", source, nonnegative=True)
    key = frame[["commune", "variable", "level"]]
    dup = np.flatnonzero(key.duplicated().to_numpy())
    if dup.size:
        raise InputError(
            "duplicate margin " + "/".join(key.iloc[dup[0]]), source=source, line=_line(dup[0])
        )
    variables = tuple(dict.fromkeys(frame["variable"]))
    return frame[["commune", "variable", "level", "count"]], variables


def validate_item_weights(
    frame: pd.DataFrame, items, *, source: str = "<item weights>"
) -> pd.DataFrame:
    """Check an item weights table (item, weight[, group]) against the known items."""
    frame = frame.reset_index(drop=True).copy()
    frame.columns = [str(c).strip() for c in frame.columns]
    _require_columns(frame, ["item", "weight"], source)
    frame["item"] = _text_column(frame, "item", source)
    frame["weight"] = _number_column(frame, "weight", source, nonnegative=True)
    unknown = np.flatnonzero(~frame["item"].isin(list(items)).to_numpy())
    if unknown.size:
        raise InputError(
            f"item {frame['item'].iloc[unknown[0]]!r} is not an item column of the responses",
            source=source,
            line=_line(unknown[0]),
            column="item",
        )
    dup = np.flatnonzero(frame["item"].duplicated().to_numpy())
    if dup.size:
        raise InputError("duplicate item", source=source, line=_line(dup[0]), column="item")
    if not (frame["weight"] > 0).any():
        raise InputError("all item weights are zero", source=source, column="weight")
    cols = ["item", "weight"] + (["group"] if "group" in frame.columns else [])
    if "group" in cols:
        frame["group"] = frame["group"].astype(str).str.strip()
    return frame[cols]


def validate_hamlet_population(
    frame: pd.DataFrame, *, source: str = "<hamlet population>"
) -> pd.DataFrame:
    """Check a hamlet population table (commune, hamlet, population)."""
    frame = frame.reset_index(drop=True).copy()
    frame.columns = [str(c).strip() for c in frame.columns]
    _require_columns(frame, ["commune", "hamlet", "population"], source)
    for col in ("commune", "hamlet"):
        frame[col] = _text_column(frame, col, source)
    frame["population"] = _number_column(frame, "population", source, positive=True)
    dup = np.flatnonzero(frame[["commune", "hamlet"]].duplicated().to_numpy())
    if dup.size:
        raise InputError("duplicate hamlet", source=source, line=_line(dup[0]), column="hamlet")
    return frame[["commune", "hamlet", "population"]]


def validate_hamlet_counts(frame: pd.DataFrame, *, source: str = "<hamlet counts>") -> pd.DataFrame:
    """Check a hamlet count table (commune, hamlets): the hamlets of each commune's population."""
    frame = frame.reset_index(drop=True).copy()
    frame.columns = [str(c).strip() for c in frame.columns]
    _require_columns(frame, ["commune", "hamlets"], source)
    frame["commune"] = _text_column(frame, "commune", source)
    frame["hamlets"] = _number_column(frame, "hamlets", source, positive=True)
    dup = np.flatnonzero(frame["commune"].duplicated().to_numpy())
    if dup.size:
        raise InputError("duplicate commune", source=source, line=_line(dup[0]), column="commune")
    return frame[["commune", "hamlets"]]
