"""Account services: plain functions, session first, no request state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.areas import find_unit
from core.db import utc_now
from core.models import (
    Area,
    Organisation,
    OrganisationKind,
    Role,
    User,
    record_audit,
    today_in_vietnam,
    valid_on,
)
from core.passwords import hash_password, password_problem, verify_password


class AccountError(ValueError):
    """A request about accounts that cannot be carried out; the message says why."""


def normalise_email(email: str) -> str:
    """E-mail addresses compare case-insensitively and without surrounding spaces."""
    return email.strip().lower()


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with these credentials, or None; never says which part was wrong."""
    user = session.scalar(select(User).where(User.email == normalise_email(email)))
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        return None
    user.last_login_at = utc_now()
    return user


def find_area(session: Session, code: str, *, on: date | None = None) -> Area:
    """The area that carries this GSO code on ``on`` (today by default); codes are reused across reforms."""
    area = find_unit(session, code, on)
    if area is None:
        raise AccountError(_("Không có địa bàn nào mang mã %(code)s.", code=code))
    return area


def create_user(
    session: Session,
    email: str,
    password: str,
    role: Role | str,
    *,
    area_code: str | None = None,
    organisation_name: str | None = None,
    full_name: str = "",
    actor: User | None = None,
) -> User:
    """Create an account after checking its role, scope and password."""
    role = Role(role) if role in Role._value2member_map_ else None
    if role is None:
        raise AccountError(
            _("Vai trò phải là một trong: %(roles)s.", roles=", ".join(r.value for r in Role))
        )
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise AccountError(_("%(email)s không phải là địa chỉ thư điện tử.", email=email))
    if session.scalar(select(func.count()).select_from(User).where(User.email == email)):
        raise AccountError(_("Đã có tài khoản với thư điện tử %(email)s.", email=email))
    if problem := password_problem(password):
        raise AccountError(problem)
    area = find_area(session, area_code) if area_code else None
    organisation = None
    if organisation_name:
        organisation = find_organisation(session, organisation_name, area)
    if role in (Role.OFFICER, Role.ORGANISATION) and area is None and organisation is None:
        raise AccountError(_("Cán bộ Ban Chỉ đạo và tài khoản tổ chức cần có địa bàn."))
    if role is Role.ORGANISATION and organisation is None:
        raise AccountError(_("Tài khoản tổ chức cần chọn tổ chức."))
    if organisation is not None and area is None:
        area = organisation.area
    user = User(
        email=email,
        password_hash=hash_password(password),
        role=role,
        area=area,
        organisation=organisation,
        full_name=full_name.strip(),
    )
    session.add(user)
    session.flush()
    record_audit(session, actor, "user.create", user, role=role.value)
    return user


def find_organisation(session: Session, name: str, area: Area | None) -> Organisation:
    """The organisation with this name (in this area when one is given)."""
    stmt = select(Organisation).where(Organisation.name == name.strip())
    if area is not None:
        stmt = stmt.where(Organisation.area_id == area.id)
    matches = list(session.scalars(stmt))
    if not matches:
        raise AccountError(_("Không có tổ chức nào tên %(name)s.", name=name))
    if len(matches) > 1:
        raise AccountError(
            _("Có nhiều tổ chức tên %(name)s; hãy chỉ rõ địa bàn (--area).", name=name)
        )
    return matches[0]


def create_organisation(
    session: Session, name: str, kind: OrganisationKind | str, area: Area, *, actor: User | None = None
) -> Organisation:
    """Create an organisation; names are unique within an area."""
    name = name.strip()
    if not name:
        raise AccountError(_("Tên tổ chức không được để trống."))
    existing = session.scalar(
        select(Organisation).where(Organisation.name == name, Organisation.area_id == area.id)
    )
    if existing is not None:
        raise AccountError(
            _("Tổ chức %(name)s đã có ở %(area)s.", name=name, area=area.name)
        )
    organisation = Organisation(name=name, kind=OrganisationKind(kind), area=area)
    session.add(organisation)
    session.flush()
    record_audit(session, actor, "organisation.create", organisation)
    return organisation


def change_password(session: Session, user: User, current: str, new: str) -> None:
    """Replace the password after checking the current one."""
    if not verify_password(user.password_hash, current):
        raise AccountError(_("Mật khẩu hiện tại không đúng."))
    if problem := password_problem(new):
        raise AccountError(problem)
    user.password_hash = hash_password(new)
    record_audit(session, user, "user.change_password", user)


def set_user_active(session: Session, user: User, active: bool, *, actor: User) -> None:
    """Activate or deactivate an account; admins cannot lock themselves out."""
    if user.id == actor.id and not active:
        raise AccountError(_("Không thể tự khóa tài khoản của chính mình."))
    user.is_active = active
    record_audit(session, actor, "user.activate" if active else "user.deactivate", user)


@dataclass(frozen=True)
class StrandedScopes:
    """Accounts and organisations rooted in a unit that has ended (merged, dissolved, re-formed)."""

    users: list[User]
    organisations: list[Organisation]


def list_stranded_scopes(session: Session, on: date | None = None) -> StrandedScopes:
    """What is rooted in a unit no longer valid on ``on`` (today): an admin moves each one, nothing moves alone."""
    ended = ~valid_on(on or today_in_vietnam())
    users = session.scalars(select(User).join(User.area).where(ended).order_by(User.email))
    organisations = session.scalars(
        select(Organisation).join(Organisation.area).where(ended).order_by(Organisation.name)
    )
    return StrandedScopes(list(users), list(organisations))


def move_user_area(session: Session, user: User, area_code: str, *, actor: User) -> None:
    """Scope an account to the current unit with ``area_code`` (its old unit is kept in the audit log)."""
    area = find_area(session, area_code)
    if user.organisation is not None and not area.is_within(user.organisation.area):
        raise AccountError(
            _("Tài khoản của tổ chức chỉ gắn được với địa bàn của tổ chức: hãy chuyển %(organisation)s trước.",
              organisation=user.organisation.name)
        )
    record_audit(session, actor, "user.move_area", user, old_area=user.area.code if user.area else None,
                 old_area_id=user.area_id, new_area_id=area.id)
    user.area = area


def move_organisation_area(session: Session, organisation: Organisation, area_code: str, *, actor: User) -> None:
    """Root an organisation in the current unit with ``area_code``; its accounts are listed to move on their own."""
    area = find_area(session, area_code)
    taken = session.scalar(
        select(Organisation).where(Organisation.name == organisation.name, Organisation.area_id == area.id)
    )
    if taken is not None and taken.id != organisation.id:
        raise AccountError(_("Tổ chức %(name)s đã có ở %(area)s.", name=organisation.name, area=area.name))
    record_audit(session, actor, "organisation.move_area", organisation, old_area=organisation.area.code,
                 old_area_id=organisation.area_id, new_area_id=area.id)
    organisation.area = area
