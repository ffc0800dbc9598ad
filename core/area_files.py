"""Reading an areas file: the CSV format, its columns and the line-numbered checks of each row.

File format (that of ``core/data/vinhlong_units_2019.csv``): optional ``#`` comment
lines (the source), then a header with ``level,code,name,parent_code`` and the
optional columns ``population``, ``households``, ``unit_type``. Levels are
``province``, ``district``, ``commune`` and ``hamlet``; a commune may hang directly
under a province (the two-tier system in force since 1 July 2025).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from core.models import AreaLevel
from core.text import has_control_characters

REQUIRED_COLUMNS = ("level", "code", "name", "parent_code")
OPTIONAL_COLUMNS = ("population", "households", "unit_type")
CODE_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{1,16}$")

# Name prefixes (longest first) give the unit type when the file has no unit_type column.
UNIT_TYPE_PREFIXES = (
    ("Thành phố ", "thanh_pho"),
    ("Thị trấn ", "thi_tran"),
    ("Tổ dân phố ", "to_dan_pho"),
    ("Thị xã ", "thi_xa"),
    ("Phường ", "phuong"),
    ("Huyện ", "huyen"),
    ("Quận ", "quan"),
    ("Tỉnh ", "tinh"),
    ("Khóm ", "khom"),
    ("Thôn ", "thon"),
    ("Bản ", "ban"),
    ("Xã ", "xa"),
    ("Ấp ", "ap"),
)


class AreaImportError(ValueError):
    """The file was refused; ``errors`` lists every problem with its line number."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class AreaRow:
    line: int
    level: AreaLevel
    code: str
    name: str
    parent_code: str
    population: int | None
    households: int | None
    unit_type: str


def unit_type_from_name(name: str) -> str:
    """The unit type its Vietnamese name announces (``xa`` for "Xã Tân Hòa")."""
    for prefix, unit_type in UNIT_TYPE_PREFIXES:
        if name.startswith(prefix):
            return unit_type
    return "khac"


# More people or households than any unit holds, and within the columns' 32-bit integers.
MAX_COUNT = 1_000_000_000
MAX_UNIT_TYPE = 32  # Area.unit_type's length


def _count(value: str, column: str, line: int, errors: list[str]) -> int | None:
    value = value.strip()
    if not value:
        return None
    # ASCII digits only: "²" and "٣" are digits to str.isdigit but not to int().
    if not (value.isascii() and value.isdigit()):
        errors.append(f"line {line}: column {column}: {value[:40]!r} is not a whole number ≥ 0")
        return None
    # Length first: int() of thousands of digits is slow, and refused past 4,300.
    if len(value.lstrip("0")) > len(str(MAX_COUNT)) or int(value) > MAX_COUNT:
        errors.append(f"line {line}: column {column}: {value[:40]} is more than {MAX_COUNT:,}")
        return None
    return int(value)


def parse_area_csv(text: str) -> list[AreaRow]:
    """Parse and check every row on its own; raise with all problems found."""
    lines = text.lstrip("\ufeff").splitlines()
    skipped = 0
    while skipped < len(lines) and lines[skipped].startswith("#"):
        skipped += 1
    reader = csv.DictReader(io.StringIO("\n".join(lines[skipped:])))
    try:
        return _parse_rows(reader, skipped)
    except csv.Error as exc:  # a field longer than the csv module's limit (131,072 characters)
        raise AreaImportError([f"line {skipped + reader.line_num + 1}: unreadable CSV ({exc})"]) from None


def _parse_rows(reader: csv.DictReader[str], skipped: int) -> list[AreaRow]:
    header = reader.fieldnames or []
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise AreaImportError([f"line {skipped + 1}: header lacks column(s) {', '.join(missing)}"])
    unknown = [c for c in header if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        raise AreaImportError([f"line {skipped + 1}: unknown column(s) {', '.join(unknown)}"])
    rows: list[AreaRow] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    for offset, raw in enumerate(reader, start=2):
        line = skipped + offset
        if None in raw or any(v is None for v in raw.values()):
            errors.append(f"line {line}: expected {len(header)} fields")
            continue
        level_text, code = raw["level"].strip(), raw["code"].strip()
        name = " ".join(raw["name"].split())
        if level_text not in AreaLevel._value2member_map_:
            errors.append(
                f"line {line}: bad level {level_text!r} (use {', '.join(lv.value for lv in AreaLevel)})"
            )
            continue
        if not CODE_PATTERN.match(code):
            errors.append(f"line {line}: bad code {code!r} (1-16 letters, digits, . _ -)")
            continue
        if code in seen:
            errors.append(f"line {line}: duplicate code {code} (first on line {seen[code]})")
            continue
        seen[code] = line
        if not name or len(name) > 200:
            errors.append(f"line {line}: name must have 1 to 200 characters")
        elif has_control_characters(name):
            errors.append(f"line {line}: the name holds a control character")
        unit_type = (raw.get("unit_type") or "").strip() or unit_type_from_name(name)
        if len(unit_type) > MAX_UNIT_TYPE:
            errors.append(f"line {line}: unit_type must have at most {MAX_UNIT_TYPE} characters")
        rows.append(
            AreaRow(
                line=line,
                level=AreaLevel(level_text),
                code=code,
                name=name,
                parent_code=raw["parent_code"].strip(),
                population=_count(raw.get("population") or "", "population", line, errors),
                households=_count(raw.get("households") or "", "households", line, errors),
                unit_type=unit_type,
            )
        )
    if not rows and not errors:
        errors.append("the file has no data rows")
    if errors:
        raise AreaImportError(errors)
    return rows
