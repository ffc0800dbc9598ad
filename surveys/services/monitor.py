"""Fieldwork monitor: coverage against households, by channel and day, sample vs population shares."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from surveys.models import (
    DuplicateReview,
    Response,
    Survey,
    SurveyArea,
    WeightingRole,
)


@dataclass(frozen=True)
class CoverageRow:
    """Responses of one commune or hamlet against its households."""

    code: str
    name: str
    level: str
    responses: int
    households: int | None

    @property
    def share(self) -> float | None:
        """Responses per household, or None without a target."""
        return self.responses / self.households if self.households else None


@dataclass
class Fieldwork:
    """Everything the monitor page and its CSV show."""

    coverage: list[CoverageRow] = field(default_factory=list)
    by_channel: dict[str, int] = field(default_factory=dict)
    by_day: dict[date, int] = field(default_factory=dict)
    # variable -> category -> (sample count, sample share, population share or None)
    composition: dict[str, dict[str, tuple[int, float, float | None]]] = field(default_factory=dict)
    total: int = 0
    possible_duplicates: int = 0  # flagged, whatever their review
    pending_review: int = 0
    excluded_duplicates: int = 0  # left out of every count above


def fieldwork(session: Session, survey: Survey, links: Sequence[SurveyArea], zone: ZoneInfo) -> Fieldwork:
    """Counts for the communes in ``links`` (the viewer's scope), without the excluded duplicates;
    days are counted in ``zone`` (the deployment's TIMEZONE)."""
    result = Fieldwork()
    commune_ids = [link.area_id for link in links]
    in_scope = (Response.survey_id == survey.id, Response.commune_id.in_(commune_ids))
    scope = (*in_scope, Response.is_counted)
    per_commune = _count_by(session, Response.commune_id, scope)
    per_hamlet = _count_by(session, Response.hamlet_id, scope)
    for link in links:
        area = link.area
        households = area.households or _sum_households(area)
        result.coverage.append(CoverageRow(area.code, area.name, "commune", per_commune.get(area.id, 0), households))
        for hamlet in area.children:
            responses = per_hamlet.get(hamlet.id, 0)
            result.coverage.append(CoverageRow(hamlet.code, hamlet.name, "hamlet", responses, hamlet.households))
    result.total = sum(per_commune.values())
    reviews = dict(session.execute(
        select(Response.duplicate_review, func.count())
        .where(*in_scope, Response.is_possible_duplicate.is_(True)).group_by(Response.duplicate_review)
    ).all())
    result.possible_duplicates = sum(reviews.values())
    result.pending_review = reviews.get(DuplicateReview.PENDING, 0)
    result.excluded_duplicates = reviews.get(DuplicateReview.EXCLUDED, 0)
    rows = session.execute(select(Response.channel, func.count()).where(*scope).group_by(Response.channel)).all()
    result.by_channel = {channel.value: n for channel, n in rows}
    for (submitted_at,) in session.execute(select(Response.submitted_at).where(*scope)):
        day = submitted_at.astimezone(zone).date()
        result.by_day[day] = result.by_day.get(day, 0) + 1
    result.by_day = dict(sorted(result.by_day.items()))
    for role in (WeightingRole.SEX, WeightingRole.AGE_GROUP):
        counts = _answer_counts(session, survey, role, scope)
        answered = sum(counts.values())
        margins = (survey.margins or {}).get(role.value, {})
        result.composition[role.value] = {
            category: (n, n / answered if answered else 0.0, margins.get(category))
            for category, n in sorted(counts.items())
        } | {c: (0, 0.0, s) for c, s in margins.items() if c not in counts}
    return result


def _answer_counts(
    session: Session, survey: Survey, role: WeightingRole, scope: Sequence[ColumnElement[bool]]
) -> dict[str, int]:
    """How many responses in ``scope`` gave each answer to the question that has ``role`` in their version."""
    versions_by_code: dict[str, list[int]] = {}
    for version in survey.versions:
        for question in version.questions:
            if question.weighting_role == role:
                versions_by_code.setdefault(question.code, []).append(version.id)
    counts: Counter[str] = Counter()
    for code, version_ids in versions_by_code.items():
        value = Response.answers[code].as_string()
        counts.update(dict(session.execute(
            select(value, func.count())
            .where(*scope, Response.version_id.in_(version_ids), value.is_not(None)).group_by(value)
        ).all()))
    return dict(counts)


def _count_by(session: Session, column: ColumnElement, scope: Sequence[ColumnElement[bool]]) -> dict[int, int]:
    """Responses in ``scope`` per value of ``column``."""
    return dict(session.execute(select(column, func.count()).where(*scope).group_by(column)).all())


def _sum_households(area) -> int | None:  # noqa: ANN001
    total = sum(h.households or 0 for h in area.children)
    return total or None


MONITOR_HEADER = ("level", "code", "name", "responses", "households", "responses_per_household")


def monitor_rows(data: Fieldwork) -> list[list[object]]:
    """The coverage table as CSV rows."""
    return [
        [r.level, r.code, r.name, r.responses, r.households, None if r.share is None else round(r.share, 4)]
        for r in data.coverage
    ]
