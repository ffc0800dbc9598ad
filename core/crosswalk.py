"""The crosswalk of a reorganisation: which old units (whole or in part) each new unit was made from.

File format (that of ``core/data/vinhlong_crosswalk_2025.csv``): optional ``#`` comment lines,
then a header with ``new_code,old_code,type`` (``full`` or ``partial``) and, optionally,
``new_name`` and ``old_name``, which must then match the units; other columns (the old
district and province) are read by people, not checked. Old units are those valid the day
before the new ones start, or, for a unit merged earlier, the last unit with its code.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.area_files import AreaImportError
from core.areas import find_unit
from core.models import Area, AreaLevel, CrosswalkEntry, CrosswalkKind, today_in_vietnam

REQUIRED_COLUMNS = ("new_code", "old_code", "type")


@dataclass(frozen=True)
class Predecessor:
    """An old unit a new unit was made from, and whether all of it went in."""

    area: Area
    kind: CrosswalkKind


@dataclass
class CrosswalkReport:
    """What an import added, and the old units no line carries into a new unit."""

    new_date: date
    created: int = 0
    unchanged: int = 0
    not_carried: list[Area] = field(default_factory=list)


@dataclass
class _Line:
    line: int
    new: Area
    old: Area
    kind: CrosswalkKind


def list_predecessors(session: Session, area: Area) -> list[Predecessor]:
    """The old units ``area`` was made from, full or partial, by code (what indices across a reform need)."""
    entries = session.scalars(
        select(CrosswalkEntry).join(CrosswalkEntry.old_area).where(CrosswalkEntry.new_area_id == area.id)
        .order_by(Area.code)
    )
    return [Predecessor(entry.old_area, entry.kind) for entry in entries]


def import_crosswalk(
    session: Session, text: str, *, new_date: date | None = None, old_date: date | None = None
) -> CrosswalkReport:
    """Record the crosswalk in ``text``; any bad line refuses the whole file with line-numbered errors."""
    rows = _read_rows(text)
    new_date = new_date or _start_of_current_units(session, [row["new_code"] for _, row in rows])
    old_date = old_date or new_date - timedelta(days=1)
    errors: list[str] = []
    lines = [
        line
        for number, row in rows
        if (line := _resolve(session, number, row, new_date, old_date, errors)) is not None
    ]
    errors += _check_whole_units(session, lines)
    if errors:
        raise AreaImportError(errors)
    report = CrosswalkReport(new_date)
    for line in lines:
        known = session.scalar(
            select(CrosswalkEntry).where(
                CrosswalkEntry.old_area_id == line.old.id, CrosswalkEntry.new_area_id == line.new.id
            )
        )
        if known is None:
            session.add(CrosswalkEntry(old_area=line.old, new_area=line.new, kind=line.kind))
            report.created += 1
        else:
            report.unchanged += 1
    session.flush()
    report.not_carried = _not_carried(session, {line.old.path.split("/")[1] for line in lines}, new_date)
    return report


def _not_carried(session: Session, root_ids: set[str], new_date: date) -> list[Area]:
    """Communes of these provinces that had ended by ``new_date`` and whose code no crosswalk line carries."""
    carried = select(Area.code).join(CrosswalkEntry, CrosswalkEntry.old_area_id == Area.id)
    latest = (
        select(Area.code, func.max(Area.valid_from).label("valid_from"))
        .where(Area.level == AreaLevel.COMMUNE, Area.valid_to <= new_date, Area.code.not_in(carried))
        .group_by(Area.code)
        .subquery()
    )
    ended = session.scalars(
        select(Area).join(latest, (Area.code == latest.c.code) & (Area.valid_from == latest.c.valid_from))
        .order_by(Area.code)
    )
    return [area for area in ended if area.path.split("/")[1] in root_ids]


def _read_rows(text: str) -> list[tuple[int, dict[str, str]]]:
    lines = text.lstrip("\ufeff").splitlines()
    skipped = 0
    while skipped < len(lines) and lines[skipped].startswith("#"):
        skipped += 1
    reader = csv.DictReader(io.StringIO("\n".join(lines[skipped:])))
    missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise AreaImportError([f"line {skipped + 1}: header lacks column(s) {', '.join(missing)}"])
    rows = []
    errors = []
    for offset, raw in enumerate(reader, start=2):
        if None in raw or any(v is None for v in raw.values()):
            errors.append(f"line {skipped + offset}: expected {len(reader.fieldnames or [])} fields")
            continue
        rows.append((skipped + offset, {k: " ".join(v.split()) for k, v in raw.items()}))
    if not rows and not errors:
        errors.append("the file has no data rows")
    if errors:
        raise AreaImportError(errors)
    return rows


def _start_of_current_units(session: Session, codes: list[str]) -> date:
    """The day the current units with these codes started; they must agree (one reorganisation per file)."""
    today = today_in_vietnam()
    starts = {unit.valid_from for code in set(codes) if (unit := find_unit(session, code, today))}
    if len(starts) != 1:
        found = ", ".join(sorted(str(d) for d in starts)) or "none"
        raise AreaImportError([f"cannot tell when the new units start (current units start on: {found}); "
                               "give --new-date"])
    return starts.pop()


def _resolve(
    session: Session, number: int, row: dict[str, str], new_date: date, old_date: date, errors: list[str]
) -> _Line | None:
    """The line's units, or None after adding why they cannot be found."""
    kind = row["type"].lower()
    if kind not in CrosswalkKind._value2member_map_:
        errors.append(f"line {number}: type must be full or partial, not {row['type']!r}")
    new = _unit(session, number, row["new_code"], row.get("new_name"), find_unit(session, row["new_code"], new_date),
                new_date, errors)
    old = _unit(session, number, row["old_code"], row.get("old_name"), _old_unit(session, row["old_code"], old_date),
                old_date, errors)
    if new is None or old is None or kind not in CrosswalkKind._value2member_map_:
        return None
    if old.id != new.id and old.is_valid_on(new_date):
        errors.append(f"line {number}: old unit {old.code} ({old.name}) is still valid on {new_date}; "
                      "end it first (areas import --valid-from, areas retire)")
        return None
    return _Line(number, new, old, CrosswalkKind(kind))


def _old_unit(session: Session, code: str, old_date: date) -> Area | None:
    """The unit with ``code`` on ``old_date``, else the last one with it that had ended by then."""
    return find_unit(session, code, old_date) or session.scalar(
        select(Area).where(Area.code == code, Area.valid_to <= old_date).order_by(Area.valid_from.desc()).limit(1)
    )


def _unit(
    session: Session, number: int, code: str, name: str | None, unit: Area | None, on: date, errors: list[str]
) -> Area | None:
    if unit is None:
        known = session.scalar(select(func.count()).select_from(Area).where(Area.code == code))
        errors.append(f"line {number}: no unit with code {code!r} exists on {on}" if known
                      else f"line {number}: unknown code {code!r}")
        return None
    if name and name != unit.name:
        errors.append(f"line {number}: {code} is {unit.name} on {on}, not {name!r}")
        return None
    return unit


def _check_whole_units(session: Session, lines: list[_Line]) -> list[str]:
    """A ``full`` old unit goes into one new unit only, in the file and together with what is stored."""
    stored = {
        (entry.old_area_id, entry.new_area_id): entry
        for entry in session.scalars(
            select(CrosswalkEntry).where(CrosswalkEntry.old_area_id.in_({line.old.id for line in lines}))
        )
    }
    errors = []
    first: dict[int, _Line] = {}
    for line in lines:
        earlier = first.setdefault(line.old.id, line)
        if earlier is not line and earlier.new.id == line.new.id:
            errors.append(f"line {line.line}: {line.old.code} → {line.new.code} repeats line {earlier.line}")
        elif earlier is not line and CrosswalkKind.FULL in (earlier.kind, line.kind):
            errors.append(
                f"line {line.line}: {line.old.code} ({line.old.name}) goes to {line.new.code} here and to "
                f"{earlier.new.code} on line {earlier.line}; a 'full' unit goes into one new unit only"
            )
        for (old_id, new_id), entry in stored.items():
            if old_id == line.old.id and new_id != line.new.id and CrosswalkKind.FULL in (entry.kind, line.kind):
                errors.append(f"line {line.line}: {line.old.code} already goes to {entry.new_area.code} "
                              f"({entry.kind.value}); a 'full' unit goes into one new unit only")
            if (old_id, new_id) == (line.old.id, line.new.id) and entry.kind != line.kind:
                errors.append(f"line {line.line}: {line.old.code} → {line.new.code} is already recorded as "
                              f"{entry.kind.value}")
    return errors
