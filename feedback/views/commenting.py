"""The public comment page: one paragraph, section or the whole draft, its comments and the comment form."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.db import begin_write, get_session, utc_now
from core.extensions import client_fingerprint, limiter
from core.models import Role
from feedback.forms import OrganisationCommentForm, ResidentCommentForm
from feedback.models import Comment, CommentStatus, Document, DocumentVersion
from feedback.services import CommentWindowClosed, FeedbackError
from feedback.services.comments import (
    OrganisationAuthor,
    ResidentAuthor,
    commune_names,
    submit_comment,
)
from feedback.services.reading import comments_on, resolve_target
from feedback.views.access import load_document, readable_version


def comment_rate_limit() -> str:
    """Configurable so an event with many residents on one network can raise it."""
    return current_app.config["FEEDBACK_COMMENT_RATE_LIMIT"]


def _signed_in() -> bool:
    """Accounts answer for what they enter (an official types up a whole meeting): no rate limit."""
    return bool(current_user.is_authenticated)


def comment_context(code: str, number: int, anchor: str) -> dict[str, Any]:
    """The document, version, target and visible comments of a comment page, or 404."""
    document = load_document(code)
    version = readable_version(document, number)
    try:
        target = resolve_target(get_session(), version, anchor)
    except LookupError:
        abort(404)
    return {"document": document, "version": version, "target": target, "anchor": anchor,
            "comments": comments_on(get_session(), version, anchor)}


def _resident_form(document: Document) -> ResidentCommentForm:
    form = ResidentCommentForm()
    form.set_communes(commune_names(get_session(), document))
    return form


def _rate_limited(_limit: Any) -> Any:
    """Too many comments from this connection: show the form again with the text kept."""
    context = comment_context(**(request.view_args or {}))
    form = _resident_form(context["document"])
    form.body.errors = [_("Có quá nhiều góp ý gửi từ cùng một kết nối. Nội dung của bạn vẫn còn dưới đây; "
                          "vui lòng đợi một phút rồi bấm Gửi góp ý lần nữa.")]
    page = render_template("feedback/comment.html", form=form, as_org=False, **context)
    return current_app.make_response((page, 429))


@limiter.limit(comment_rate_limit, methods=["POST"], exempt_when=_signed_in, on_breach=_rate_limited)
def comment(code: str, number: int, anchor: str) -> Any:
    """One paragraph, section or the whole draft: its comments and the comment form."""
    context = comment_context(code, number, anchor)
    version = context["version"]
    if not version.is_open(utc_now()):
        return render_template("feedback/closed.html", **context), 403 if request.method == "POST" else 200
    as_org = current_user.is_authenticated and current_user.role == Role.ORGANISATION
    form = OrganisationCommentForm() if as_org else _resident_form(context["document"])
    if form.validate_on_submit():
        if not as_org and form.website.data:  # honeypot: a bot filled the hidden field
            flash(_("Cảm ơn bạn đã góp ý."), "info")
            return redirect(url_for("feedback_public.read", code=code, v=number))
        saved = _save_comment(version, context["target"], form, as_org)
        if saved is not None:  # the resident lands on their comment's page, the confirmation on top
            _flash_saved(saved)
            return redirect(url_for("feedback_public.follow", reference=saved.reference))
    return render_template("feedback/comment.html", form=form, as_org=as_org, **context)


def _save_comment(version: DocumentVersion, target: Any, form: Any, as_org: bool) -> Comment | None:
    session = get_session()
    begin_write(session)  # many residents at one meeting press "Gửi" at the same moment
    if as_org:
        author: Any = OrganisationAuthor(current_user, form.meeting_date.data, form.participants.data)
    else:
        notify = bool(form.notify.data and current_app.config["MAIL_SERVER"])
        author = ResidentAuthor(form.name.data or "", form.commune.data or "", form.contact.data or "", notify)
    try:
        saved = submit_comment(
            session, version, target, body=form.body.data, author=author,
            client_hash=None if as_org else client_fingerprint(),
        )
    except CommentWindowClosed:
        abort(403)
    except FeedbackError as exc:
        form.body.errors.append(str(exc))
        return None
    session.commit()
    return saved


def _flash_saved(saved: Comment) -> None:
    if saved.status == CommentStatus.PENDING:
        flash(_("Cảm ơn bạn đã góp ý. Ý kiến sẽ hiển thị sau khi được kiểm duyệt. Mã góp ý của bạn: %(ref)s",
                ref=saved.reference), "info")
    else:
        flash(_("Cảm ơn bạn đã góp ý. Ý kiến của bạn đã được ghi nhận. Mã góp ý của bạn: %(ref)s",
                ref=saved.reference), "info")
