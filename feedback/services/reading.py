"""The public text of a version and its visible comments: what the reading and comment pages show."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from feedback.models import (
    Comment,
    CommentStatus,
    CommentTarget,
    Document,
    DocumentSection,
    DocumentVersion,
    Paragraph,
    VersionStatus,
)
from feedback.services.synthesis import COMMENT_LOADS


def resolve_target(
    session: Session, version: DocumentVersion, anchor: str
) -> DocumentSection | Paragraph | None:
    """"document" → None; "s2" → that section; "s2-p3" → that paragraph; else LookupError."""
    if anchor == "document":
        return None
    model = Paragraph if "-p" in anchor else DocumentSection
    found = session.scalar(select(model).where(model.version_id == version.id, model.anchor == anchor))
    if found is None:
        raise LookupError(anchor)
    return found


def load_text(session: Session, version: DocumentVersion) -> list[DocumentSection]:
    """The sections with their paragraphs in two queries, not one per section."""
    return list(session.scalars(
        select(DocumentSection).where(DocumentSection.version_id == version.id)
        .order_by(DocumentSection.position).options(selectinload(DocumentSection.paragraphs))
    ))


def visible_counts(session: Session, version: DocumentVersion) -> dict[str, int]:
    """Visible comments per target anchor ("document", "s2", "s2-p3")."""
    counts: dict[str, int] = {}
    rows = session.execute(
        select(Comment.target, DocumentSection.anchor, Paragraph.anchor, func.count())
        .outerjoin(DocumentSection, Comment.section_id == DocumentSection.id)
        .outerjoin(Paragraph, Comment.paragraph_id == Paragraph.id)
        .where(Comment.version_id == version.id, Comment.status == CommentStatus.VISIBLE)
        .group_by(Comment.target, DocumentSection.anchor, Paragraph.anchor)
    )
    for target, s_anchor, p_anchor, n in rows:
        key = {"paragraph": p_anchor, "section": s_anchor}.get(target.value, "document")
        counts[key] = counts.get(key, 0) + n
    return counts


def comments_on(session: Session, version: DocumentVersion, anchor: str) -> list[Comment]:
    """The visible comments on one target, oldest first, with their authors and answers."""
    stmt = (
        select(Comment)
        .where(Comment.version_id == version.id, Comment.status == CommentStatus.VISIBLE)
        .options(selectinload(Comment.organisation), selectinload(Comment.disposition))
    )
    if anchor == "document":
        stmt = stmt.where(Comment.target == CommentTarget.DOCUMENT)
    elif "-p" in anchor:
        stmt = stmt.join(Paragraph, Comment.paragraph_id == Paragraph.id).where(Paragraph.anchor == anchor)
    else:
        stmt = stmt.join(DocumentSection, Comment.section_id == DocumentSection.id).where(
            DocumentSection.anchor == anchor, Comment.target == CommentTarget.SECTION
        )
    return list(session.scalars(stmt.order_by(Comment.created_at, Comment.id)))


def public_comments(session: Session, document: Document) -> list[Comment]:
    """The feedback loop: every visible comment on a public version, with its answer (if published)."""
    return list(session.scalars(
        select(Comment)
        .join(Comment.version)
        .where(
            DocumentVersion.document_id == document.id,
            DocumentVersion.status != VersionStatus.DRAFT,
            Comment.status == CommentStatus.VISIBLE,
        )
        .order_by(DocumentVersion.number, Comment.id)
        .options(*COMMENT_LOADS)
    ))
