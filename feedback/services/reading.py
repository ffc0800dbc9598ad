"""The public text of a version and its visible comments: what the reading and comment pages show."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

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
    ParagraphKind,
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


@dataclass(frozen=True)
class TextBlock:
    """A paragraph of text, or a run of table rows shown as one table (each row still its own paragraph)."""

    paragraphs: list[Paragraph]
    is_table: bool

    @property
    def rows(self) -> list[tuple[Paragraph, list[str]]]:
        """Each row with its cells (the importer joined them with " | "), padded to the widest row."""
        cells = [p.text.split(" | ") for p in self.paragraphs]
        width = max(len(row) for row in cells)
        return [(p, row + [""] * (width - len(row))) for p, row in zip(self.paragraphs, cells, strict=True)]


def text_blocks(paragraphs: list[Paragraph]) -> list[TextBlock]:
    """The paragraphs of a section in order, consecutive table rows grouped into one table."""
    blocks: list[TextBlock] = []
    for paragraph in paragraphs:
        is_row = paragraph.kind == ParagraphKind.TABLE_ROW
        if is_row and blocks and blocks[-1].is_table:
            blocks[-1].paragraphs.append(paragraph)
        else:
            blocks.append(TextBlock([paragraph], is_table=is_row))
    return blocks


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


@dataclass(frozen=True)
class AnswerFilters:
    """What a reader of the answers page asked for (GET parameters); empty means no filter."""

    query: str = ""
    section: str = ""  # a section anchor ("s2") or "document"
    commenter_type: str = ""  # "resident" or an organisation kind
    disposition: str = ""  # a DispositionKind value, or "pending" (no published answer yet)

    @property
    def active(self) -> bool:
        """Whether any filter is set."""
        return any((self.query, self.section, self.commenter_type, self.disposition))


def folded(text: str) -> str:
    """Lower case without diacritics, so "rac thai" finds "Rác thải" (Vietnamese typed without accents)."""
    decomposed = unicodedata.normalize("NFD", text.casefold().replace("đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _answer_kind(comment: Comment) -> str:
    disposition = comment.disposition
    return disposition.kind.value if disposition is not None and disposition.is_published else "pending"


def _section_key(comment: Comment) -> str:
    return comment.section.anchor if comment.section is not None else "document"


def filter_answers(comments: list[Comment], filters: AnswerFilters) -> list[Comment]:
    """The comments that match every filter; the text search looks in the comment and its published answer."""
    words = folded(filters.query).split()

    def matches(comment: Comment) -> bool:
        if filters.section and _section_key(comment) != filters.section:
            return False
        if filters.commenter_type and comment.commenter_type != filters.commenter_type:
            return False
        if filters.disposition and _answer_kind(comment) != filters.disposition:
            return False
        reply = comment.disposition.reply if _answer_kind(comment) != "pending" else ""
        haystack = folded(f"{comment.body} {reply} {comment.resident_commune}")
        return all(word in haystack for word in words)

    return [c for c in comments if matches(c)]


def commented_sections(comments: list[Comment]) -> list[tuple[str, str]]:
    """(anchor, heading) of the sections the comments are about, in the draft's order; "" heads the preamble."""
    sections = {c.section.anchor: c.section for c in comments if c.section is not None}
    ordered = sorted(sections.values(), key=lambda s: s.position)
    return [(s.anchor, s.heading) for s in ordered]
