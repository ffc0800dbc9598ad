"""Staff pages of one survey: the list, creating one, its page, details, status and preview."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from core.auth import role_required
from core.db import get_session
from core.models import MANAGER_ROLES, STAFF_ROLES
from core.timezones import to_local, to_utc
from surveys.errors import SurveyError
from surveys.forms import CreateSurveyForm, SurveyDetailsForm
from surveys.models import SurveyStatus, survey_state
from surveys.respond.answers import options_for
from surveys.respond.views import link_url
from surveys.services.access import can_manage, visible_communes
from surveys.services.builder import ROLE_LABELS, TYPE_LABELS
from surveys.services.surveys import (
    communes_in_scope,
    count_responses,
    create_survey_from_template,
    criteria_sets,
    list_surveys_for,
    response_counts,
    set_status,
    update_details,
)
from surveys.template import TEMPLATE_TITLE
from surveys.views.common import get_survey


@role_required(*STAFF_ROLES)
def index() -> Any:
    """The surveys the user manages or follows."""
    session = get_session()
    surveys = list_surveys_for(session, current_user)
    return render_template(
        "surveys/index.html", surveys=surveys, state=survey_state,
        responses=response_counts(session, surveys, current_user),
        can_build=current_user.role in MANAGER_ROLES,
    )


@role_required(*MANAGER_ROLES)
def create() -> Any:
    """Create a draft survey from the NTM template in one form."""
    session = get_session()
    form = CreateSurveyForm()
    sets = criteria_sets(session)
    communes = {a.id: a for a in communes_in_scope(session, current_user)}
    form.criteria_set.choices = [SelectChoice(s.id, f"{s.decision_no} ({s.period})") for s in sets]
    form.communes.choices = [SelectChoice(a.id, f"{a.name} ({a.parent.name if a.parent else ''})")
                             for a in communes.values()]
    if request.method == "GET" and not form.title.data:
        form.title.data = TEMPLATE_TITLE
    if form.validate_on_submit():
        criteria_set = next(s for s in sets if s.id == form.criteria_set.data)
        try:
            survey = create_survey_from_template(
                session, current_user, criteria_set=criteria_set,
                communes=[communes[i] for i in form.communes.data], title=form.title.data.strip(),
                opens_at=to_utc(form.opens_at.data), closes_at=to_utc(form.closes_at.data),
            )
        except SurveyError as exc:
            form.communes.errors = [str(exc)]
        else:
            session.commit()
            flash(_("Đã tạo phiếu (bản nháp). Xem lại câu hỏi rồi bấm Mở phiếu."), "info")
            return redirect(url_for("surveys_staff.show", survey_id=survey.id))
    return render_template("surveys/create.html", form=form)


@role_required(*STAFF_ROLES)
def show(survey_id: int) -> Any:
    """A survey's status, links, questions and tools."""
    survey = get_survey(survey_id)
    session = get_session()
    return render_template(
        "surveys/show.html", survey=survey, state=survey_state, links=visible_communes(current_user, survey),
        responses=count_responses(session, survey, current_user), manage=can_manage(current_user, survey),
        version=survey.current_version, url_of=link_url, type_labels=TYPE_LABELS, role_labels=ROLE_LABELS,
    )


@role_required(*MANAGER_ROLES)
def edit(survey_id: int) -> Any:
    """Edit the title, introduction and schedule."""
    survey = get_survey(survey_id, manage=True)
    form = SurveyDetailsForm(obj=survey)
    if request.method == "GET":
        form.opens_at.data, form.closes_at.data = to_local(survey.opens_at), to_local(survey.closes_at)
    if form.validate_on_submit():
        try:
            update_details(get_session(), survey, current_user, title=form.title.data,
                           introduction=form.introduction.data,
                           opens_at=to_utc(form.opens_at.data), closes_at=to_utc(form.closes_at.data))
        except SurveyError as exc:
            form.title.errors = [str(exc)]
        else:
            get_session().commit()
            return redirect(url_for("surveys_staff.show", survey_id=survey.id))
    return render_template("surveys/edit.html", survey=survey, form=form)


@role_required(*MANAGER_ROLES)
def change_status(survey_id: int) -> Any:
    """Open or close a survey."""
    survey = get_survey(survey_id, manage=True)
    wanted = request.form.get("status")
    if wanted not in (SurveyStatus.OPEN.value, SurveyStatus.CLOSED.value):
        abort(400)
    set_status(get_session(), survey, current_user, SurveyStatus(wanted))
    get_session().commit()
    return redirect(url_for("surveys_staff.show", survey_id=survey.id))


@role_required(*STAFF_ROLES)
def preview(survey_id: int) -> Any:
    """The respondent form as residents will see it, without a submit button."""
    survey = get_survey(survey_id)
    link = (visible_communes(current_user, survey) or abort(404))[0]  # never another commune's hamlets
    return render_template(
        "surveys/respond.html", link=link, survey=survey, version=survey.current_version,
        options=options_for(survey.current_version, link.area), token="", via="link", values={}, errors={},
        preview=True,
    )


def add_routes(bp: Blueprint) -> None:
    """The survey list, creation, details, status and preview."""
    bp.add_url_rule("/", view_func=index)
    bp.add_url_rule("/new", view_func=create, methods=["GET", "POST"])
    bp.add_url_rule("/<int:survey_id>", view_func=show)
    bp.add_url_rule("/<int:survey_id>/edit", view_func=edit, methods=["GET", "POST"])
    bp.add_url_rule("/<int:survey_id>/status", view_func=change_status, methods=["POST"])
    bp.add_url_rule("/<int:survey_id>/preview", view_func=preview)
