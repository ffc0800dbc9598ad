"""Staff pages of the questionnaire builder: questions and sections, each button one change."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from core.auth import role_required
from core.db import get_session
from core.models import MANAGER_ROLES
from surveys.errors import SurveyError
from surveys.forms import AddQuestionForm, QuestionForm
from surveys.models import Question, QuestionType, Survey, WeightingRole
from surveys.services.builder import (
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
from surveys.services.surveys import find_question, move_question
from surveys.views.common import get_survey


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


@role_required(*MANAGER_ROLES)
def remove_question(survey_id: int, code: str) -> Any:
    """Remove a question (answers already given keep it in their version)."""
    return _apply(get_survey(survey_id, manage=True), delete_question, code)


@role_required(*MANAGER_ROLES)
def move(survey_id: int, code: str) -> Any:
    """Move a question up or down within its section."""
    return _apply(get_survey(survey_id, manage=True), move_question, code, _step(), anchor=f"#{code}")


@role_required(*MANAGER_ROLES)
def move_to_section(survey_id: int, code: str) -> Any:
    """Move a question to the end of another section."""
    survey = get_survey(survey_id, manage=True)
    return _apply(survey, move_question_to_section, code, _section_position(), anchor=f"#{code}")


@role_required(*MANAGER_ROLES)
def new_section(survey_id: int) -> Any:
    """Add an empty section at the end."""
    return _apply(get_survey(survey_id, manage=True), add_section, request.form.get("title", ""), anchor="#sections")


@role_required(*MANAGER_ROLES)
def retitle_section(survey_id: int, position: int) -> Any:
    """Rename a section."""
    survey = get_survey(survey_id, manage=True)
    return _apply(survey, rename_section, position, request.form.get("title", ""), anchor=f"#s{position}")


@role_required(*MANAGER_ROLES)
def remove_section(survey_id: int, position: int) -> Any:
    """Delete an empty section."""
    return _apply(get_survey(survey_id, manage=True), delete_section, position, anchor="#sections")


@role_required(*MANAGER_ROLES)
def reorder_section(survey_id: int, position: int) -> Any:
    """Move a section (with its questions) up or down."""
    return _apply(get_survey(survey_id, manage=True), move_section, position, _step(), anchor="#sections")


def add_routes(bp: Blueprint) -> None:
    """The builder's forms and buttons."""
    bp.add_url_rule("/<int:survey_id>/questions/<code>", view_func=edit_question, methods=["GET", "POST"])
    bp.add_url_rule("/<int:survey_id>/questions/new", view_func=new_question, methods=["GET", "POST"])
    bp.add_url_rule("/<int:survey_id>/questions/<code>/delete", view_func=remove_question, methods=["POST"])
    bp.add_url_rule("/<int:survey_id>/questions/<code>/move", view_func=move, methods=["POST"])
    bp.add_url_rule("/<int:survey_id>/questions/<code>/section", view_func=move_to_section, methods=["POST"])
    bp.add_url_rule("/<int:survey_id>/sections", view_func=new_section, methods=["POST"])
    bp.add_url_rule("/<int:survey_id>/sections/<int:position>/rename", view_func=retitle_section, methods=["POST"])
    bp.add_url_rule("/<int:survey_id>/sections/<int:position>/delete", view_func=remove_section, methods=["POST"])
    bp.add_url_rule("/<int:survey_id>/sections/<int:position>/move", view_func=reorder_section, methods=["POST"])
