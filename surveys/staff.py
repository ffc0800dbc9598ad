"""Staff pages: builder, links and posters, paper entry and import, monitor, exports."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from core.auth import role_required
from core.db import get_session
from core.models import MANAGER_ROLES, STAFF_ROLES
from core.qr import qr_png, qr_svg, qr_svg_inline
from core.timezones import to_local, to_utc
from surveys.builder import (
    ROLE_LABELS,
    TYPE_LABELS,
    NewQuestion,
    QuestionFields,
    add_question,
    add_section,
    change_question,
    delete_question,
    delete_section,
    move_question_to_section,
    move_section,
    option_lines,
    rename_section,
)
from surveys.errors import SurveyError
from surveys.forms import (
    AddQuestionForm,
    CreateSurveyForm,
    QuestionForm,
    SurveyDetailsForm,
)
from surveys.models import (
    MAX_ID,
    Question,
    QuestionType,
    Survey,
    SurveyStatus,
    WeightingRole,
    survey_state,
)
from surveys.respond.answers import options_for
from surveys.respond.views import link_url
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
    update_details,
    visible_communes,
)
from surveys.template import TEMPLATE_TITLE

bp = Blueprint("surveys_staff", __name__, url_prefix="/surveys")


def get_survey(survey_id: int, *, manage: bool = False) -> Survey:
    """The survey if the signed-in user may follow it (404 otherwise) and manage it (403)."""
    survey = get_session().get(Survey, survey_id) if survey_id <= MAX_ID else None
    if survey is None or not can_follow(current_user, survey):
        abort(404)
    if manage and not can_manage(current_user, survey):
        abort(403)
    return survey


@bp.route("/")
@role_required(*STAFF_ROLES)
def index() -> Any:
    """The surveys the user manages or follows."""
    session = get_session()
    surveys = list_surveys_for(session, current_user)
    return render_template(
        "surveys/index.html", surveys=surveys, state=survey_state, count=lambda s: count_responses(session, s),
        can_build=current_user.role in MANAGER_ROLES,
    )


@bp.route("/new", methods=["GET", "POST"])
@role_required(*MANAGER_ROLES)
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
@role_required(*STAFF_ROLES)
def show(survey_id: int) -> Any:
    """A survey's status, links, questions and tools."""
    survey = get_survey(survey_id)
    session = get_session()
    return render_template(
        "surveys/show.html", survey=survey, state=survey_state, links=visible_communes(current_user, survey),
        responses=count_responses(session, survey), manage=can_manage(current_user, survey),
        version=survey.current_version, url_of=link_url, type_labels=TYPE_LABELS, role_labels=ROLE_LABELS,
    )


@bp.route("/<int:survey_id>/edit", methods=["GET", "POST"])
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


@bp.route("/<int:survey_id>/status", methods=["POST"])
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


def _question_form(form_class: type[QuestionForm], survey: Survey, question: Question | None = None) -> Any:
    """The question form, filled from ``question`` until posted, with the survey's criteria to choose from."""
    defaults = {}
    if question is not None:
        defaults = {
            "text": question.text, "type": question.type.value, "required": question.required,
            "allow_dont_know": question.allow_dont_know, "options": option_lines(question),
            "min_value": question.min_value, "max_value": question.max_value,
            "criterion": question.criterion_id or 0,
            "weighting_role": question.weighting_role.value if question.weighting_role else "",
        }
    form = form_class(data=defaults)
    criteria = survey.criteria_set.criteria if survey.criteria_set else []
    form.criterion.choices = [SelectChoice(0, "—")] + [SelectChoice(c.id, f"{c.number}. {c.name}") for c in criteria]
    return form


def _question_fields(form: QuestionForm) -> dict[str, Any]:
    """The posted form as ``QuestionFields`` arguments."""
    return {
        "text": form.text.data, "type": QuestionType(form.type.data), "required": form.required.data,
        "allow_dont_know": form.allow_dont_know.data, "options": (form.options.data or "").splitlines(),
        "min_value": form.min_value.data, "max_value": form.max_value.data, "criterion_id": form.criterion.data or None,
        "weighting_role": WeightingRole(form.weighting_role.data) if form.weighting_role.data else None,
    }


@bp.route("/<int:survey_id>/questions/<code>", methods=["GET", "POST"])
@role_required(*MANAGER_ROLES)
def edit_question(survey_id: int, code: str) -> Any:
    """Edit everything about a question; once answered, the edit goes into a new version."""
    survey = get_survey(survey_id, manage=True)
    session = get_session()
    try:
        question = find_question(survey.current_version, code)
    except SurveyError:
        abort(404)
    form, error = _question_form(QuestionForm, survey, question), None
    if form.validate_on_submit():
        try:
            edited = change_question(session, survey, current_user, code, QuestionFields(**_question_fields(form)))
        except SurveyError as exc:
            session.rollback()
            error = str(exc)
        else:
            session.commit()
            return redirect(url_for("surveys_staff.show", survey_id=survey.id) + f"#{edited.code}")
    return render_template("surveys/question.html", survey=survey, question=question, form=form, error=error,
                           sections=survey.current_version.sections)


@bp.route("/<int:survey_id>/questions/new", methods=["GET", "POST"])
@role_required(*MANAGER_ROLES)
def new_question(survey_id: int) -> Any:
    """Add a question at the end of a section (a new version once the survey has answers)."""
    survey = get_survey(survey_id, manage=True)
    form, error = _question_form(AddQuestionForm, survey), None
    form.section.choices = [SelectChoice(s.position, s.title) for s in survey.current_version.sections]
    if form.validate_on_submit():
        spec = NewQuestion(section_position=form.section.data, **_question_fields(form))
        try:
            question = add_question(get_session(), survey, current_user, spec)
        except SurveyError as exc:
            get_session().rollback()
            error = str(exc)
        else:
            get_session().commit()
            return redirect(url_for("surveys_staff.show", survey_id=survey.id) + f"#{question.code}")
    return render_template("surveys/new_question.html", survey=survey, form=form, error=error)


def _apply(survey: Survey, change: Callable[..., Any], *args: Any, anchor: str = "") -> Any:
    """Carry out a builder button's change and commit it, or flash why it was refused and change nothing.

    A refusal returns to the top of the page, where the flashed message is: jumping to the
    anchor would scroll it out of sight on a phone.
    """
    session = get_session()
    try:
        change(session, survey, current_user, *args)
    except SurveyError as exc:
        session.rollback()
        flash(str(exc), "error")
        anchor = ""
    else:
        session.commit()
    return redirect(url_for("surveys_staff.show", survey_id=survey.id) + anchor)


def _step() -> int:
    """-1 or +1 from the pressed button (400 without one)."""
    step = {"up": -1, "down": 1}.get(request.form.get("dir", ""))
    if step is None:
        abort(400)
    return step


def _section_position() -> int:
    """The section chosen in the posted form (400 without one)."""
    position = request.form.get("section", type=int)
    if position is None:
        abort(400)
    return position


@bp.route("/<int:survey_id>/questions/<code>/delete", methods=["POST"])
@role_required(*MANAGER_ROLES)
def remove_question(survey_id: int, code: str) -> Any:
    """Remove a question (answers already given keep it in their version)."""
    return _apply(get_survey(survey_id, manage=True), delete_question, code)


@bp.route("/<int:survey_id>/questions/<code>/move", methods=["POST"])
@role_required(*MANAGER_ROLES)
def move(survey_id: int, code: str) -> Any:
    """Move a question up or down within its section."""
    return _apply(get_survey(survey_id, manage=True), move_question, code, _step(), anchor=f"#{code}")


@bp.route("/<int:survey_id>/questions/<code>/section", methods=["POST"])
@role_required(*MANAGER_ROLES)
def move_to_section(survey_id: int, code: str) -> Any:
    """Move a question to the end of another section."""
    survey = get_survey(survey_id, manage=True)
    return _apply(survey, move_question_to_section, code, _section_position(), anchor=f"#{code}")


@bp.route("/<int:survey_id>/sections", methods=["POST"])
@role_required(*MANAGER_ROLES)
def new_section(survey_id: int) -> Any:
    """Add an empty section at the end."""
    return _apply(get_survey(survey_id, manage=True), add_section, request.form.get("title", ""), anchor="#sections")


@bp.route("/<int:survey_id>/sections/<int:position>/rename", methods=["POST"])
@role_required(*MANAGER_ROLES)
def retitle_section(survey_id: int, position: int) -> Any:
    """Rename a section."""
    survey = get_survey(survey_id, manage=True)
    return _apply(survey, rename_section, position, request.form.get("title", ""), anchor=f"#s{position}")


@bp.route("/<int:survey_id>/sections/<int:position>/delete", methods=["POST"])
@role_required(*MANAGER_ROLES)
def remove_section(survey_id: int, position: int) -> Any:
    """Delete an empty section."""
    return _apply(get_survey(survey_id, manage=True), delete_section, position, anchor="#sections")


@bp.route("/<int:survey_id>/sections/<int:position>/move", methods=["POST"])
@role_required(*MANAGER_ROLES)
def reorder_section(survey_id: int, position: int) -> Any:
    """Move a section (with its questions) up or down."""
    return _apply(get_survey(survey_id, manage=True), move_section, position, _step(), anchor="#sections")


@bp.route("/<int:survey_id>/preview")
@role_required(*STAFF_ROLES)
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
@role_required(*STAFF_ROLES)
def poster(survey_id: int, code: str) -> Any:
    """A printable A4 poster for one commune."""
    survey = get_survey(survey_id)
    return _poster_html(survey, _link(survey, code))


def _poster_html(survey: Survey, link: Any, *, standalone: bool = False) -> str:
    """A poster always speaks Vietnamese to residents, whatever the officer's interface language."""
    url = link_url(link, via="qr")
    with force_locale("vi"):
        return render_template("surveys/poster.html", survey=survey, link=link, url=url, short=link_url(link),
                               qr=qr_svg_inline(url, scale=10), standalone=standalone)


@bp.route("/<int:survey_id>/posters.zip")
@role_required(*STAFF_ROLES)
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
            url = link_url(link, via="qr")
            html = _poster_html(survey, link, standalone=True)
            stem = f"{link.area.code}-{link.code}"
            archive.writestr(f"{stem}/poster.html", html)
            archive.writestr(f"{stem}/qr.png", qr_png(url))
            archive.writestr(f"{stem}/qr.svg", qr_svg(url))
    name = f"posters-survey{survey.id}{'-' + district if district else ''}.zip"
    return Response(buffer.getvalue(), mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
