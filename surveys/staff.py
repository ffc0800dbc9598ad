"""Staff pages: builder, links and posters, paper entry and import, monitor, exports."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from core.auth import role_required
from core.db import get_session
from core.models import Role
from core.qr import qr_png, qr_svg, qr_svg_inline
from surveys.answers import options_for
from surveys.builder import NewQuestion, add_question, delete_question
from surveys.errors import SurveyError
from surveys.forms import (
    AddQuestionForm,
    CreateSurveyForm,
    QuestionForm,
    SurveyDetailsForm,
    to_local,
    to_utc,
)
from surveys.models import QuestionType, Survey, SurveyStatus
from surveys.services import (
    can_follow,
    can_manage,
    communes_in_scope,
    count_responses,
    create_survey_from_template,
    criteria_sets,
    find_question,
    list_surveys_for,
    move_question,
    set_status,
    survey_state,
    update_details,
    update_question,
    visible_communes,
)
from surveys.template import TEMPLATE_TITLE
from surveys.views import public_url

bp = Blueprint("surveys_staff", __name__, url_prefix="/surveys")
STAFF = (Role.ADMIN, Role.OFFICER, Role.ORGANISATION, Role.ANALYST)
BUILDERS = (Role.ADMIN, Role.OFFICER)


def get_survey(survey_id: int, *, manage: bool = False) -> Survey:
    """The survey if the signed-in user may follow it (404 otherwise) and manage it (403)."""
    survey = get_session().get(Survey, survey_id)
    if survey is None or not can_follow(current_user, survey):
        abort(404)
    if manage and not can_manage(current_user, survey):
        abort(403)
    return survey


@bp.route("/")
@role_required(*STAFF)
def index() -> Any:
    """The surveys the user manages or follows."""
    session = get_session()
    surveys = list_surveys_for(session, current_user)
    return render_template(
        "surveys/index.html", surveys=surveys, state=survey_state, count=lambda s: count_responses(session, s),
        can_build=current_user.role in BUILDERS,
    )


@bp.route("/new", methods=["GET", "POST"])
@role_required(*BUILDERS)
def create() -> Any:
    """Create a draft survey from the NTM template in one form."""
    session = get_session()
    form = CreateSurveyForm()
    sets = criteria_sets(session)
    communes = {a.id: a for a in communes_in_scope(session, current_user)}
    form.criteria_set.choices = [SelectChoice(s.id, f"{s.decision_no} ({s.period})") for s in sets]
    form.communes.choices = [SelectChoice(a.id, f"{a.name} ({a.parent.name if a.parent else ''})") for a in communes.values()]
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


@bp.route("/<int:survey_id>")
@role_required(*STAFF)
def show(survey_id: int) -> Any:
    """A survey's status, links, questions and tools."""
    survey = get_survey(survey_id)
    session = get_session()
    return render_template(
        "surveys/show.html", survey=survey, state=survey_state, links=visible_communes(current_user, survey),
        responses=count_responses(session, survey), manage=can_manage(current_user, survey),
        version=survey.current_version, url_of=public_url,
    )


@bp.route("/<int:survey_id>/edit", methods=["GET", "POST"])
@role_required(*BUILDERS)
def edit(survey_id: int) -> Any:
    """Edit the title, introduction and schedule."""
    survey = get_survey(survey_id, manage=True)
    form = SurveyDetailsForm(obj=survey)
    if request.method == "GET":
        form.opens_at.data, form.closes_at.data = to_local(survey.opens_at), to_local(survey.closes_at)
    if form.validate_on_submit():
        update_details(get_session(), survey, current_user, title=form.title.data, introduction=form.introduction.data,
                       opens_at=to_utc(form.opens_at.data), closes_at=to_utc(form.closes_at.data))
        get_session().commit()
        return redirect(url_for("surveys_staff.show", survey_id=survey.id))
    return render_template("surveys/edit.html", survey=survey, form=form)


@bp.route("/<int:survey_id>/status", methods=["POST"])
@role_required(*BUILDERS)
def change_status(survey_id: int) -> Any:
    """Open or close a survey."""
    survey = get_survey(survey_id, manage=True)
    wanted = request.form.get("status")
    if wanted not in (SurveyStatus.OPEN.value, SurveyStatus.CLOSED.value):
        abort(400)
    set_status(get_session(), survey, current_user, SurveyStatus(wanted))
    get_session().commit()
    return redirect(url_for("surveys_staff.show", survey_id=survey.id))


@bp.route("/<int:survey_id>/questions/<code>", methods=["GET", "POST"])
@role_required(*BUILDERS)
def edit_question(survey_id: int, code: str) -> Any:
    """Edit a question's wording; once answered, the edit goes into a new version."""
    survey = get_survey(survey_id, manage=True)
    session = get_session()
    try:
        question = find_question(survey.current_version, code)
    except SurveyError:
        abort(404)
    form = QuestionForm(obj=question)
    if form.validate_on_submit():
        try:
            update_question(session, survey, current_user, code, text=form.text.data, required=form.required.data)
        except SurveyError as exc:
            form.text.errors = [str(exc)]
        else:
            session.commit()
            return redirect(url_for("surveys_staff.show", survey_id=survey.id) + f"#{code}")
    return render_template("surveys/question.html", survey=survey, question=question, form=form)


@bp.route("/<int:survey_id>/questions/new", methods=["GET", "POST"])
@role_required(*BUILDERS)
def new_question(survey_id: int) -> Any:
    """Add a question at the end of a section (a new version once the survey has answers)."""
    survey = get_survey(survey_id, manage=True)
    form = AddQuestionForm()
    form.section.choices = [SelectChoice(s.position, s.title) for s in survey.current_version.sections]
    criteria = survey.criteria_set.criteria if survey.criteria_set else []
    form.criterion.choices = [SelectChoice(0, "—")] + [SelectChoice(c.id, f"{c.number}. {c.name}") for c in criteria]
    if form.validate_on_submit():
        spec = NewQuestion(
            section_position=form.section.data, text=form.text.data, type=QuestionType(form.type.data),
            required=form.required.data, options=(form.options.data or "").splitlines(),
            min_value=form.min_value.data, max_value=form.max_value.data, criterion_id=form.criterion.data or None,
        )
        try:
            question = add_question(get_session(), survey, current_user, spec)
        except SurveyError as exc:
            form.options.errors = [str(exc)]
        else:
            get_session().commit()
            return redirect(url_for("surveys_staff.show", survey_id=survey.id) + f"#{question.code}")
    return render_template("surveys/new_question.html", survey=survey, form=form)


@bp.route("/<int:survey_id>/questions/<code>/delete", methods=["POST"])
@role_required(*BUILDERS)
def remove_question(survey_id: int, code: str) -> Any:
    """Remove a question (answers already given keep it in their version)."""
    survey = get_survey(survey_id, manage=True)
    try:
        delete_question(get_session(), survey, current_user, code)
    except SurveyError as exc:
        flash(str(exc), "error")
    get_session().commit()
    return redirect(url_for("surveys_staff.show", survey_id=survey.id))


@bp.route("/<int:survey_id>/questions/<code>/move", methods=["POST"])
@role_required(*BUILDERS)
def move(survey_id: int, code: str) -> Any:
    """Move a question up or down within its section."""
    survey = get_survey(survey_id, manage=True)
    step = {"up": -1, "down": 1}.get(request.form.get("dir", ""))
    if step is None:
        abort(400)
    session = get_session()
    try:
        move_question(session, survey, current_user, code, step)
    except SurveyError as exc:
        session.rollback()
        flash(str(exc), "error")
    else:
        session.commit()
    return redirect(url_for("surveys_staff.show", survey_id=survey.id) + f"#{code}")


@bp.route("/<int:survey_id>/preview")
@role_required(*STAFF)
def preview(survey_id: int) -> Any:
    """The respondent form as residents will see it, without a submit button."""
    survey = get_survey(survey_id)
    link = survey.areas[0]
    return render_template(
        "surveys/respond.html", link=link, survey=survey, version=survey.current_version,
        options=options_for(survey.current_version, link.area), token="", via="link", values={}, errors={}, preview=True,
    )


def _link(survey: Survey, code: str) -> Any:
    link = next((sa for sa in visible_communes(current_user, survey) if sa.code == code), None)
    if link is None:
        abort(404)
    return link


@bp.route("/<int:survey_id>/poster/<code>")
@role_required(*STAFF)
def poster(survey_id: int, code: str) -> Any:
    """A printable A4 poster for one commune."""
    survey = get_survey(survey_id)
    return _poster_html(survey, _link(survey, code))


def _poster_html(survey: Survey, link: Any, *, standalone: bool = False) -> str:
    """A poster always speaks Vietnamese to residents, whatever the officer's interface language."""
    url = public_url(link, via="qr")
    with force_locale("vi"):
        return render_template("surveys/poster.html", survey=survey, link=link, url=url, short=public_url(link),
                               qr=qr_svg_inline(url, scale=10), standalone=standalone)


@bp.route("/<int:survey_id>/posters.zip")
@role_required(*STAFF)
def posters_zip(survey_id: int) -> Any:
    """Every visible commune's poster (HTML with print CSS) and QR codes (PNG, SVG) in one ZIP.

    ``?district=<code>`` keeps one district's communes.
    """
    survey = get_survey(survey_id)
    district = request.args.get("district")
    links = [sa for sa in visible_communes(current_user, survey)
             if not district or (sa.area.parent is not None and sa.area.parent.code == district)]
    if not links:
        abort(404)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for link in links:
            url = public_url(link, via="qr")
            html = _poster_html(survey, link, standalone=True)
            stem = f"{link.area.code}-{link.code}"
            archive.writestr(f"{stem}/poster.html", html)
            archive.writestr(f"{stem}/qr.png", qr_png(url))
            archive.writestr(f"{stem}/qr.svg", qr_svg(url))
    name = f"posters-survey{survey.id}{'-' + district if district else ''}.zip"
    return Response(buffer.getvalue(), mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
