"""Import of administrative units from CSV, all-or-nothing and idempotent.

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
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import LEVEL_DEPTH, Area, AreaLevel
from core.text import has_control_characters

REQUIRED_COLUMNS = ("level", "code", "name", "parent_code")
OPTIONAL_COLUMNS = ("population", "households", "unit_type")
CODE_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{1,16}$")
ALLOWED_PARENTS = {
    AreaLevel.PROVINCE: (),
    AreaLevel.DISTRICT: (AreaLevel.PROVINCE,),
    AreaLevel.COMMUNE: (AreaLevel.DISTRICT, AreaLevel.PROVINCE),
    AreaLevel.HAMLET: (AreaLevel.COMMUNE,),
}
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


DEFAULT_VALID_FROM = date(1900, 1, 1)  # "as long as records go back"


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


@dataclass
class ImportReport:
    """What an import changed."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


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


def _check_parents(rows: list[AreaRow], existing: dict[str, Area]) -> None:
    # The file's own level wins over the database's for codes it changes.
    levels = {code: a.level for code, a in existing.items()} | {r.code: r.level for r in rows}
    errors = []
    for row in rows:
        allowed = ALLOWED_PARENTS[row.level]
        if not allowed:
            if row.parent_code:
                errors.append(f"line {row.line}: a province has no parent (got {row.parent_code})")
            continue
        parent_level = levels.get(row.parent_code)
        if parent_level is None:
            errors.append(f"line {row.line}: unknown parent {row.parent_code or '(empty)'} for {row.code}")
        elif parent_level not in allowed:
            errors.append(
                f"line {row.line}: a {row.level.value} cannot sit under the {parent_level.value} {row.parent_code}"
            )
    if errors:
        raise AreaImportError(errors)


def import_areas(session: Session, text: str, *, valid_from: date | None = None) -> ImportReport:
    """Create or update the areas in ``text``; nothing is written when any row is bad.

    New areas start at ``valid_from`` (e.g. 2025-07-01 for the two-tier communes);
    areas already present keep their history.
    """
    rows = parse_area_csv(text)
    existing = {a.code: a for a in session.scalars(select(Area).where(Area.valid_to.is_(None)))}
    _check_parents(rows, existing)
    report = ImportReport()
    for row in sorted(rows, key=lambda r: LEVEL_DEPTH[r.level]):
        parent = existing.get(row.parent_code) if row.parent_code else None
        values = {
            "name": row.name,
            "level": row.level,
            "unit_type": row.unit_type,
            "parent": parent,
            "population": row.population,
            "households": row.households,
        }
        area = existing.get(row.code)
        if area is None:
            area = Area(code=row.code, valid_from=valid_from or DEFAULT_VALID_FROM, **values)
            session.add(area)
            existing[row.code] = area
            report.created.append(row.code)
        elif any(getattr(area, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(area, key, value)
            report.updated.append(row.code)
        else:
            report.unchanged += 1
    session.flush()
    refresh_paths(session)
    return report


def retire_areas(session: Session, codes: list[str], on: date) -> list[Area]:
    """End the validity of current areas (merged or dissolved units) on ``on``.

    Their rows stay, so responses and comments keep the unit as it was; a unit
    with current children cannot be retired before them.
    """
    current = {a.code: a for a in session.scalars(select(Area).where(Area.valid_to.is_(None)))}
    errors = [f"no current area has code {code}" for code in codes if code not in current]
    retiring = {current[c].id for c in codes if c in current}
    for code in codes:
        area = current.get(code)
        if area is None:
            continue
        if area.valid_from >= on:
            errors.append(f"{code} starts on {area.valid_from}, not before {on}")
        kept = [c.code for c in area.children if c.valid_to is None and c.id not in retiring]
        if kept:
            errors.append(f"{code} still has current units below it: {', '.join(kept[:5])}")
    if errors:
        raise AreaImportError(errors)
    for code in codes:
        current[code].valid_to = on
    session.flush()
    return [current[code] for code in codes]


def refresh_paths(session: Session) -> None:
    """Recompute every area's materialised path from its parent chain."""
    areas = session.scalars(select(Area)).all()
    by_id = {a.id: a for a in areas}

    def path_of(area: Area) -> str:
        parent = by_id.get(area.parent_id) if area.parent_id else None
        return (path_of(parent) if parent else "/") + f"{area.id}/"

    for area in areas:
        path = path_of(area)
        if area.path != path:
            area.path = path
    session.flush()
