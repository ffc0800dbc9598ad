"""The feedback blueprints and every address they answer.

``feedback_public``: what anyone reaches without an account (the short link /d/<code> printed
under the QR code, the draft, comments, the feedback loop, QR and poster). It has no URL prefix
because the short link must stay at /d/<code>. ``feedback_staff``: the signed-in staff's pages
under /feedback/manage. The rules are listed here, in one table per blueprint, so that a change
of address is seen at a glance: posters and QR codes already printed point at these URLs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint

from core.db import utc_now
from feedback.forms import CHANGE_LABELS, COMMENTER_TYPE_LABELS, DISPOSITION_LABELS
from feedback.services.synthesis import officer_name
from feedback.views import commenting, documents, following, moderation, privacy, reading, reports

Routes = list[tuple[str, Callable[..., Any], list[str]]]  # (rule, view, methods)
GET, POST, BOTH = ["GET"], ["POST"], ["GET", "POST"]
PUBLIC_ROUTES: Routes = [
    ("/d/<code>", reading.short_link, GET),
    ("/feedback/", reading.index, GET),
    ("/feedback/<code>", reading.read, GET),
    ("/feedback/<code>/<int:number>/<anchor>", commenting.comment, BOTH),
    ("/feedback/<code>/answers", reading.answers, GET),
    ("/feedback/<code>/qr.<any(png, svg):fmt>", reading.qr, GET),
    ("/feedback/<code>/poster", reading.poster, GET),
    ("/feedback/privacy", privacy.privacy, GET),
    ("/feedback/comment", following.lookup, GET),
    ("/feedback/comment/<reference>", following.follow, GET),
    ("/feedback/comment/<reference>/qr.svg", following.comment_qr, GET),
]
STAFF_ROUTES: Routes = [
    ("/manage", documents.manage, GET),
    ("/manage/new", documents.new_document, BOTH),
    ("/manage/<code>", documents.document, GET),
    ("/manage/<code>/upload", documents.upload, POST),
    ("/manage/<code>/<int:number>/window", documents.window, POST),
    ("/manage/<code>/<int:number>/publish", documents.publish, POST),
    ("/manage/<code>/audit", documents.audit, GET),
    ("/manage/<code>/comments", moderation.comments, GET),
    ("/manage/comments/<int:comment_id>/moderate", moderation.moderate, POST),
    ("/manage/comments/<int:comment_id>/hide", moderation.confirm_hide, GET),
    ("/manage/<code>/answer", moderation.answer, BOTH),
    ("/manage/dispositions/<int:disposition_id>", moderation.edit_answer, BOTH),
    ("/manage/<code>/publish-answers", moderation.publish_all_answers, POST),
    ("/manage/<code>/progress", reports.progress, GET),
    ("/manage/<code>/export.<any(docx, xlsx):fmt>", reports.export, GET),
]


def labels() -> dict[str, Any]:
    """Labels the feedback pages need (only on these blueprints' requests)."""
    return {
        "commenter_labels": COMMENTER_TYPE_LABELS,
        "disposition_labels": DISPOSITION_LABELS,
        "change_labels": CHANGE_LABELS,
        "officer_name": officer_name,
        "now": utc_now(),
    }


def _blueprint(name: str, routes: Routes, **options: Any) -> Blueprint:
    blueprint = Blueprint(name, __name__, **options)
    for rule, view, methods in routes:
        blueprint.add_url_rule(rule, view_func=view, methods=methods)
    blueprint.context_processor(labels)
    return blueprint


feedback_public = _blueprint("feedback_public", PUBLIC_ROUTES)
feedback_staff = _blueprint("feedback_staff", STAFF_ROUTES, url_prefix="/feedback")
