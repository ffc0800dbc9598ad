"""Models every feature shares: administrative areas, organisations, users, audit log."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    and_,
    event,
    inspect,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement

from core.db import Base, UtcDateTime, portable_enum, utc_now


class AreaLevel(enum.StrEnum):
    """Tiers of the administrative hierarchy; the 2025 two-tier system skips DISTRICT."""

    PROVINCE = "province"
    DISTRICT = "district"
    COMMUNE = "commune"
    HAMLET = "hamlet"


VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
LEVEL_DEPTH = {AreaLevel.PROVINCE: 0, AreaLevel.DISTRICT: 1, AreaLevel.COMMUNE: 2, AreaLevel.HAMLET: 3}


class Area(Base):
    """An administrative unit as it was between ``valid_from`` and ``valid_to``.

    ``path`` holds the ids from the root ("/1/9/57/") so that an officer's
    subtree is one indexed prefix match, whatever the depth.
    """

    __tablename__ = "areas"
    __table_args__ = (UniqueConstraint("code", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(200))
    unit_type: Mapped[str] = mapped_column(String(32))
    level: Mapped[AreaLevel] = mapped_column(portable_enum(AreaLevel, "area_level"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"), index=True)
    path: Mapped[str] = mapped_column(String(255), index=True, default="")
    population: Mapped[int | None] = mapped_column(Integer)
    households: Mapped[int | None] = mapped_column(Integer)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)

    parent: Mapped[Area | None] = relationship(remote_side="Area.id", back_populates="children")
    children: Mapped[list[Area]] = relationship(back_populates="parent", order_by="Area.code")

    def is_valid_on(self, day: date) -> bool:
        """True when the unit existed on ``day`` (``valid_to`` is the first day it no longer did)."""
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)

    @property
    def district(self) -> Area | None:
        """The district above this commune; None in the two-tier system (since 1 July 2025 a commune's parent
        is its province), and for any other level."""
        parent = self.parent
        return parent if self.level == AreaLevel.COMMUNE and parent and parent.level == AreaLevel.DISTRICT else None

    def is_within(self, other: Area) -> bool:
        """True when this area is ``other`` or lies below it."""
        return self.path.startswith(other.path)

    def __repr__(self) -> str:
        return f"<Area {self.code} {self.name}>"


class CrosswalkKind(enum.StrEnum):
    """How much of an old unit went into a new one at a reorganisation."""

    FULL = "full"  # the whole old unit
    PARTIAL = "partial"  # part of it; the rest went into other new units


class CrosswalkEntry(Base):
    """One line of a crosswalk: ``old_area`` (or part of it) became part of ``new_area``."""

    __tablename__ = "crosswalk_entries"
    __table_args__ = (UniqueConstraint("old_area_id", "new_area_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    old_area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    new_area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    kind: Mapped[CrosswalkKind] = mapped_column(portable_enum(CrosswalkKind, "crosswalk_kind"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)

    old_area: Mapped[Area] = relationship(foreign_keys=[old_area_id])
    new_area: Mapped[Area] = relationship(foreign_keys=[new_area_id])


class OrganisationKind(enum.StrEnum):
    """Who may comment or enter paper forms in the name of an organisation."""

    FATHERLAND_FRONT = "mttq"
    FARMERS_UNION = "hoi_nong_dan"
    WOMENS_UNION = "hoi_phu_nu"
    YOUTH_UNION = "doan_thanh_nien"
    VETERANS_ASSOCIATION = "hoi_cuu_chien_binh"
    DEPARTMENT = "so_nganh"
    LOCALITY = "dia_phuong"
    SOCIAL_ORGANISATION = "to_chuc_xa_hoi"


class Organisation(Base):
    """A Front branch, mass organisation, department or locality, rooted in an area."""

    __tablename__ = "organisations"
    __table_args__ = (UniqueConstraint("name", "area_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[OrganisationKind] = mapped_column(portable_enum(OrganisationKind, "organisation_kind"))
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)

    area: Mapped[Area] = relationship()


class Role(enum.StrEnum):
    """What an account may do; scope comes from its area (and organisation)."""

    ADMIN = "admin"
    OFFICER = "officer"  # steering committee officer, scoped to an area's subtree
    ORGANISATION = "organisation"  # enters paper forms and comments for its organisation
    ANALYST = "analyst"  # reads and exports


# The role sets routes are guarded by; one definition each, shared by every feature.
STAFF_ROLES = (Role.ADMIN, Role.OFFICER, Role.ORGANISATION, Role.ANALYST)  # any account
MANAGER_ROLES = (Role.ADMIN, Role.OFFICER)  # build surveys, publish drafts, moderate, answer
ENTRY_ROLES = (Role.ADMIN, Role.OFFICER, Role.ORGANISATION)  # type in and import paper sheets
REPORT_ROLES = (Role.ADMIN, Role.OFFICER, Role.ANALYST)  # follow the comments and export the synthesis


class User(Base):
    """A staff account. Residents never need one."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "role = 'admin' OR role = 'analyst' OR area_id IS NOT NULL", name="scoped_role_has_area"
        ),
        CheckConstraint(
            "role != 'organisation' OR organisation_id IS NOT NULL", name="organisation_role_has_org"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(portable_enum(Role, "role"))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Part of every session cookie's user id; raising it ends every session of the account
    # (sign-out, "sign out everywhere", and any change to what the account may do: see end_sessions_on_change).
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")

    area: Mapped[Area | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """The id Flask-Login keeps in the session: the account and its session generation."""
        return f"{self.id}:{self.session_generation}"

    def end_sessions(self) -> None:
        """Sign the account out of every browser that holds one of its session cookies."""
        self.session_generation = (self.session_generation or 0) + 1

    def can_see(self, area: Area) -> bool:
        """Admins and analysts see everything; others only their area's subtree."""
        if self.role in (Role.ADMIN, Role.ANALYST):
            return True
        return self.area is not None and area.is_within(self.area)


# Changing any of these changes what a signed-in browser may do: its sessions must start again.
SESSION_ENDING_ATTRIBUTES = ("password_hash", "role", "area", "area_id", "organisation", "organisation_id", "is_active")


@event.listens_for(Session, "before_flush")
def end_sessions_on_change(session: Session, _context: Any, _instances: Any) -> None:
    """Whoever changes a password, a role, a scope or an account's state (this package, an admin
    page, a password reset of a feature), every session of that account ends with the change."""
    for obj in session.dirty:
        if isinstance(obj, User) and not inspect(obj).attrs.session_generation.history.has_changes():
            attrs = inspect(obj).attrs
            if any(attrs[name].history.has_changes() for name in SESSION_ENDING_ATTRIBUTES):
                obj.end_sessions()


class AuditEntry(Base):
    """Who did what to which object, when and why; never edited or deleted."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(1000), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now, index=True)

    actor: Mapped[User | None] = relationship()


class AuditLogIsAppendOnly(RuntimeError):
    """Raised when code tries to change or delete an audit entry."""


@event.listens_for(Session, "before_flush")
def refuse_audit_changes(session: Session, _context: Any, _instances: Any) -> None:
    """An audit entry, once written, is never changed or deleted, whoever tries."""
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditEntry) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditLogIsAppendOnly(f"audit entry {obj.id} cannot be changed or deleted")


def record_audit(
    session: Session,
    actor: User | None,
    action: str,
    obj: Base,
    *,
    reason: str = "",
    **details: Any,
) -> AuditEntry:
    """Append an audit entry for ``obj`` (flushed, not committed)."""
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,  # actor may be flask_login's proxy
        action=action,
        object_type=obj.__tablename__,
        object_id=getattr(obj, "id", None),
        reason=reason,
        details=details,
    )
    session.add(entry)
    session.flush()
    return entry


def valid_on(day: date) -> ColumnElement[bool]:
    """SQL condition: the area existed on ``day`` (the same rule as ``Area.is_valid_on``)."""
    return and_(Area.valid_from <= day, or_(Area.valid_to.is_(None), Area.valid_to > day))


def today_in_vietnam() -> date:
    """The calendar day in Vietnam, the day on which "the current unit" is decided."""
    return datetime.now(VIETNAM).date()


def visible_areas(
    session: Session, user: User, level: AreaLevel | None = None, *, on: date | None = None
) -> list[Area]:
    """Areas valid on ``on`` (today) in the user's scope, optionally of one level, ordered by code.

    By date rather than "not ended": a list imported ahead of a reform shows from its first day.
    """
    stmt = select(Area).where(valid_on(on or today_in_vietnam())).order_by(Area.code)
    if level is not None:
        stmt = stmt.where(Area.level == level)
    if user.role not in (Role.ADMIN, Role.ANALYST):
        if user.area is None:
            return []
        stmt = stmt.where(Area.path.startswith(user.area.path, autoescape=True))
    return list(session.scalars(stmt))
