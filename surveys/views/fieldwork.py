"""Staff pages for paper fieldwork: printable sheets, typing a sheet in, importing a file of sheets."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from core.auth import role_required
from core.db import get_session
from core.models import ENTRY_ROLES, STAFF_ROLES
from core.qr import qr_svg_inline
from surveys.errors import AnswerErrors, SurveyUnavailable
from surveys.forms import ImportForm
from surveys.models import Channel
from surveys.respond.answers import options_for
from surveys.respond.store import record_response
from surveys.respond.views import link_url
from surveys.services.paper import ImportRefused, import_paper_responses, template_header
from surveys.views.common import file_to_fill, get_survey, links_in_scope

MAX_SHEETS = 500


@role_required(*STAFF_ROLES)
def paper_form(survey_id: int) -> Any:
    """Printable questionnaires, one serial number per sheet: ?commune=<code>&first=1&count=20."""
    survey = get_survey(survey_id)
    links = links_in_scope(survey)
    link = next((sa for sa in links if sa.area.code == request.args.get("commune")), links[0])
    first = request.args.get("first", 1, type=int) or 1
    count = min(max(request.args.get("count", 1, type=int) or 1, 1), MAX_SHEETS)
    serials = [f"{link.area.code}-{n:05d}" for n in range(max(first, 1), max(first, 1) + count)]
    with force_locale("vi"):  # the sheets are printed for residents: Vietnamese whatever the UI language
        return render_template("surveys/paper.html", survey=survey, link=link, links=links, serials=serials,
                               version=survey.current_version, options=options_for(survey.current_version, link.area),
                               qr=qr_svg_inline(link_url(link, via="qr"), scale=3), short=link_url(link))


@role_required(*ENTRY_ROLES)
def entry(survey_id: int) -> Any:
    """Keyboard-friendly entry of one paper sheet (type each answer's code, Tab to the next)."""
    survey = get_survey(survey_id)
    session = get_session()
    links = links_in_scope(survey)
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
                           options=options_for(survey.current_version, link.area), values=values,
                           errors=errors), 400 if errors else 200


@role_required(*ENTRY_ROLES)
def import_paper(survey_id: int) -> Any:
    """Upload a CSV/XLSX of paper responses; a bad file is refused whole with a cell-by-cell report."""
    survey = get_survey(survey_id)
    session = get_session()
    form, problems = ImportForm(), []
    if form.validate_on_submit():
        upload = form.file.data
        try:
            batch = import_paper_responses(session, survey, links_in_scope(survey), upload.filename or "",
                                           upload.read(), current_user)
            session.commit()
        except (ImportRefused, SurveyUnavailable) as exc:
            session.rollback()
            problems = getattr(exc, "problems", [])
        else:
            flash(_("Đã nhập %(n)s phiếu từ %(name)s.", n=batch.row_count, name=batch.filename), "info")
            return redirect(url_for("surveys_staff.show", survey_id=survey.id))
    return render_template("surveys/import.html", survey=survey, form=form, problems=problems), 400 if problems else 200


@role_required(*STAFF_ROLES)
def import_template(survey_id: int, fmt: str) -> Any:
    """An empty import file with the right columns (and one example commune code)."""
    survey = get_survey(survey_id)
    header = template_header(survey)
    example = [["", links_in_scope(survey)[0].area.code] + [""] * (len(header) - 2)]
    return file_to_fill(f"survey{survey.id}-import", fmt, "responses", header, example)


def add_routes(bp: Blueprint) -> None:
    """Paper sheets, entry and import."""
    bp.add_url_rule("/<int:survey_id>/paper", view_func=paper_form)
    bp.add_url_rule("/<int:survey_id>/entry", view_func=entry, methods=["GET", "POST"])
    bp.add_url_rule("/<int:survey_id>/import", view_func=import_paper, methods=["GET", "POST"])
    bp.add_url_rule("/<int:survey_id>/import-template.<fmt>", view_func=import_template)
