"""Staff page for reviewing possible duplicate responses: read in scope, decide if managing the survey."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.auth import role_required
from core.db import begin_write, get_session
from core.models import MANAGER_ROLES, STAFF_ROLES
from surveys.errors import SurveyError
from surveys.models import DuplicateReview, Survey
from surveys.services.duplicates import (
    CHANNEL_LABELS,
    NOTE_MAX_LENGTH,
    REVIEW_LABELS,
    can_decide,
    decide_duplicates,
    list_flagged,
)
from surveys.views.common import get_survey, links_in_scope

ALL = "all"
MAX_PAGE = 10**6  # a larger page number would overflow the database's OFFSET


def _filters() -> tuple[str, int]:
    """The status shown (pending by default, or "all") and the page, from the query string."""
    status = request.args.get("status", DuplicateReview.PENDING.value)
    if status != ALL and status not in set(DuplicateReview):
        status = DuplicateReview.PENDING.value
    return status, min(max(request.args.get("page", 1, type=int) or 1, 1), MAX_PAGE)


def _commune_ids(survey: Survey) -> list[int]:
    return [link.area_id for link in links_in_scope(survey)]


def _page(survey: Survey) -> str:
    status, page = _filters()
    data = list_flagged(get_session(), survey, _commune_ids(survey),
                        status=None if status == ALL else DuplicateReview(status), page=page)
    return render_template("surveys/duplicates.html", survey=survey, data=data, status=status,
                           review_labels=REVIEW_LABELS, channel_labels=CHANNEL_LABELS,
                           note_max=NOTE_MAX_LENGTH, can_decide=can_decide(current_user, survey))


@role_required(*STAFF_ROLES)
def duplicates(survey_id: int) -> Any:
    """Flagged responses beside the earlier ones they resemble, by review status."""
    return _page(get_survey(survey_id))


@role_required(*MANAGER_ROLES)
def decide_on_duplicates(survey_id: int) -> Any:
    """Keep or exclude one or several flagged responses; a refused request changes nothing."""
    session = get_session()
    begin_write(session)  # two reviewers deciding at once wait for each other on SQLite, not fail
    survey = get_survey(survey_id, manage=True)
    decision = request.form.get("decision", "")
    try:
        decided = decide_duplicates(session, survey, request.form.getlist("response"), decision,
                                    actor=current_user, commune_ids=_commune_ids(survey),
                                    note=request.form.get("note", ""))
    except SurveyError as exc:
        session.rollback()
        flash(str(exc), "error")
        return _page(survey), 400
    session.commit()
    flash(_("Đã ghi quyết định cho %(n)d phiếu: %(decision)s.", n=len(decided),
            decision=REVIEW_LABELS[DuplicateReview(decision)]), "info")
    status, page = _filters()
    return redirect(url_for("surveys_staff.duplicates", survey_id=survey.id, status=status, page=page), 303)


def add_routes(bp: Blueprint) -> None:
    """The duplicates review."""
    bp.add_url_rule("/<int:survey_id>/duplicates", view_func=duplicates)
    bp.add_url_rule("/<int:survey_id>/duplicates", view_func=decide_on_duplicates, methods=["POST"])
