"""Official answers (tiếp thu, giải trình): one answer for one comment or a group, edited, published.

Every change is written to the audit log (``core.models.record_audit``).
"""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext as _
from sqlalchemy import select
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
)
from feedback.services import FeedbackError
from feedback.services.documents import can_manage

MAX_REPLY_CHARS = 10000


def find_disposition(session: Session, disposition_id: int) -> tuple[Disposition, Document] | None:
    """The answer with this id and the document it belongs to."""
    disposition = session.get(Disposition, disposition_id)
    if disposition is None:
        return None
    return disposition, session.get(Document, disposition.document_id)


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


def answers_to_announce(session: Session, document: Document) -> list[Comment]:
    """Visible comments whose resident asked for an e-mail, whose answer is now public and not yet sent."""
    return list(session.scalars(
        select(Comment).join(Comment.version).join(Comment.disposition)
        .where(
            DocumentVersion.document_id == document.id,
            Comment.notify_by_email.is_(True),
            Comment.answer_sent_at.is_(None),
            Comment.status == CommentStatus.VISIBLE,
            Comment.resident_contact != "",
            Disposition.is_published.is_(True),
        ).order_by(Comment.id)
    ))


def mark_announced(session: Session, comments: Sequence[Comment]) -> None:
    """Record that these comments' answers were e-mailed, so that no resident gets the same one twice."""
    now = utc_now()
    for comment in comments:
        comment.answer_sent_at = now
    session.flush()
