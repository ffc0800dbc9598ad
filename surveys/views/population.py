"""Staff pages of a survey's own population figures (hamlet populations, per-commune margins or cells)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.auth import role_required
from core.db import get_session
from core.models import STAFF_ROLES
from surveys.forms import PopulationForm
from surveys.services.access import can_manage
from surveys.services.population import (
    KIND_LABELS,
    KINDS,
    load_population,
    population_loads,
    template_rows,
)
from surveys.views.common import file_to_fill, get_survey, try_upload


@role_required(*STAFF_ROLES)
def population(survey_id: int) -> Any:
    """The versions loaded; managers upload a file that becomes the kind's next version."""
    survey = get_survey(survey_id, manage=request.method == "POST")  # only managers upload
    session = get_session()
    manage = can_manage(current_user, survey)
    form = PopulationForm()
    version, problems = try_upload(form, lambda name, data: load_population(session, survey, current_user,
                                                                           form.kind.data, name, data))
    if version is not None:
        flash(_("Đã nạp %(name)s: %(kind)s, phiên bản %(version)s.", name=form.file.data.filename,
                kind=KIND_LABELS[form.kind.data], version=version), "info")
        return redirect(url_for("surveys_staff.population", survey_id=survey.id))
    page = render_template("surveys/population.html", survey=survey, form=form, problems=problems, manage=manage,
                           loads=population_loads(session, survey), kinds=KIND_LABELS, columns=KINDS)
    return page, 400 if problems or form.errors else 200


@role_required(*STAFF_ROLES)
def population_template(survey_id: int, kind: str, fmt: str) -> Any:
    """A file to fill in for one kind: the survey's communes, hamlets and categories, numbers blank."""
    if kind not in KINDS:
        abort(404)
    survey = get_survey(survey_id)
    return file_to_fill(f"survey{survey.id}-{kind}", fmt, kind, KINDS[kind], template_rows(survey, kind))


def add_routes(bp: Blueprint) -> None:
    """The population figures page and its templates."""
    bp.add_url_rule("/<int:survey_id>/population", view_func=population, methods=["GET", "POST"])
    bp.add_url_rule("/<int:survey_id>/population-template-<kind>.<fmt>", view_func=population_template)
