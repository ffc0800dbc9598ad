"""Who may follow a survey (see its monitor, exports and indices) and who may manage it (build, open, decide)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.db import MAX_ID
from core.models import Area, Role, User
from surveys.models import Survey, SurveyArea


def followed_survey(session: Session, actor: User, survey_id: int) -> Survey | None:
    """The survey if ``actor`` may follow it, else None.

    An unknown id, one past the column's range and a survey out of the actor's reach all give None,
    so a page cannot tell them apart.
    """
    survey = session.get(Survey, survey_id) if survey_id <= MAX_ID else None
    return survey if survey is not None and can_follow(actor, survey) else None


def can_manage(user: User, survey: Survey) -> bool:
    """Admins manage every survey; officers those owned within their area."""
    if user.role == Role.ADMIN:
        return True
    if user.role != Role.OFFICER or user.area is None:
        return False
    return survey.owner_area is not None and survey.owner_area.is_within(user.area)


def can_follow(user: User, survey: Survey) -> bool:
    """Who may see the monitor and exports: managers, analysts, and accounts covering a commune."""
    if user.role in (Role.ADMIN, Role.ANALYST) or can_manage(user, survey):
        return True
    return any(user.can_see(sa.area) or _covers(user, sa.area) for sa in survey.areas)


def _covers(user: User, commune: Area) -> bool:
    return user.area is not None and user.area.is_within(commune)


def visible_communes(user: User, survey: Survey) -> list[SurveyArea]:
    """The survey's communes whose responses ``user`` may see."""
    if user.role in (Role.ADMIN, Role.ANALYST) or can_manage(user, survey):
        return list(survey.areas)
    return [sa for sa in survey.areas if user.can_see(sa.area) or _covers(user, sa.area)]
