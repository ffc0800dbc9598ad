"""Draft documents: who may see and manage them, finding, listing and creating them, their audit trail."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core.db import utc_now
from core.links import new_short_code
from core.models import Area, AuditEntry, Role, User, record_audit
from feedback.importers import clean_text
from feedback.models import Document, DocumentVersion, ModerationMode, VersionStatus
from feedback.services import FeedbackError


def can_manage(user: User, document: Document) -> bool:
    """Admins, and steering officers whose area contains the document's area."""
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.OFFICER and user.can_see(document.area)


def can_report(user: User, document: Document) -> bool:
    """Managers plus analysts may read progress and export the synthesis table."""
    return can_manage(user, document) or user.role == Role.ANALYST


def may_see(actor: User | None, document: Document) -> bool:
    """Anyone once a version has been published; before that only the officers who manage it."""
    if any(v.status != VersionStatus.DRAFT for v in document.versions):
        return True
    return actor is not None and can_manage(actor, document)


def may_read(actor: User | None, version: DocumentVersion) -> bool:
    """Published and frozen versions are public; drafts only for the officers who manage them."""
    if version.status != VersionStatus.DRAFT:
        return True
    return actor is not None and can_manage(actor, version.document)


def find_document(session: Session, code: str) -> Document | None:
    """The document with this code (the code of its link and QR)."""
    return session.scalar(select(Document).where(Document.code == code))


def find_version(document: Document, number: int | None) -> DocumentVersion | None:
    """The numbered version, or the published one when no number is given."""
    if number is None:
        return document.current_version
    return next((v for v in document.versions if v.number == number), None)


def all_documents(session: Session) -> list[Document]:
    """Every document, oldest first (for the command line)."""
    return list(session.scalars(select(Document).order_by(Document.id)))


def documents_for(session: Session, user: User) -> list[Document]:
    """Documents the user may manage or report on, newest first."""
    stmt = select(Document).join(Document.area).order_by(Document.created_at.desc(), Document.id.desc())
    if user.role not in (Role.ADMIN, Role.ANALYST):
        if user.role != Role.OFFICER or user.area is None:
            return []
        stmt = stmt.where(Area.path.startswith(user.area.path, autoescape=True))
    return list(session.scalars(stmt))


def open_documents(session: Session, now: datetime | None = None) -> list[tuple[Document, DocumentVersion]]:
    """Published versions accepting comments now, for the home page."""
    now = now or utc_now()
    stmt = (
        select(DocumentVersion)
        .where(DocumentVersion.status == VersionStatus.PUBLISHED)
        .order_by(DocumentVersion.published_at.desc())
        .options(selectinload(DocumentVersion.document))
    )
    return [(v.document, v) for v in session.scalars(stmt) if v.is_open(now)]


def create_document(
    session: Session, *, title: str, area: Area, moderation: ModerationMode, actor: User
) -> Document:
    """A new document with a short, unguessable code for its link and QR."""
    title = clean_text(title).replace("\n", " ")
    if not title:
        raise FeedbackError(_("Hãy nhập tên dự thảo."))
    if not actor.can_see(area):
        raise FeedbackError(_("Địa bàn này nằm ngoài phạm vi của bạn."))
    code = new_short_code(session, Document.code, 7)
    document = Document(code=code, title=title, area=area, moderation=moderation, created_by_id=actor.id)
    session.add(document)
    session.flush()
    record_audit(session, actor, "feedback.document.create", document, document=code, title=title)
    return document


def audit_trail(session: Session, document: Document) -> list[AuditEntry]:
    """Everything done to the document (uploads, publication, moderation, answers), newest first."""
    return list(session.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.action.startswith("feedback."),
            AuditEntry.details["document"].as_string() == document.code,
        )
        .order_by(AuditEntry.created_at.desc())
    ))
