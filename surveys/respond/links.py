"""Reading a survey's short link as the resident's pages need it, and the recent copy kept of it.

Every respondent request starts here: ``/s/<code>`` names a survey × commune link. The form
reads it as plain data in one SELECT (``find_respondent_link``) and, under load, reuses a copy
read at most ``SURVEY_PAGE_MAX_AGE`` ago (``RecentLinks``); the submission's write checks
that copy again (``store.store_response``, ``recheck_link``).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, bindparam, func, select
from sqlalchemy.orm import Session, aliased, joinedload

from core.db import utc_now
from core.models import Area
from surveys.models import OpeningHours, Survey, SurveyArea, SurveyStatus, SurveyVersion
from surveys.respond.cache import BoundedCache
from surveys.respond.questions import VersionKey, VersionSpec, version_spec


def list_open_surveys(session: Session, now: datetime | None = None) -> list[Survey]:
    """Surveys residents can answer right now."""
    return list(session.scalars(select(Survey).where(Survey.is_open_at(now or utc_now())).order_by(Survey.id)))


def find_link(session: Session, code: str) -> SurveyArea | None:
    """The survey × commune behind a short code, with its survey, commune and hamlets (two SELECTs).

    The questions are not loaded: the respondent form reads them through ``questions``;
    ``survey.current_version`` still loads them on first use for staff pages.
    """
    return session.scalar(
        select(SurveyArea)
        .where(SurveyArea.code == code.lower())
        .options(joinedload(SurveyArea.survey), joinedload(SurveyArea.area).selectinload(Area.children))
    )


# The plain copies below name their fields after the model columns they are read from, so
# ``_columns`` and ``_read`` select and fill them by name: a field added here is read.


@dataclass(frozen=True, slots=True)
class HamletView:
    """A hamlet as the respondent form needs it (columns of ``Area``)."""

    id: int
    code: str
    name: str
    valid_to: date | None


@dataclass(frozen=True, slots=True)
class CommuneView:
    """A commune and its current and past hamlets, read for one request (columns of ``Area``)."""

    id: int
    code: str
    name: str
    children: tuple[HamletView, ...]


@dataclass(frozen=True, slots=True)
class SurveyView(OpeningHours):
    """What the respondent form needs of a survey (columns of ``Survey``); open by the model's rule."""

    id: int
    title: str
    introduction: str
    status: SurveyStatus
    opens_at: datetime | None
    closes_at: datetime | None


@dataclass(frozen=True, slots=True)
class LinkView:
    """A survey × commune link as plain data (columns of ``SurveyArea``), read for one request or
    reused for at most SURVEY_PAGE_MAX_AGE (``RecentLinks``; a submission's write checks it again)."""

    id: int
    code: str
    survey_id: int
    area_id: int
    survey: SurveyView
    area: CommuneView


def _column_names(view: type, *nested: str) -> tuple[str, ...]:
    return tuple(f.name for f in fields(view) if f.name not in nested)


_LINK_FIELDS = _column_names(LinkView, "survey", "area")
_SURVEY_FIELDS = _column_names(SurveyView)
_COMMUNE_FIELDS = _column_names(CommuneView, "children")
_HAMLET_FIELDS = _column_names(HamletView)


def _columns(prefix: str, entity: Any, names: tuple[str, ...]) -> list[Any]:
    """``entity``'s columns ``names``, labelled ``<prefix>_<name>``."""
    return [getattr(entity, name).label(f"{prefix}_{name}") for name in names]


def _read(row: Row[Any], prefix: str, names: tuple[str, ...]) -> dict[str, Any]:
    """The values of the columns ``_columns`` labelled, by field name."""
    values = row._mapping
    return {name: values[f"{prefix}_{name}"] for name in names}


_Hamlet = aliased(Area)
_LATEST_NUMBER = (
    select(func.max(SurveyVersion.number))
    .where(SurveyVersion.survey_id == SurveyArea.survey_id)
    .correlate(SurveyArea)
    .scalar_subquery()
)
# Built once: on the hot path, building and compiling statements cost more than running them.
# One row per hamlet of the commune (one row with NULL hamlet columns if it has none).
_RESPONDENT_LINK = (
    select(
        *_columns("link", SurveyArea, _LINK_FIELDS), *_columns("survey", Survey, _SURVEY_FIELDS),
        *_columns("commune", Area, _COMMUNE_FIELDS), *_columns("hamlet", _Hamlet, _HAMLET_FIELDS),
        SurveyVersion.id.label("version_id"), SurveyVersion.created_at.label("version_created_at"),
    )
    .join(Survey, Survey.id == SurveyArea.survey_id)
    .join(Area, Area.id == SurveyArea.area_id)
    .join(SurveyVersion, (SurveyVersion.survey_id == SurveyArea.survey_id) & (SurveyVersion.number == _LATEST_NUMBER))
    .outerjoin(_Hamlet, _Hamlet.parent_id == SurveyArea.area_id)
    .where(SurveyArea.code == bindparam("code"))
    .order_by(_Hamlet.code)
)


def find_respondent_link(session: Session, code: str) -> tuple[LinkView, VersionKey] | None:
    """The link behind a short code and the (id, created_at) of its survey's current version.

    One SELECT of plain columns (link, survey, commune, current version, one row per hamlet):
    the hot path of every respondent request builds no ORM objects.
    """
    rows = session.connection().execute(_RESPONDENT_LINK, {"code": code.lower()}).all()
    if not rows:
        return None
    row = rows[0]
    hamlets = tuple(HamletView(**_read(r, "hamlet", _HAMLET_FIELDS)) for r in rows if r.hamlet_id is not None)
    survey = SurveyView(**_read(row, "survey", _SURVEY_FIELDS))
    commune = CommuneView(**_read(row, "commune", _COMMUNE_FIELDS), children=hamlets)
    link = LinkView(**_read(row, "link", _LINK_FIELDS), survey=survey, area=commune)
    return link, (row.version_id, row.version_created_at)


def read_link(session: Session, code: str) -> tuple[LinkView, VersionSpec] | None:
    """The link behind a short code and its current questions (the questions cached once frozen)."""
    found = find_respondent_link(session, code)
    if found is None:
        return None
    link, version_key = found
    return link, version_spec(session, version_key)


class RecentLinks:
    """The links residents were shown, each kept at most ``max_age`` seconds, by lower-cased code.

    Under load most requests then skip the database. Pages show the copy; a submission judged
    by it is stored only if its write finds the survey still open with the same version and
    the hamlet still current (``store.store_response``, ``recheck_link``).
    """

    def __init__(self, size: int, max_age: float) -> None:
        self.cache = BoundedCache(size, max_age=max_age)

    def get(self, code: str) -> tuple[LinkView, VersionSpec] | None:
        """The copy read at most ``max_age`` ago, if any."""
        return self.cache.get(code.lower())

    def read(self, session: Session, code: str) -> tuple[LinkView, VersionSpec] | None:
        """The link read now (``read_link``), kept as the recent copy for the requests that follow."""
        found = read_link(session, code)
        if found is not None:
            self.cache.put(code.lower(), found)
        return found
