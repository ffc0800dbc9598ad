"""Moderation and retention: the staff comment list, approve/hide/unhide, erasing residents' contacts.

Every action is written to the audit log (``core.models.record_audit``); nothing is deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, selectinload

from core.db import MAX_ID, utc_now
from core.models import User, record_audit
from feedback.importers import clean_text
from feedback.models import (
    AuthorKind,
    Comment,
    CommentStatus,
    Document,
    DocumentVersion,
    HiddenReason,
)
from feedback.services import FeedbackError
from feedback.services.synthesis import COMMENT_LOADS


@dataclass(frozen=True)
class CommentPage:
    """One page of the staff comment list."""

    comments: list[Comment]
    page: int
    has_next: bool


# The list's filters beyond the statuses: whether a comment still waits for its answer.
ANSWER_FILTERS = ("unanswered", "answered")


def list_comments(
    session: Session, document: Document, *, status: str = "", page: int = 1, page_size: int
) -> CommentPage:
    """All comments of the document (newest version first), or one filter of them, one page at a time.

    ``status`` is a comment status (pending, visible, hidden) or "unanswered" (not hidden, no answer
    yet: the officer's to-do list) or "answered".
    """
    stmt = (
        select(Comment).join(Comment.version)
        .where(DocumentVersion.document_id == document.id)
        .order_by(DocumentVersion.number.desc(), Comment.id)
        .options(*COMMENT_LOADS, selectinload(Comment.entered_by))
    )
    if status in {s.value for s in CommentStatus}:
        stmt = stmt.where(Comment.status == CommentStatus(status))
    elif status == "unanswered":
        stmt = stmt.where(Comment.status != CommentStatus.HIDDEN, Comment.disposition_id.is_(None))
    elif status == "answered":
        stmt = stmt.where(Comment.disposition_id.is_not(None))
    page = min(page, MAX_ID // page_size)  # a larger offset overflows the database's integers
    rows = list(session.scalars(stmt.limit(page_size + 1).offset((page - 1) * page_size)))
    return CommentPage(rows[:page_size], page, has_next=len(rows) > page_size)


def find_comment(session: Session, comment_id: int) -> Comment | None:
    """The comment with this id, whatever its document."""
    return session.get(Comment, comment_id)


def moderate_comment(
    session: Session, comment: Comment, action: str, *, actor: User,
    reason: HiddenReason | None = None, note: str = "",
) -> None:
    """approve (pending → visible), hide (with a reason), unhide or anonymise; never deletes.

    anonymise answers a resident's request (by reference code) to take their name, commune and
    contact off a comment that stays public.
    """
    before = comment.status
    if action == "anonymise" and comment.author_kind == AuthorKind.RESIDENT and _names_someone(comment):
        comment.resident_name, comment.resident_commune, comment.resident_contact = "", "", ""
    elif action == "approve" and before == CommentStatus.PENDING:
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


def _names_someone(comment: Comment) -> bool:
    return bool(comment.resident_name or comment.resident_commune or comment.resident_contact)
def purge_client_hashes(session: Session, *, created_before: datetime) -> int:
    """Forget the client hashes of comments made before ``created_before`` (retention); return how many.

    The hash only spots a resident sending the same comment twice within minutes; contacts,
    kept while a version takes comments, are ``forget_contacts``'s concern.
    """
    result = session.execute(
        update(Comment).where(Comment.client_hash.is_not(None), Comment.created_at < created_before)
        .values(client_hash=None)
    )
    session.flush()
    return result.rowcount or 0


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
