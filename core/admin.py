"""Admin pages: accounts, organisations and the audit log."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from core.accounts import AccountError, create_organisation, create_user, find_area, set_user_active
from core.audit import read_audit_log
from core.auth import role_required
from core.db import get_session
from core.forms import (
    ORGANISATION_KIND_LABELS,
    ROLE_LABELS,
    OrganisationForm,
    UserForm,
    UserStatusForm,
)
from core.models import Area, AreaLevel, Organisation, Role, User

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _area_choices() -> list[SelectChoice]:
    stmt = (
        select(Area)
        .where(Area.valid_to.is_(None), Area.level != AreaLevel.HAMLET)
        .order_by(Area.path)
    )
    indent = {AreaLevel.PROVINCE: "", AreaLevel.DISTRICT: "— ", AreaLevel.COMMUNE: "— — "}
    return [SelectChoice("", "—")] + [
        SelectChoice(a.code, f"{indent.get(a.level, '')}{a.name} ({a.code})")
        for a in get_session().scalars(stmt)
    ]


def _organisation_choices() -> list[SelectChoice]:
    stmt = select(Organisation).order_by(Organisation.name)
    return [SelectChoice("", "—")] + [
        SelectChoice(str(o.id), f"{o.name} — {o.area.name}") for o in get_session().scalars(stmt)
    ]


@bp.route("/users", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def users() -> Any:
    """List accounts and create one."""
    session = get_session()
    form = UserForm()
    form.area_code.choices = _area_choices()
    form.organisation_id.choices = _organisation_choices()
    if form.validate_on_submit():
        organisation = session.get(Organisation, int(form.organisation_id.data)) if form.organisation_id.data else None
        try:
            user = create_user(
                session,
                form.email.data,
                form.password.data,
                form.role.data,
                area_code=form.area_code.data or (organisation.area.code if organisation else None),
                organisation_name=organisation.name if organisation else None,
                full_name=form.full_name.data or "",
                actor=current_user,
            )
        except AccountError as exc:
            session.rollback()
            flash(str(exc), "error")
        else:
            session.commit()
            flash(_("Đã tạo tài khoản %(email)s.", email=user.email), "info")
            return redirect(url_for("admin.users"))
    accounts = session.scalars(select(User).order_by(User.role, User.email)).all()
    return render_template(
        "admin/users.html", form=form, accounts=accounts, role_labels=ROLE_LABELS, status_form=UserStatusForm()
    )


@bp.route("/users/<int:user_id>/status", methods=["POST"])
@role_required(Role.ADMIN)
def user_status(user_id: int) -> Any:
    """Activate or deactivate an account."""
    session = get_session()
    user = session.get(User, user_id)
    form = UserStatusForm()
    if user is None or not form.validate_on_submit():
        flash(_("Yêu cầu không hợp lệ."), "error")
        return redirect(url_for("admin.users"))
    try:
        set_user_active(session, user, bool(form.is_active.data), actor=current_user)
    except AccountError as exc:
        flash(str(exc), "error")
    else:
        session.commit()
        flash(_("Đã cập nhật tài khoản %(email)s.", email=user.email), "info")
    return redirect(url_for("admin.users"))


@bp.route("/organisations", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def organisations() -> Any:
    """List organisations and create one."""
    session = get_session()
    form = OrganisationForm()
    form.area_code.choices = _area_choices()
    if form.validate_on_submit():
        try:
            area = find_area(session, form.area_code.data or "")
            create_organisation(session, form.name.data, form.kind.data, area, actor=current_user)
        except AccountError as exc:
            session.rollback()
            flash(str(exc), "error")
        else:
            session.commit()
            flash(_("Đã tạo tổ chức."), "info")
            return redirect(url_for("admin.organisations"))
    rows = session.scalars(select(Organisation).order_by(Organisation.name)).all()
    return render_template(
        "admin/organisations.html", form=form, organisations=rows, kind_labels=ORGANISATION_KIND_LABELS
    )


@bp.route("/audit")
@role_required(Role.ADMIN)
def audit() -> Any:
    """Every privileged action across the platform, newest first, in plain Vietnamese."""
    page = request.args.get("page", "1")
    log = read_audit_log(get_session(), int(page) if page.isdigit() and len(page) < 10 else 1)
    return render_template("admin/audit.html", log=log)
