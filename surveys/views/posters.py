"""Posters with the commune's QR code and short link, one page or every commune in a ZIP."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import force_locale
from flask_login import current_user

from core.auth import role_required
from core.models import STAFF_ROLES
from core.qr import qr_png, qr_svg, qr_svg_inline
from surveys.models import Survey
from surveys.respond.views import link_url
from surveys.services.access import visible_communes
from surveys.views.common import get_survey


def _link(survey: Survey, code: str) -> Any:
    link = next((sa for sa in visible_communes(current_user, survey) if sa.code == code), None)
    if link is None:
        abort(404)
    return link


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


@role_required(*STAFF_ROLES)
def posters_zip(survey_id: int) -> Any:
    """Every visible commune's poster (HTML with print CSS) and QR codes (PNG, SVG) in one ZIP.

    ``?district=<code>`` keeps one district's communes (the survey page offers it only where districts exist).
    """
    survey = get_survey(survey_id)
    district = request.args.get("district")
    links = [sa for sa in visible_communes(current_user, survey)
             if not district or (sa.area.district is not None and sa.area.district.code == district)]
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


def add_routes(bp: Blueprint) -> None:
    """One poster, or all of them zipped."""
    bp.add_url_rule("/<int:survey_id>/poster/<code>", view_func=poster)
    bp.add_url_rule("/<int:survey_id>/posters.zip", view_func=posters_zip)
