"""Admin pages: accounts, organisations and the audit log."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from core.accounts import (
    AccountError,
    create_organisation,
    create_user,
    find_area,
    list_stranded_scopes,
    move_organisation_area,
    move_user_area,
    set_user_active,
)
from core.audit import read_audit_log
from core.auth import role_required
from core.db import get_session
from core.forms import (
    ORGANISATION_KIND_LABELS,
    ROLE_LABELS,
    MoveAreaForm,
    OrganisationForm,
    UserForm,
    UserStatusForm,
)
from core.models import Role
from core.services import (
    all_accounts,
    all_organisations,
    assignable_areas,
    get_organisation,
    get_user,
)

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _area_choices() -> list[SelectChoice]:
    # Indented by depth, not by level: since 2025 a commune sits directly under its province.
    return [SelectChoice("", "—")] + [
        SelectChoice(a.code, f"{'— ' * (a.path.count('/') - 2)}{a.name} ({a.code})")
        for a in assignable_areas(get_session())
    ]


def _organisation_choices() -> list[SelectChoice]:
    return [SelectChoice("", "—")] + [
        SelectChoice(str(o.id), f"{o.name} — {o.area.name}") for o in all_organisations(get_session())
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
        organisation = get_organisation(session, int(form.organisation_id.data)) if form.organisation_id.data else None
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
    return render_template(
        "admin/users.html", form=form, accounts=all_accounts(session), role_labels=ROLE_LABELS,
        status_form=UserStatusForm(),
        stranded=list_stranded_scopes(session).users, move_form=_move_form(form.area_code.choices),
    )


def _move_form(choices: list[SelectChoice]) -> MoveAreaForm:
    form = MoveAreaForm(formdata=None)
    form.area_code.choices = choices
    return form


@bp.route("/users/<int:user_id>/area", methods=["POST"])
@role_required(Role.ADMIN)
def move_user(user_id: int) -> Any:
    """Scope an account whose unit has ended to a current unit."""
    session = get_session()
    user = get_user(session, user_id)
    form = MoveAreaForm()
    if user is None or not form.validate_on_submit():
        flash(_("Hãy chọn địa bàn mới."), "error")
        return redirect(url_for("admin.users"))
    try:
        move_user_area(session, user, form.area_code.data, actor=current_user)
    except AccountError as exc:
        session.rollback()
        flash(str(exc), "error")
    else:
        session.commit()
        flash(_("Đã chuyển tài khoản %(email)s sang %(area)s.", email=user.email, area=user.area.name), "info")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/status", methods=["POST"])
@role_required(Role.ADMIN)
def user_status(user_id: int) -> Any:
    """Activate or deactivate an account."""
    session = get_session()
    user = get_user(session, user_id)
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
    return render_template(
        "admin/organisations.html", form=form, organisations=all_organisations(session),
        kind_labels=ORGANISATION_KIND_LABELS,
        stranded=list_stranded_scopes(session).organisations, move_form=_move_form(form.area_code.choices),
    )


@bp.route("/organisations/<int:organisation_id>/area", methods=["POST"])
@role_required(Role.ADMIN)
def move_organisation(organisation_id: int) -> Any:
    """Root an organisation whose unit has ended in a current unit."""
    session = get_session()
    organisation = get_organisation(session, organisation_id)
    form = MoveAreaForm()
    if organisation is None or not form.validate_on_submit():
        flash(_("Hãy chọn địa bàn mới."), "error")
        return redirect(url_for("admin.organisations"))
    try:
        move_organisation_area(session, organisation, form.area_code.data, actor=current_user)
    except AccountError as exc:
        session.rollback()
        flash(str(exc), "error")
    else:
        session.commit()
        flash(_("Đã chuyển %(name)s sang %(area)s.", name=organisation.name, area=organisation.area.name), "info")
    return redirect(url_for("admin.organisations"))
@bp.route("/audit")
@role_required(Role.ADMIN)
def audit() -> Any:
    """Every privileged action across the platform, newest first, in plain Vietnamese."""
    page = request.args.get("page", "1")
    log = read_audit_log(get_session(), int(page) if page.isdigit() and len(page) < 10 else 1)
    return render_template("admin/audit.html", log=log)
