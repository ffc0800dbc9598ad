"""Queries behind the core pages (the admin lists, the health check): session first, plain results."""

from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from core.models import Area, AreaLevel, Organisation, User, today_in_vietnam, valid_on


def assignable_areas(session: Session) -> list[Area]:
    """Provinces, districts and communes valid today, in tree order: what an account or organisation may have."""
    return list(session.scalars(
        select(Area).where(valid_on(today_in_vietnam()), Area.level != AreaLevel.HAMLET).order_by(Area.path)
    ))


def all_organisations(session: Session) -> list[Organisation]:
    """Every organisation, by name."""
    return list(session.scalars(select(Organisation).order_by(Organisation.name)))


def all_accounts(session: Session) -> list[User]:
    """Every account, by role then e-mail."""
    return list(session.scalars(select(User).order_by(User.role, User.email)))


def get_organisation(session: Session, organisation_id: int) -> Organisation | None:
    """The organisation with this id."""
    return session.get(Organisation, organisation_id)


def get_user(session: Session, user_id: int) -> User | None:
    """The account with this id."""
    return session.get(User, user_id)


def database_reachable(session: Session) -> bool:
    """Whether the database answers a trivial query."""
    try:
        session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True
