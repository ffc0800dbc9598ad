"""Staff pages for the weighted satisfaction indices of a survey (table, chart, downloads)."""

from __future__ import annotations

import io
from typing import Any

import pandas as pd
from flask import (
    Blueprint,
    Response,
    abort,
    render_template,
    request,
    send_file,
)
from flask_babel import gettext as _
from flask_login import current_user

import analysis
from core.auth import role_required
from core.db import get_session
from core.models import STAFF_ROLES
from surveys.services.access import visible_communes
from surveys.services.indices import (
    DESIGNS,
    IndicesUnavailable,
    composite_bars,
    compute_survey_indices,
    rating_data,
    weightings_for,
)
from surveys.views.common import get_survey


def _choice(name: str, allowed: tuple[str, ...]) -> str:
    value = request.args.get(name, allowed[0])
    return value if value in allowed else allowed[0]


def _indices(survey_id: int) -> tuple[Any, pd.DataFrame | None, str | None, dict[str, str]]:
    survey = get_survey(survey_id)
    links = visible_communes(current_user, survey)
    if not links:
        abort(404)
    names = {link.area.code: link.area.name for link in links}
    names |= {link.area.parent.code: link.area.parent.name for link in links if link.area.parent}
    names["ALL"] = _("Toàn bộ địa bàn")
    # A viewer who sees only some communes of a district (an organisation, a commune) gets that
    # district's and the whole area's figures from those communes alone: say so in their names.
    seen = {link.area_id for link in links}
    unseen = [link.area for link in survey.areas if link.area_id not in seen]
    for district in {area.parent.code for area in unseen if area.parent} & names.keys():
        names[district] = _("%(district)s (chỉ các xã bạn được xem)", district=names[district])
    if unseen:
        names["ALL"] = _("Các xã bạn được xem")
    data = rating_data(get_session(), survey, links)
    try:
        table = compute_survey_indices(data, design=_choice("design", DESIGNS), weighting=_choice("weighting", weightings_for(survey)))
    except IndicesUnavailable as exc:
        return survey, None, str(exc), names
    return survey, table, None, names


@role_required(*STAFF_ROLES)
def indices(survey_id: int) -> Any:
    """Share satisfied and mean score per commune, district and overall, with 95% intervals."""
    survey, table, problem, names = _indices(survey_id)
    context: dict[str, Any] = {"survey": survey, "problem": problem, "names": names,
                               "design": _choice("design", DESIGNS), "weighting": _choice("weighting", weightings_for(survey)),
                               "weightings": weightings_for(survey)}
    if table is not None:
        composite = table[table["item"] == "composite_equal"]
        overall = table[(table["level"] == "overall") & (table["item"] != "composite_equal")]
        context |= {
            "bars": composite_bars(table, names),
            "areas": composite.pivot_table(index=["level", "area"], columns="measure", values="estimate", sort=False),
            "composite": composite.set_index(["level", "area", "measure"]),
            "items": overall.set_index(["item", "measure"]),
            "item_codes": list(dict.fromkeys(overall["item"])),
            "labels": {q.code: q.text for q in survey.current_version.questions},
        }
    return render_template("surveys/indices.html", **context)


@role_required(*STAFF_ROLES)
def indices_download(survey_id: int, fmt: str) -> Any:
    """The whole long table (every item and measure) as CSV or XLSX."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    survey, table, problem, _names = _indices(survey_id)
    if table is None:
        return Response(problem or "", status=409, mimetype="text/plain")  # Flask adds the charset
    if fmt == "csv":
        text = io.StringIO()
        analysis.write_table(table, text, "csv")
        buffer = io.BytesIO(("\ufeff" + text.getvalue()).encode())  # BOM: Excel reads UTF-8
    else:
        buffer = io.BytesIO()
        analysis.write_table(table, buffer, "xlsx")
        buffer.seek(0)
    return send_file(buffer, download_name=f"survey{survey.id}-indices.{fmt}", as_attachment=True)


def add_routes(bp: Blueprint) -> None:
    """The indices page and its downloads."""
    bp.add_url_rule("/<int:survey_id>/indices", view_func=indices)
    bp.add_url_rule("/<int:survey_id>/indices.<fmt>", view_func=indices_download)
