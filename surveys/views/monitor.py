"""Staff pages of the fieldwork monitor and the population shares (margins) it compares with."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.auth import role_required
from core.db import get_session
from core.models import STAFF_ROLES
from core.timezones import local_zone
from surveys.forms import ImportForm
from surveys.services.access import can_manage
from surveys.services.duplicates import CHANNEL_LABELS
from surveys.services.margins import HEADER as MARGINS_HEADER
from surveys.services.margins import load_margins, margin_loads, template_rows, weighting_labels
from surveys.services.monitor import MONITOR_HEADER, fieldwork, monitor_rows
from surveys.views.common import csv_response, file_to_fill, get_survey, links_in_scope, try_upload


@role_required(*STAFF_ROLES)
def monitor(survey_id: int) -> Any:
    """Coverage by commune and hamlet, by channel and day, sample vs population shares."""
    survey = get_survey(survey_id)
    session = get_session()
    data = fieldwork(session, survey, links_in_scope(survey), local_zone())
    return render_template("surveys/monitor.html", survey=survey, data=data,
                           loads=margin_loads(session, survey), can_manage_margins=can_manage(current_user, survey),
                           channel_labels=CHANNEL_LABELS, category_labels=weighting_labels(survey))


@role_required(*STAFF_ROLES)
def monitor_csv(survey_id: int) -> Any:
    """The monitor's coverage table as CSV."""
    survey = get_survey(survey_id)
    data = fieldwork(get_session(), survey, links_in_scope(survey), local_zone())
    return csv_response(f"survey{survey.id}-monitor.csv", MONITOR_HEADER, monitor_rows(data))


@role_required(*STAFF_ROLES)
def margins(survey_id: int) -> Any:
    """The loaded population shares and who loaded them; managers may upload a file that replaces them."""
    survey = get_survey(survey_id, manage=request.method == "POST")  # only managers upload
    session = get_session()
    manage = can_manage(current_user, survey)
    form = ImportForm()
    loaded, problems = try_upload(form, lambda name, data: load_margins(session, survey, current_user, name, data))
    if loaded is not None:
        flash(_("Đã nạp tỷ lệ dân số từ %(name)s.", name=form.file.data.filename), "info")
        return redirect(url_for("surveys_staff.monitor", survey_id=survey.id))
    page = render_template("surveys/margins.html", survey=survey, form=form, problems=problems, manage=manage,
                           loads=margin_loads(session, survey), category_labels=weighting_labels(survey))
    return page, 400 if problems or form.errors else 200


@role_required(*STAFF_ROLES)
def margins_template(survey_id: int, fmt: str) -> Any:
    """A margins file to fill in: one row per category of the survey's sex and age-group questions."""
    survey = get_survey(survey_id)
    rows = template_rows(survey)
    return file_to_fill(f"survey{survey.id}-margins", fmt, "margins", MARGINS_HEADER, rows)


def add_routes(bp: Blueprint) -> None:
    """The monitor, its CSV and the margins."""
    bp.add_url_rule("/<int:survey_id>/monitor", view_func=monitor)
    bp.add_url_rule("/<int:survey_id>/margins", view_func=margins, methods=["GET", "POST"])
    bp.add_url_rule("/<int:survey_id>/margins-template.<fmt>", view_func=margins_template)
    bp.add_url_rule("/<int:survey_id>/monitor.csv", view_func=monitor_csv)
