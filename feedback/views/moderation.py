"""Staff pages for comments: the list with moderation actions, official answers and their publication."""

from __future__ import annotations

import smtplib
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from core.auth import role_required
from core.db import get_session, parse_id
from core.links import public_url
from core.models import MANAGER_ROLES, User
from feedback.forms import (
    COMMENT_FILTER_LABELS,
    HIDDEN_REASON_LABELS,
    STATUS_LABELS,
    DispositionForm,
    ModerationForm,
)
from feedback.mail import answer_message, send_messages
from feedback.models import DispositionKind, Document, HiddenReason
from feedback.services import FeedbackError
from feedback.services.answers import (
    answer_comments,
    answers_to_announce,
    comments_of,
    find_disposition,
    mark_announced,
    publish_answers,
    responsible_officers,
    update_disposition,
)
from feedback.services.moderation import find_comment, list_comments, moderate_comment
from feedback.views.access import check_managed, managed_document

PAGE_SIZE = 100  # comments per moderation page


@role_required(*MANAGER_ROLES)
def comments(code: str) -> Any:
    """All comments, filterable (unanswered, answered, by status), with moderation and answer actions."""
    document = managed_document(code)
    status = request.args.get("status", "")
    page = max(request.args.get("page", 1, type=int), 1)
    listed = list_comments(get_session(), document, status=status, page=page, page_size=PAGE_SIZE)
    if page > 1 and not listed.comments:
        abort(404)  # past the last page
    return render_template(
        "feedback/comments.html", document=document, comments=listed.comments, page=listed.page,
        has_next=listed.has_next, status=status, status_labels=STATUS_LABELS, reason_labels=HIDDEN_REASON_LABELS,
        filter_labels=COMMENT_FILTER_LABELS,
    )


@role_required(*MANAGER_ROLES)
def moderate(comment_id: int) -> Any:
    """Approve, hide (with a reason) or unhide a comment; recorded in the audit log."""
    session = get_session()
    comment = find_comment(session, comment_id) or abort(404)
    document = check_managed(comment.version.document)
    form = ModerationForm()
    if form.validate_on_submit() and form.action.data in ("approve", "hide", "unhide", "anonymise"):
        try:
            moderate_comment(
                session, comment, form.action.data, actor=current_user,
                reason=HiddenReason(form.reason.data) if form.reason.data else None, note=form.note.data or "",
            )
        except FeedbackError as exc:
            flash(str(exc), "error")
            if form.action.data == "hide":  # back to the reasons, not to the list
                return redirect(url_for("feedback_staff.confirm_hide", comment_id=comment.id,
                                        status=request.args.get("status", "")))
        else:
            session.commit()
            flash(_("Đã cập nhật góp ý số %(id)d.", id=comment.id), "info")
    return redirect(url_for("feedback_staff.comments", code=document.code, status=request.args.get("status", "")))


@role_required(*MANAGER_ROLES)
def confirm_hide(comment_id: int) -> Any:
    """The step before hiding (or anonymising) a comment: the comment, a reason to choose, a button to confirm."""
    comment = find_comment(get_session(), comment_id) or abort(404)
    document = check_managed(comment.version.document)
    return render_template(
        "feedback/hide.html", document=document, c=comment, reason_labels=HIDDEN_REASON_LABELS,
        status=request.args.get("status", ""),
    )


def _announce_answers(document: Document) -> None:
    """E-mail the residents who asked for it once their answer is public (only when SMTP is configured).

    After the answer's own commit: a mail server that is down must not lose the answer; the
    unsent notices stay pending and go with the next publication.
    """
    config = current_app.config
    session = get_session()
    comments = answers_to_announce(session, document) if config["MAIL_SERVER"] else []
    if not comments:
        return
    messages = [answer_message(c, public_url("feedback_public.follow", reference=c.reference),
                               sender=config["MAIL_DEFAULT_SENDER"]) for c in comments]
    try:
        send_messages(messages, host=config["MAIL_SERVER"], port=config["MAIL_PORT"])
    except (OSError, smtplib.SMTPException) as exc:
        current_app.logger.warning("answer e-mails for %s not sent: %s", document.code, exc)
        flash(_("Chưa gửi được thư báo cho người góp ý; hệ thống sẽ gửi lại ở lần công khai sau."), "error")
        return
    mark_announced(session, comments)
    session.commit()


def _officer_choices(form: DispositionForm, document: Document) -> list[User]:
    """Offer the officers responsible for the document (the signed-in manager by default)."""
    officers = responsible_officers(get_session(), document)
    form.officer_id.choices = [SelectChoice(u.id, u.full_name or u.email) for u in officers]
    if form.officer_id.data is None and current_user.role in MANAGER_ROLES:
        form.officer_id.data = current_user.id
    return officers


def _chosen_officer(form: DispositionForm, officers: list[User]) -> User:
    """The officer the valid form names (the form accepts only one of ``officers``)."""
    return next(u for u in officers if u.id == form.officer_id.data)


@role_required(*MANAGER_ROLES)
def answer(code: str) -> Any:
    """Answer the ticked comments with one disposition (a group when several)."""
    document = managed_document(code)
    session = get_session()
    ids = [i for i in map(parse_id, request.values.getlist("comment")) if i is not None]
    chosen = comments_of(session, document, ids)
    form = DispositionForm()
    officers = _officer_choices(form, document)
    if form.validate_on_submit():
        try:
            answer_comments(
                session, document, chosen, kind=DispositionKind(form.kind.data), reply=form.reply.data,
                officer=_chosen_officer(form, officers), actor=current_user, publish=form.publish.data,
            )
        except FeedbackError as exc:
            form.reply.errors.append(str(exc))
        else:
            session.commit()
            flash(_("Đã ghi ý kiến tiếp thu, giải trình cho %(n)d góp ý.", n=len(chosen)), "info")
            _announce_answers(document)
            return redirect(url_for("feedback_staff.comments", code=code))
    return render_template("feedback/answer.html", document=document, form=form, chosen=chosen, disposition=None)


@role_required(*MANAGER_ROLES)
def edit_answer(disposition_id: int) -> Any:
    """Change an answer (kind, text, officer, published)."""
    session = get_session()
    disposition, document = find_disposition(session, disposition_id) or abort(404)
    check_managed(document)
    form = DispositionForm(obj=disposition if request.method == "GET" else None)
    if request.method == "GET":
        form.kind.data, form.publish.data = disposition.kind.value, disposition.is_published
    officers = _officer_choices(form, document)
    if form.validate_on_submit():
        try:
            update_disposition(
                session, disposition, kind=DispositionKind(form.kind.data), reply=form.reply.data,
                officer=_chosen_officer(form, officers), actor=current_user, publish=form.publish.data,
            )
        except FeedbackError as exc:
            form.reply.errors.append(str(exc))
        else:
            session.commit()
            flash(_("Đã cập nhật ý kiến tiếp thu, giải trình."), "info")
            _announce_answers(document)
            return redirect(url_for("feedback_staff.comments", code=document.code))
    return render_template(
        "feedback/answer.html", document=document, form=form, chosen=disposition.comments, disposition=disposition
    )


@role_required(*MANAGER_ROLES)
def publish_all_answers(code: str) -> Any:
    """Publish every answer on the public feedback-loop page."""
    document = managed_document(code)
    session = get_session()
    count = publish_answers(session, document, actor=current_user)
    session.commit()
    flash(_("Đã công khai %(n)d ý kiến tiếp thu, giải trình.", n=count), "info")
    _announce_answers(document)
    return redirect(url_for("feedback_staff.document", code=code))
