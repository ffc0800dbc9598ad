"""Moderation, official answers and retention: hide/unhide, dispositions, publication, erasure.

Every action is written to the audit log (``core.models.record_audit``); nothing is deleted.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core.db import utc_now
from core.models import MANAGER_ROLES, User, record_audit
from feedback.importers import clean_text
from feedback.models import (
    Comment,
    CommentStatus,
    Disposition,
    DispositionKind,
    Document,
    DocumentVersion,
    HiddenReason,
)
from feedback.services import MAX_REPLY_CHARS, FeedbackError, can_manage


def moderate_comment(
    session: Session, comment: Comment, action: str, *, actor: User,
    reason: HiddenReason | None = None, note: str = "",
) -> None:
    """approve (pending → visible), hide (with a reason) or unhide; never deletes."""
    before = comment.status
    if action == "approve" and before == CommentStatus.PENDING:
        comment.status = CommentStatus.VISIBLE
    elif action == "hide" and before != CommentStatus.HIDDEN:
        if reason is None:
            raise FeedbackError(_("Hãy chọn lý do ẩn góp ý."))
        comment.status, comment.hidden_reason = CommentStatus.HIDDEN, reason
    elif action == "unhide" and before == CommentStatus.HIDDEN:
        comment.status, comment.hidden_reason = CommentStatus.VISIBLE, None
    else:
        raise FeedbackError(_("Thao tác này không áp dụng cho góp ý ở trạng thái hiện tại."))
    session.flush()
    record_audit(
        session, actor, f"feedback.comment.{action}", comment, document=comment.version.document.code,
        reason=clean_text(note)[:1000] or (reason.value if reason else ""),
        hidden_reason=reason.value if reason else None, before=before.value, after=comment.status.value,
    )


def comments_of(session: Session, document: Document, ids: Sequence[int]) -> list[Comment]:
    """The comments with these ids that belong to the document (ids are guessable: never trust them)."""
    return list(session.scalars(
        select(Comment).join(Comment.version)
        .where(Comment.id.in_(ids), DocumentVersion.document_id == document.id).order_by(Comment.id)
    ))


def answer_comments(
    session: Session, document: Document, comments: Sequence[Comment], *, kind: DispositionKind,
    reply: str, officer: User, actor: User, publish: bool = False,
) -> Disposition:
    """One disposition answering one comment or a group of comments together."""
    if not comments:
        raise FeedbackError(_("Hãy chọn ít nhất một góp ý để trả lời."))
    for comment in comments:
        if comment.version.document_id != document.id:
            raise FeedbackError(_("Góp ý không thuộc dự thảo này."))
        if comment.status == CommentStatus.HIDDEN:
            raise FeedbackError(_("Không trả lời góp ý đã bị ẩn."))
        if comment.disposition_id is not None:
            raise FeedbackError(_("Góp ý số %(id)d đã có ý kiến tiếp thu, giải trình.", id=comment.id))
    disposition = Disposition(document_id=document.id, kind=kind, officer=officer, is_published=publish)
    _set_reply(disposition, reply, officer)
    disposition.comments = list(comments)
    session.add(disposition)
    session.flush()
    record_audit(
        session, actor, "feedback.disposition.create", disposition, document=document.code,
        kind=kind.value, comments=[c.id for c in comments], officer=officer.id, published=publish,
    )
    return disposition


def _set_reply(disposition: Disposition, reply: str, officer: User) -> None:
    reply = clean_text(reply)
    if not reply:
        raise FeedbackError(_("Hãy nhập nội dung tiếp thu, giải trình."))
    if len(reply) > MAX_REPLY_CHARS:
        raise FeedbackError(_("Nội dung trả lời dài quá %(n)d ký tự.", n=MAX_REPLY_CHARS))
    if officer.role not in MANAGER_ROLES or not officer.is_active:
        raise FeedbackError(_("Cán bộ chịu trách nhiệm phải là cán bộ Ban Chỉ đạo đang hoạt động."))
    disposition.reply, disposition.officer = reply, officer


def update_disposition(
    session: Session, disposition: Disposition, *, kind: DispositionKind, reply: str, officer: User,
    actor: User, publish: bool,
) -> None:
    """Change an answer; the audit log keeps the earlier kind and text."""
    before = {"kind": disposition.kind.value, "reply": disposition.reply, "officer": disposition.officer_id}
    disposition.kind, disposition.is_published = kind, publish
    _set_reply(disposition, reply, officer)
    session.flush()
    record_audit(
        session, actor, "feedback.disposition.update", disposition,
        document=disposition.comments[0].version.document.code if disposition.comments else None,
        before=before, kind=kind.value, officer=officer.id, published=publish,
    )


def publish_answers(session: Session, document: Document, *, actor: User) -> int:
    """Publish every answer of the document on its feedback-loop page; returns how many changed."""
    drafts = list(session.scalars(
        select(Disposition).where(Disposition.document_id == document.id, Disposition.is_published.is_(False))
    ))
    for disposition in drafts:
        disposition.is_published = True
    session.flush()
    record_audit(
        session, actor, "feedback.disposition.publish_all", document, document=document.code, count=len(drafts)
    )
    return len(drafts)


def responsible_officers(session: Session, document: Document) -> list[User]:
    """Active admins and officers whose scope covers the document, for the answer form."""
    users = session.scalars(
        select(User).where(User.is_active.is_(True), User.role.in_(MANAGER_ROLES))
        .order_by(User.full_name, User.email)
    )
    return [u for u in users if can_manage(u, document)]


def forget_contacts(session: Session, *, created_before: datetime, now: datetime | None = None) -> int:
    """Erase residents' contact details and client hashes once they have served their purpose.

    Decree 13/2023 limits personal data to its purpose: contacts are kept only to clarify
    comments while a version takes them. This clears them on comments made before
    ``created_before`` on versions that no longer accept comments; names and communes stay,
    since they appear in the published synthesis table. Returns how many comments changed.
    """
    now = now or utc_now()
    stmt = select(Comment).where(
        Comment.created_at < created_before,
        or_(Comment.resident_contact != "", Comment.client_hash.is_not(None)),
    )
    changed: dict[str, int] = {}
    for comment in session.scalars(stmt):
        if comment.version.is_open(now):
            continue
        comment.resident_contact, comment.client_hash = "", None
        document = comment.version.document
        changed[document.code] = changed.get(document.code, 0) + 1
    session.flush()
    for code, count in changed.items():
        document = session.scalar(select(Document).where(Document.code == code))
        record_audit(session, None, "feedback.comment.forget_contacts", document, document=code, count=count)
    return sum(changed.values())
