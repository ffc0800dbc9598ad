"""Staff pages for the weighted satisfaction indices of a survey (table, chart, downloads) and its analysis plan."""

from __future__ import annotations

import io
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

import analysis
from core.auth import role_required
from core.db import get_session
from core.models import STAFF_ROLES
from surveys.exports import indices_workbook
from surveys.forms import PlanForm
from surveys.models import Survey
from surveys.services.access import can_manage
from surveys.services.indices_page import IndicesPage, indices_page
from surveys.services.plan_inputs import inputs_zip
from surveys.services.plans import (
    PlanRefused,
    current_plan,
    form_data,
    plan_choices,
    plan_versions,
    save_plan,
    saved_plan,
)
from surveys.views.common import get_survey, links_in_scope


def _lang() -> str:
    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else "vi"


def _page(survey_id: int) -> tuple[Survey, IndicesPage]:
    """The survey and its indices over the viewer's communes, computed with the survey's current plan."""
    survey = get_survey(survey_id)
    return survey, indices_page(get_session(), survey, links_in_scope(survey), lang=_lang())


@role_required(*STAFF_ROLES)
def indices(survey_id: int) -> Any:
    """Share satisfied and mean score per commune, district (where there are districts) and overall,
    with their intervals and verdicts."""
    survey, page = _page(survey_id)
    return render_template("surveys/indices.html", survey=survey, page=page,
                           can_manage=can_manage(current_user, survey))


@role_required(*STAFF_ROLES)
def indices_download(survey_id: int, fmt: str) -> Any:
    """The whole long table (every item and measure) as CSV (the CLI's table) or XLSX (with the method)."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    survey, page = _page(survey_id)
    if page.table is None:
        return Response(page.problem or "", status=409, mimetype="text/plain")  # Flask adds the charset
    if fmt == "csv":
        text = io.StringIO()
        analysis.write_table(page.table, text, "csv")
        buffer = io.BytesIO(("\ufeff" + text.getvalue()).encode())  # BOM: Excel reads UTF-8
    else:
        buffer = io.BytesIO(indices_workbook(page.readable_table(), page.plan.label, page.method, page.notes))
    return send_file(buffer, download_name=f"survey{survey.id}-indices.{fmt}", as_attachment=True)


@role_required(*STAFF_ROLES)
def indices_data(survey_id: int) -> Any:
    """The page's inputs as the command line's files (plan.json, responses.csv, margins.csv) in a ZIP."""
    survey, page = _page(survey_id)
    if page.inputs is None:
        return Response(page.problem or "", status=409, mimetype="text/plain")
    return send_file(io.BytesIO(inputs_zip(page.inputs)), download_name=f"survey{survey.id}-indices-data.zip",
                     as_attachment=True)


@role_required(*STAFF_ROLES)
def plan(survey_id: int) -> Any:
    """The survey's analysis plan: followers read it, managers save a new version."""
    session = get_session()
    survey = get_survey(survey_id)
    manage = can_manage(current_user, survey)
    current = current_plan(session, survey)
    form = PlanForm(data=form_data(current))
    problem = None
    if request.method == "POST":
        if not manage:
            abort(403)
        if form.validate_on_submit():
            try:
                saved = save_plan(session, survey, current_user, plan_choices(form.data))
            except PlanRefused as exc:
                problem = str(exc)
            else:
                session.commit()
                flash(_("Đã lưu kế hoạch phân tích, phiên bản %(version)s.", version=saved.version), "success")
                return redirect(url_for("surveys_staff.plan", survey_id=survey.id))
    return render_template("surveys/plan.html", survey=survey, form=form, plan=current, manage=manage,
                           method=analysis.describe_plan(current, _lang()), problem=problem,
                           versions=plan_versions(session, survey))


@role_required(*STAFF_ROLES)
def plan_file(survey_id: int, version: int | None = None) -> Any:
    """The current plan (or a saved version) as the JSON file ``python -m analysis --plan`` reads."""
    session = get_session()
    survey = get_survey(survey_id)
    chosen = current_plan(session, survey) if version is None else saved_plan(session, survey, version)
    if chosen is None:
        abort(404)
    return Response(analysis.dump_plan(chosen), mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{chosen.name}-v{chosen.version}.json"'})


def add_routes(bp: Blueprint) -> None:
    """The indices page, its downloads, and the analysis plan."""
    bp.add_url_rule("/<int:survey_id>/indices", view_func=indices)
    bp.add_url_rule("/<int:survey_id>/indices.<fmt>", view_func=indices_download)
    bp.add_url_rule("/<int:survey_id>/indices-data.zip", view_func=indices_data)
    bp.add_url_rule("/<int:survey_id>/plan", view_func=plan, methods=["GET", "POST"])
    bp.add_url_rule("/<int:survey_id>/plan.json", view_func=plan_file)
    bp.add_url_rule("/<int:survey_id>/plan-v<int:version>.json", view_func=plan_file)
