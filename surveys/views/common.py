"""What every staff page group uses: the survey named in the URL, the communes in the viewer's scope, files."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from flask import Response, abort, send_file, stream_with_context
from flask_login import current_user

from core.db import get_session
from core.spreadsheets import iter_csv, write_xlsx
from surveys.models import Survey, SurveyArea
from surveys.services.access import can_manage, followed_survey, visible_communes
from surveys.services.paper import ImportProblem, ImportRefused

T = TypeVar("T")


def get_survey(survey_id: int, *, manage: bool = False) -> Survey:
    """The survey if the signed-in user may follow it (404 otherwise) and manage it (403)."""
    survey = followed_survey(get_session(), current_user, survey_id)
    if survey is None:
        abort(404)
    if manage and not can_manage(current_user, survey):
        abort(403)
    return survey


def links_in_scope(survey: Survey) -> list[SurveyArea]:
    """The survey's communes the signed-in user may see (404 without any)."""
    links = visible_communes(current_user, survey)
    if not links:
        abort(404)
    return links


def try_upload(form: Any, load: Callable[[str, bytes], T]) -> tuple[T | None, list[ImportProblem]]:
    """Run ``load(filename, data)`` on a valid upload: committed and returned, or rolled back with its problems."""
    if not form.validate_on_submit():
        return None, []
    upload = form.file.data
    session = get_session()
    try:
        result = load(upload.filename or "", upload.read())
        session.commit()
    except ImportRefused as exc:
        session.rollback()
        return None, exc.problems
    return result, []


def csv_response(name: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    """Rows streamed as a CSV attachment."""
    return Response(stream_with_context(iter_csv(header, rows)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def file_to_fill(stem: str, fmt: str, sheet: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> Response:
    """A small template file (a few rows) as CSV or XLSX; any other extension is 404."""
    if fmt == "csv":
        return csv_response(f"{stem}.csv", header, rows)
    if fmt != "xlsx":
        abort(404)
    buffer = io.BytesIO()
    write_xlsx([(sheet, header, rows)], buffer)
    buffer.seek(0)
    return send_file(buffer, download_name=f"{stem}.xlsx", as_attachment=True)
