"""Import of administrative units, all-or-nothing and idempotent; a unit is a code and a period.

The file format and its row checks are in :mod:`core.area_files`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.area_files import AreaImportError, AreaRow, parse_area_csv
from core.db import Base
from core.models import LEVEL_DEPTH, Area, AreaLevel, today_in_vietnam, valid_on

ALLOWED_PARENTS = {
    AreaLevel.PROVINCE: (),
    AreaLevel.DISTRICT: (AreaLevel.PROVINCE,),
    AreaLevel.COMMUNE: (AreaLevel.DISTRICT, AreaLevel.PROVINCE),
    AreaLevel.HAMLET: (AreaLevel.COMMUNE,),
}

DEFAULT_VALID_FROM = date(1900, 1, 1)  # "as long as records go back"
SCOPE_TABLES = frozenset({"areas", "users", "organisations"})


@dataclass
class ImportReport:
    """What an import changed."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.retired)


def _check_parents(rows: list[AreaRow], existing: dict[str, Area], on: date | None) -> None:
    # The file's own level wins over the database's for codes it changes.
    levels = {code: a.level for code, a in existing.items()} | {r.code: r.level for r in rows}
    unknown_hint = f" (no unit with that code is valid on {on})" if on else ""
    errors = []
    for row in rows:
        allowed = ALLOWED_PARENTS[row.level]
        if not allowed:
            if row.parent_code:
                errors.append(f"line {row.line}: a province has no parent (got {row.parent_code})")
            continue
        parent_level = levels.get(row.parent_code)
        if parent_level is None:
            errors.append(
                f"line {row.line}: unknown parent {row.parent_code or '(empty)'} for {row.code}{unknown_hint}"
            )
        elif parent_level not in allowed:
            errors.append(
                f"line {row.line}: a {row.level.value} cannot sit under the {parent_level.value} {row.parent_code}"
            )
    if errors:
        raise AreaImportError(errors)


def find_unit(session: Session, code: str, on: date | None = None) -> Area | None:
    """The unit that carried ``code`` on ``on`` (today by default): codes are reused, dates tell them apart."""
    return session.scalar(select(Area).where(Area.code == code.strip(), valid_on(on or today_in_vietnam())))


def _history_count(session: Session, area: Area) -> int:
    """Rows of other tables (responses, comments, survey links ...) that point at ``area``.

    Found through the foreign keys in the metadata so that core needs to import no feature;
    accounts and organisations are scope, not history, and are left out.
    """
    total = 0
    for table in Base.metadata.sorted_tables:
        if table.name in SCOPE_TABLES:
            continue
        for key in table.foreign_keys:
            if key.column.table.name == Area.__tablename__:
                total += session.scalar(select(func.count()).select_from(table).where(key.parent == area.id)) or 0
    return total


def _identity_changed(area: Area, row: AreaRow, parent: Area | None, children: set[str] | None, on: date) -> bool:
    """Whether ``row`` describes another unit than ``area``: name, tier, parent or territory differ.

    Territory is known from the children the file lists for the unit (hamlets aside); a file
    that lists none says nothing about it.
    """
    if (area.name, area.level, area.unit_type) != (row.name, row.level, row.unit_type) or area.parent is not parent:
        return True
    if children is None:
        return False
    current = {c.code for c in area.children if c.level != AreaLevel.HAMLET and c.is_valid_on(on)}
    return current != children


def _next_start(session: Session, code: str, on: date) -> date | None:
    """When a later unit with the same code starts (a unit created now must end there)."""
    return session.scalar(select(func.min(Area.valid_from)).where(Area.code == code, Area.valid_from > on))


@dataclass
class _Step:
    """What an import does with one row: its unit (new or kept) and the unit it ends, if any."""

    row: AreaRow
    area: Area
    parent: Area | None
    ends: Area | None = None


def import_areas(session: Session, text: str, *, valid_from: date | None = None) -> ImportReport:
    """Bring the units of ``text`` into the database as they are on ``valid_from``; all or nothing.

    Without ``valid_from`` the file describes the units since records began: new codes are
    created, corrections made in place (refused for a unit that already has history).
    With it, a code that is new or whose unit changed (name, tier, parent, territory) gets a
    new unit from that date and the old one ends on it; units of a listed province that the
    file no longer lists, and everything below a unit that ended, end on that date too.
    """
    rows = parse_area_csv(text)
    on = valid_from or DEFAULT_VALID_FROM
    before = {a.code: a for a in session.scalars(select(Area).where(valid_on(on)))}
    _check_parents(rows, before, valid_from)
    steps, errors = _plan_rows(session, rows, before, valid_from)
    left_behind = _units_left_behind(rows, before, steps, on, errors) if valid_from else []
    if errors:
        raise AreaImportError(errors)
    return _apply(session, steps, left_behind, on)


def _plan_rows(
    session: Session, rows: list[AreaRow], before: dict[str, Area], valid_from: date | None
) -> tuple[list[_Step], list[str]]:
    """Decide, parents first, which unit each row is; nothing is changed yet.

    A new unit ends no later than its parent. Without a date, a new unit under a parent
    that has ended is refused: its code is most likely that of a current unit.
    """
    on = valid_from or DEFAULT_VALID_FROM
    children: dict[str, set[str]] = {}
    for row in rows:
        if row.parent_code and row.level != AreaLevel.HAMLET:
            children.setdefault(row.parent_code, set()).add(row.code)
    steps: dict[str, _Step] = {}
    errors: list[str] = []
    for row in sorted(rows, key=lambda r: LEVEL_DEPTH[r.level]):
        planned_parent = steps.get(row.parent_code)
        parent = planned_parent.area if planned_parent else before.get(row.parent_code)
        old = before.get(row.code)
        if old is None and valid_from is None and parent is not None and parent.valid_to is not None:
            errors.append(
                f"line {row.line}: the parent {parent.code} ({parent.name}) ended on {parent.valid_to}; to add "
                "a unit under the unit that carries its code now, give --valid-from (e.g. the day it started)"
            )
            continue
        if old is None:
            ends = min((d for d in (_next_start(session, row.code, on), parent and parent.valid_to) if d), default=None)
            step = _Step(row, Area(code=row.code, valid_from=on, valid_to=ends), parent)
        elif not _identity_changed(old, row, parent, children.get(row.code), on):
            step = _Step(row, old, parent)
        elif old.valid_from < on:
            step = _Step(row, Area(code=row.code, valid_from=on, valid_to=old.valid_to), parent, ends=old)
        else:
            step = _Step(row, old, parent)
            if history := _history_count(session, old):
                errors.append(
                    f"line {row.line}: {row.code} ({old.name}) already has {history} recorded row(s) (responses, "
                    "comments, survey links); give --valid-from the date of the change to start a new unit"
                )
        steps[row.code] = step
    return list(steps.values()), errors


def _units_left_behind(
    rows: list[AreaRow], before: dict[str, Area], steps: list[_Step], on: date, errors: list[str]
) -> list[Area]:
    """Units a dated file leaves out of the provinces it lists, and everything below a unit that ends.

    A list of communes says nothing about hamlets: those of a commune that continues stay.
    """
    continuing = {id(s.area) for s in steps} | {id(s.ends) for s in steps if s.ends}
    provinces = [before[r.code] for r in rows if r.level == AreaLevel.PROVINCE and r.code in before]
    others = sorted((a for a in before.values() if id(a) not in continuing), key=lambda a: a.code)
    ending = [a for a in others if a.level != AreaLevel.HAMLET and any(a.is_within(p) for p in provinces)]
    ended = ending + [s.ends for s in steps if s.ends]
    ending += [a for a in others if a not in ending and any(a.is_within(e) for e in ended)]
    errors += [
        f"{area.code} ({area.name}) starts on {area.valid_from} and is not in the file"
        for area in ending
        if area.valid_from >= on
    ]
    return ending


def _apply(session: Session, steps: list[_Step], left_behind: list[Area], on: date) -> ImportReport:
    report = ImportReport()
    for step in steps:
        row, area = step.row, step.area
        values = {
            "name": row.name,
            "level": row.level,
            "unit_type": row.unit_type,
            "parent": step.parent,
            "population": row.population,
            "households": row.households,
        }
        if area.id is None:
            report.created.append(row.code)
        elif any(getattr(area, k) != v for k, v in values.items()):
            report.updated.append(row.code)
        else:
            report.unchanged += 1
        if step.ends is not None:
            step.ends.valid_to = on
            report.retired.append(row.code)
        session.add(area)
        for key, value in values.items():
            setattr(area, key, value)
    for area in left_behind:
        area.valid_to = on
        report.retired.append(area.code)
    session.flush()
    refresh_paths(session)
    return report


def retire_areas(session: Session, codes: list[str], on: date, *, with_units_below: bool = False) -> list[Area]:
    """End the validity of current areas (merged or dissolved units) on ``on``.

    Their rows stay, so responses and comments keep the unit as it was; a unit
    with current children cannot be retired before them unless ``with_units_below``
    (a whole province taken into another one) ends them too.
    """
    current = {a.code: a for a in session.scalars(select(Area).where(Area.valid_to.is_(None)))}
    errors = [f"no current area has code {code}" for code in codes if code not in current]
    named = [current[c] for c in codes if c in current]
    below = [a for a in current.values() if any(a.is_within(n) for n in named)] if with_units_below else named
    retiring = {a.id for a in below}
    for area in below:
        if area.valid_from >= on:
            errors.append(f"{area.code} starts on {area.valid_from}, not before {on}")
        kept = [c.code for c in area.children if c.valid_to is None and c.id not in retiring]
        if kept:
            errors.append(f"{area.code} still has current units below it: {', '.join(kept[:5])}")
    if errors:
        raise AreaImportError(errors)
    for area in below:
        area.valid_to = on
    session.flush()
    return below


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
