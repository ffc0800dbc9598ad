"""Staff pages for the weighted satisfaction indices of a survey (table, chart, downloads)."""

from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, Response, abort, render_template, request, send_file

import analysis
from core.auth import role_required
from core.db import get_session
from core.models import STAFF_ROLES
from core.spreadsheets import write_xlsx
from surveys.exports import table_rows
from surveys.models import Survey
from surveys.services.indices_page import IndicesPage, indices_page
from surveys.views.common import get_survey, links_in_scope


def _page(survey_id: int) -> tuple[Survey, IndicesPage]:
    """The survey and its indices over the viewer's communes, with the design and weighting asked for."""
    survey = get_survey(survey_id)
    page = indices_page(get_session(), survey, links_in_scope(survey),
                        design=request.args.get("design"), weighting=request.args.get("weighting"))
    return survey, page


@role_required(*STAFF_ROLES)
def indices(survey_id: int) -> Any:
    """Share satisfied and mean score per commune, district and overall, with 95% intervals."""
    survey, page = _page(survey_id)
    return render_template("surveys/indices.html", survey=survey, page=page)


@role_required(*STAFF_ROLES)
def indices_download(survey_id: int, fmt: str) -> Any:
    """The whole long table (every item and measure) as CSV or XLSX."""
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
        buffer = io.BytesIO()
        write_xlsx([("indices", *table_rows(page.table))], buffer)  # formulas neutralised, XML-illegal text cleaned
        buffer.seek(0)
    return send_file(buffer, download_name=f"survey{survey.id}-indices.{fmt}", as_attachment=True)


def add_routes(bp: Blueprint) -> None:
    """The indices page and its downloads."""
    bp.add_url_rule("/<int:survey_id>/indices", view_func=indices)
    bp.add_url_rule("/<int:survey_id>/indices.<fmt>", view_func=indices_download)
