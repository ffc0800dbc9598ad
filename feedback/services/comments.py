"""Submitting a comment: a resident without an account, or an official in the name of an organisation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core.db import utc_now
from core.links import new_short_code
from core.models import Area, AreaLevel, Role, User
from feedback.importers import clean_text
from feedback.models import (
    REFERENCE_LENGTH,
    AuthorKind,
    Comment,
    CommentStatus,
    CommentTarget,
    Document,
    DocumentSection,
    DocumentVersion,
    ModerationMode,
    Paragraph,
)
from feedback.services import CommentWindowClosed, FeedbackError

MAX_COMMENT_CHARS = 5000


@dataclass(frozen=True)
class ResidentAuthor:
    """A resident without an account; every field is optional."""

    name: str = ""
    commune: str = ""
    contact: str = ""
    notify: bool = False  # an e-mail to ``contact`` when the answer is published


@dataclass(frozen=True)
class OrganisationAuthor:
    """An official commenting in the name of their organisation, maybe for a meeting."""

    official: User
    meeting_date: date | None = None
    participants: int | None = None


def submit_comment(
    session: Session,
    version: DocumentVersion,
    target: DocumentSection | Paragraph | None,
    *,
    body: str,
    author: ResidentAuthor | OrganisationAuthor,
    client_hash: str | None = None,
    now: datetime | None = None,
) -> Comment:
    """Store a comment, pending or visible by the document's moderation mode."""
    if not version.is_open(now or utc_now()):
        raise CommentWindowClosed(_("Dự thảo này hiện không nhận góp ý."))
    body = clean_text(body)
    if not body:
        raise FeedbackError(_("Hãy nhập nội dung góp ý."))
    if len(body) > MAX_COMMENT_CHARS:
        raise FeedbackError(_("Nội dung góp ý dài quá %(n)d ký tự.", n=MAX_COMMENT_CHARS))
    comment = Comment(version=version, body=body, client_hash=client_hash, **_target_fields(target))
    if isinstance(author, OrganisationAuthor):
        _set_organisation_author(comment, author, now or utc_now())
    else:
        comment.author_kind = AuthorKind.RESIDENT
        comment.resident_name = clean_text(author.name)[:120]
        comment.resident_commune = clean_text(author.commune)[:120]
        comment.resident_contact = clean_text(author.contact)[:120]
        comment.notify_by_email = author.notify and bool(comment.resident_contact)
    duplicate = _same_comment(session, comment)
    if duplicate is not None:  # a double tap on "Gửi" must not store the comment twice
        return duplicate
    # Residents are anonymous, so pre-moderation holds them; officials answer for their entries.
    held = version.document.moderation == ModerationMode.PRE and comment.author_kind == AuthorKind.RESIDENT
    comment.status = CommentStatus.PENDING if held else CommentStatus.VISIBLE
    comment.reference = new_short_code(session, Comment.reference, REFERENCE_LENGTH)
    session.add(comment)
    session.flush()
    return comment


def _target_fields(target: DocumentSection | Paragraph | None) -> dict[str, object]:
    if isinstance(target, Paragraph):
        return {"target": CommentTarget.PARAGRAPH, "paragraph": target, "section": target.section}
    if isinstance(target, DocumentSection):
        return {"target": CommentTarget.SECTION, "section": target}
    return {"target": CommentTarget.DOCUMENT}


def _set_organisation_author(comment: Comment, author: OrganisationAuthor, now: datetime) -> None:
    official = author.official
    if official.role != Role.ORGANISATION or official.organisation is None:
        raise FeedbackError(_("Chỉ tài khoản tổ chức mới góp ý nhân danh tổ chức."))
    if author.participants is not None and author.participants < 1:
        raise FeedbackError(_("Số người dự họp phải lớn hơn 0."))
    # "Today" is the calendar date somewhere on Earth (UTC+14 at most), not UTC's: in
    # Vietnam (UTC+7) a meeting held at dawn is still dated "tomorrow" in UTC.
    if author.meeting_date and author.meeting_date > (now + timedelta(hours=14)).date():
        raise FeedbackError(_("Ngày họp không thể ở tương lai."))
    comment.author_kind = AuthorKind.ORGANISATION
    comment.organisation = official.organisation
    comment.entered_by = official
    comment.meeting_date = author.meeting_date
    comment.participants = author.participants


def _same_comment(session: Session, comment: Comment) -> Comment | None:
    if comment.client_hash is None and comment.entered_by is None:
        return None
    stmt = select(Comment).where(
        Comment.version_id == comment.version.id,
        Comment.body == comment.body,
        Comment.target == comment.target,
        Comment.paragraph_id == (comment.paragraph.id if comment.paragraph else None),
        Comment.section_id == (comment.section.id if comment.section else None),
    )
    if comment.entered_by is not None:
        stmt = stmt.where(Comment.entered_by_id == comment.entered_by.id)
    else:
        stmt = stmt.where(Comment.client_hash == comment.client_hash)
    return session.scalars(stmt.limit(1)).first()


def commune_names(session: Session, document: Document) -> list[str]:
    """The communes (as they are now) of the document's area, for the resident to choose from.

    Names repeat across districts, so a province-wide draft names the district after the commune.
    """
    area = document.area
    communes = session.scalars(
        select(Area).where(Area.level == AreaLevel.COMMUNE, Area.valid_to.is_(None),
                           Area.path.startswith(area.path, autoescape=True))
        .options(selectinload(Area.parent)).order_by(Area.name, Area.code)
    )
    with_district = area.level == AreaLevel.PROVINCE
    return [f"{c.name}, {c.parent.name}" if with_district and c.parent is not None else c.name for c in communes]


def find_by_reference(session: Session, reference: str) -> Comment | None:
    """The comment with this reference code (typed by hand: case and spaces do not matter)."""
    reference = "".join(reference.split()).lower()
    if len(reference) != REFERENCE_LENGTH:
        return None
    return session.scalar(
        select(Comment).where(Comment.reference == reference)
        .options(selectinload(Comment.disposition), selectinload(Comment.organisation))
    )
