"""Downloads of a survey's raw responses (CSV, XLSX with a codebook) and codebook."""

from __future__ import annotations

import tempfile
from typing import Any

from flask import Blueprint, abort, send_file
from flask_login import current_user

from core.auth import role_required
from core.db import get_session
from core.models import STAFF_ROLES, record_audit
from core.spreadsheets import write_xlsx
from surveys.exports import (
    CODEBOOK_HEADER,
    codebook_rows,
    export_header,
    iter_export_rows,
    question_codes,
)
from surveys.views.common import csv_response, get_survey, links_in_scope


def _lazy(make: Any) -> Any:
    """Create the row iterator only when streaming starts (inside the streamed context)."""
    yield from make()


@role_required(*STAFF_ROLES)
def export(survey_id: int, fmt: str) -> Any:
    """Raw responses of the communes in the user's scope, streamed as CSV or as XLSX with a codebook."""
    survey = get_survey(survey_id)
    links = links_in_scope(survey)
    header = export_header(survey)
    args = (survey.id, question_codes(survey), [link.area_id for link in links])
    if fmt not in ("csv", "xlsx"):
        abort(404)
    session = get_session()  # who took the microdata of which communes, before a byte leaves
    communes = [link.area.code for link in links]
    record_audit(session, current_user, "survey.export", survey, format=fmt, communes=communes)
    session.commit()
    if fmt == "csv":
        # The generator runs after the view returned: it opens its own session there.
        rows = _lazy(lambda: iter_export_rows(get_session(), *args))
        return csv_response(f"survey{survey.id}-responses.csv", header, rows)
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - send_file closes it
    write_xlsx([("responses", header, iter_export_rows(get_session(), *args)),
                ("codebook", CODEBOOK_HEADER, codebook_rows(survey, links))], spool)
    spool.seek(0)
    return send_file(spool, download_name=f"survey{survey.id}-responses.xlsx", as_attachment=True,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@role_required(*STAFF_ROLES)
def codebook(survey_id: int) -> Any:
    """Question codes, texts and value labels."""
    survey = get_survey(survey_id)
    rows = codebook_rows(survey, links_in_scope(survey))
    return csv_response(f"survey{survey.id}-codebook.csv", CODEBOOK_HEADER, rows)


def add_routes(bp: Blueprint) -> None:
    """Raw responses and the codebook."""
    bp.add_url_rule("/<int:survey_id>/export.<fmt>", view_func=export)
    bp.add_url_rule("/<int:survey_id>/codebook.csv", view_func=codebook)
