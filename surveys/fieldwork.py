"""Staff pages for fieldwork: paper forms, data entry, imports, the monitor, population margins and exports."""

from __future__ import annotations

import io
import tempfile
from typing import Any

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from core.auth import role_required
from core.db import get_session
from core.models import ENTRY_ROLES, STAFF_ROLES
from core.qr import qr_svg_inline
from core.spreadsheets import iter_csv, write_xlsx
from core.timezones import local_zone
from surveys.duplicates import CHANNEL_LABELS
from surveys.errors import AnswerErrors, SurveyUnavailable
from surveys.exports import (
    CODEBOOK_HEADER,
    codebook_rows,
    export_header,
    iter_export_rows,
    question_codes,
)
from surveys.forms import ImportForm
from surveys.margins import HEADER as MARGINS_HEADER
from surveys.margins import load_margins, margin_loads, template_rows, weighting_labels
from surveys.models import Channel
from surveys.monitor import MONITOR_HEADER, fieldwork, monitor_rows
from surveys.paper import ImportRefused, import_paper_responses, template_header
from surveys.respond.answers import options_for
from surveys.respond.store import record_response
from surveys.respond.views import link_url
from surveys.services import (
    can_manage,
    visible_communes,
)
from surveys.staff import bp, get_survey

MAX_SHEETS = 500


def _csv_response(name: str, header: Any, rows: Any) -> Response:
    return Response(stream_with_context(iter_csv(header, rows)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _file_to_fill(stem: str, fmt: str, sheet: str, header: Any, rows: Any) -> Response:
    """A small template file (a few rows) as CSV or XLSX; any other extension is 404."""
    if fmt == "csv":
        return _csv_response(f"{stem}.csv", header, rows)
    if fmt != "xlsx":
        abort(404)
    buffer = io.BytesIO()
    write_xlsx([(sheet, header, rows)], buffer)
    buffer.seek(0)
    return send_file(buffer, download_name=f"{stem}.xlsx", as_attachment=True)


def _lazy(make: Any) -> Any:
    """Create the row iterator only when streaming starts (inside the streamed context)."""
    yield from make()


def _links(survey: Any) -> list[Any]:
    links = visible_communes(current_user, survey)
    if not links:
        abort(404)
    return links


@bp.route("/<int:survey_id>/paper")
@role_required(*STAFF_ROLES)
def paper_form(survey_id: int) -> Any:
    """Printable questionnaires, one serial number per sheet: ?commune=<code>&first=1&count=20."""
    survey = get_survey(survey_id)
    links = _links(survey)
    link = next((sa for sa in links if sa.area.code == request.args.get("commune")), links[0])
    first = request.args.get("first", 1, type=int) or 1
    count = min(max(request.args.get("count", 1, type=int) or 1, 1), MAX_SHEETS)
    serials = [f"{link.area.code}-{n:05d}" for n in range(max(first, 1), max(first, 1) + count)]
    with force_locale("vi"):  # the sheets are printed for residents: Vietnamese whatever the UI language
        return render_template("surveys/paper.html", survey=survey, link=link, links=links, serials=serials,
                               version=survey.current_version, options=options_for(survey.current_version, link.area),
                               qr=qr_svg_inline(link_url(link, via="qr"), scale=3), short=link_url(link))


@bp.route("/<int:survey_id>/entry", methods=["GET", "POST"])
@role_required(*ENTRY_ROLES)
def entry(survey_id: int) -> Any:
    """Keyboard-friendly entry of one paper sheet (type each answer's code, Tab to the next)."""
    survey = get_survey(survey_id)
    session = get_session()
    links = _links(survey)
    code = request.values.get("commune") or links[0].area.code
    link = next((sa for sa in links if sa.area.code == code), None) or abort(404)
    values, errors = {}, {}
    if request.method == "POST":
        values = {k: v.split(";") if v else [] for k, v in request.form.items()}
        try:
            channel = Channel.MEETING if request.form.get("channel") == "meeting" else Channel.PAPER
            response = record_response(session, link, values, channel=channel,
                                       serial=request.form.get("serial", ""), entered_by=current_user)
            session.commit()
        except AnswerErrors as exc:
            session.rollback()
            errors = exc.errors
        except SurveyUnavailable:
            session.rollback()
            errors = {"serial": _("Phiếu đang là bản nháp, chưa nhập được.")}
        else:
            flash(_("Đã lưu phiếu số %(serial)s.", serial=response.serial), "info")
            return redirect(url_for("surveys_staff.entry", survey_id=survey.id, commune=link.area.code,
                                    channel=channel.value))
    return render_template("surveys/entry.html", survey=survey, link=link, links=links, version=survey.current_version,
                           options=options_for(survey.current_version, link.area), values=values, errors=errors), 400 if errors else 200


@bp.route("/<int:survey_id>/import", methods=["GET", "POST"])
@role_required(*ENTRY_ROLES)
def import_paper(survey_id: int) -> Any:
    """Upload a CSV/XLSX of paper responses; a bad file is refused whole with a cell-by-cell report."""
    survey = get_survey(survey_id)
    session = get_session()
    form, problems = ImportForm(), []
    if form.validate_on_submit():
        upload = form.file.data
        try:
            batch = import_paper_responses(session, survey, _links(survey), upload.filename or "", upload.read(), current_user)
            session.commit()
        except (ImportRefused, SurveyUnavailable) as exc:
            session.rollback()
            problems = getattr(exc, "problems", [])
        else:
            flash(_("Đã nhập %(n)s phiếu từ %(name)s.", n=batch.row_count, name=batch.filename), "info")
            return redirect(url_for("surveys_staff.show", survey_id=survey.id))
    return render_template("surveys/import.html", survey=survey, form=form, problems=problems), 400 if problems else 200


@bp.route("/<int:survey_id>/import-template.<fmt>")
@role_required(*STAFF_ROLES)
def import_template(survey_id: int, fmt: str) -> Any:
    """An empty import file with the right columns (and one example commune code)."""
    survey = get_survey(survey_id)
    header = template_header(survey)
    example = [["", _links(survey)[0].area.code] + [""] * (len(header) - 2)]
    return _file_to_fill(f"survey{survey.id}-import", fmt, "responses", header, example)


@bp.route("/<int:survey_id>/monitor")
@role_required(*STAFF_ROLES)
def monitor(survey_id: int) -> Any:
    """Coverage by commune and hamlet, by channel and day, sample vs population shares."""
    survey = get_survey(survey_id)
    session = get_session()
    return render_template("surveys/monitor.html", survey=survey, data=fieldwork(session, survey, _links(survey), local_zone()),
                           loads=margin_loads(session, survey), can_manage_margins=can_manage(current_user, survey),
                           channel_labels=CHANNEL_LABELS, category_labels=weighting_labels(survey))


@bp.route("/<int:survey_id>/margins", methods=["GET", "POST"])
@role_required(*STAFF_ROLES)
def margins(survey_id: int) -> Any:
    """The loaded population shares and who loaded them; managers may upload a file that replaces them."""
    survey = get_survey(survey_id)
    session = get_session()
    manage = can_manage(current_user, survey)
    if request.method == "POST" and not manage:
        abort(403)
    form, problems = ImportForm(), []
    if form.validate_on_submit():
        upload = form.file.data
        try:
            load_margins(session, survey, current_user, upload.filename or "", upload.read())
            session.commit()
        except ImportRefused as exc:
            session.rollback()
            problems = exc.problems
        else:
            flash(_("Đã nạp tỷ lệ dân số từ %(name)s.", name=upload.filename), "info")
            return redirect(url_for("surveys_staff.monitor", survey_id=survey.id))
    page = render_template("surveys/margins.html", survey=survey, form=form, problems=problems, manage=manage,
                           loads=margin_loads(session, survey), category_labels=weighting_labels(survey))
    return page, 400 if problems or form.errors else 200


@bp.route("/<int:survey_id>/margins-template.<fmt>")
@role_required(*STAFF_ROLES)
def margins_template(survey_id: int, fmt: str) -> Any:
    """A margins file to fill in: one row per category of the survey's sex and age-group questions."""
    survey = get_survey(survey_id)
    rows = template_rows(survey)
    return _file_to_fill(f"survey{survey.id}-margins", fmt, "margins", MARGINS_HEADER, rows)


@bp.route("/<int:survey_id>/monitor.csv")
@role_required(*STAFF_ROLES)
def monitor_csv(survey_id: int) -> Any:
    """The monitor's coverage table as CSV."""
    survey = get_survey(survey_id)
    data = fieldwork(get_session(), survey, _links(survey), local_zone())
    return _csv_response(f"survey{survey.id}-monitor.csv", MONITOR_HEADER, monitor_rows(data))


@bp.route("/<int:survey_id>/export.<fmt>")
@role_required(*STAFF_ROLES)
def export(survey_id: int, fmt: str) -> Any:
    """Raw responses of the communes in the user's scope, streamed as CSV or as XLSX with a codebook."""
    survey = get_survey(survey_id)
    links = _links(survey)
    header = export_header(survey)
    args = (survey.id, question_codes(survey), [link.area_id for link in links])
    if fmt == "csv":
        # The generator runs after the view returned: it opens its own session there.
        return _csv_response(f"survey{survey.id}-responses.csv", header, _lazy(lambda: iter_export_rows(get_session(), *args)))
    if fmt != "xlsx":
        abort(404)
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - send_file closes it
    write_xlsx([("responses", header, iter_export_rows(get_session(), *args)),
                ("codebook", CODEBOOK_HEADER, codebook_rows(survey, links))], spool)
    spool.seek(0)
    return send_file(spool, download_name=f"survey{survey.id}-responses.xlsx", as_attachment=True,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.route("/<int:survey_id>/codebook.csv")
@role_required(*STAFF_ROLES)
def codebook(survey_id: int) -> Any:
    """Question codes, texts and value labels."""
    survey = get_survey(survey_id)
    return _csv_response(f"survey{survey.id}-codebook.csv", CODEBOOK_HEADER, codebook_rows(survey, _links(survey)))


