"""Feedback services: plain functions, session first; they flush, the view commits."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from core.db import utc_now
from core.links import new_short_code
from core.models import Area, Role, User, record_audit
from feedback.importers import ParsedDocument, clean_text
from feedback.models import (
    AuthorKind,
    Comment,
    CommentStatus,
    CommentTarget,
    Document,
    DocumentSection,
    DocumentVersion,
    ModerationMode,
    Paragraph,
    ParagraphChange,
    ParagraphKind,
    VersionStatus,
)

MAX_COMMENT_CHARS = 5000
MAX_REPLY_CHARS = 10000


class FeedbackError(ValueError):
    """A request that cannot be carried out; the message (Vietnamese) says why."""


class CommentWindowClosed(FeedbackError):
    """The version is not accepting comments now."""


@dataclass(frozen=True)
class ResidentAuthor:
    """A resident without an account; every field is optional."""

    name: str = ""
    commune: str = ""
    contact: str = ""


@dataclass(frozen=True)
class OrganisationAuthor:
    """An official commenting in the name of their organisation, maybe for a meeting."""

    official: User
    meeting_date: date | None = None
    participants: int | None = None


# --- documents and versions -------------------------------------------------


def can_manage(user: User, document: Document) -> bool:
    """Admins, and steering officers whose area contains the document's area."""
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.OFFICER and user.can_see(document.area)


def can_report(user: User, document: Document) -> bool:
    """Managers plus analysts may read progress and export the synthesis table."""
    return can_manage(user, document) or user.role == Role.ANALYST


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


def paragraph_hash(text: str, kind: str) -> str:
    """What "the same paragraph" means across versions: same kind, same words."""
    normal = " ".join(text.split())
    return hashlib.sha256(f"{kind}\n{normal}".encode()).hexdigest()


def add_version(
    session: Session, document: Document, parsed: ParsedDocument, *, filename: str, data: bytes, actor: User
) -> DocumentVersion:
    """Store an uploaded text as the next (draft) version and mark what changed."""
    previous = public_baseline(document) or (document.versions[-1] if document.versions else None)
    version = DocumentVersion(
        document=document,
        number=(document.versions[-1].number + 1) if document.versions else 1,
        based_on=previous,
        source_filename=filename[-255:],
        source_sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by_id=actor.id,
    )
    session.add(version)
    number = _store_text(session, version, parsed)
    if previous is not None:
        _link_to_previous(version, previous)
        session.flush()
    record_audit(
        session, actor, "feedback.version.upload", version,
        document=document.code, number=version.number, filename=version.source_filename,
        sha256=version.source_sha256, paragraphs=number,
    )
    return version


def public_baseline(document: Document) -> DocumentVersion | None:
    """What the public last saw: the published version, else the last one published."""
    shown = [v for v in document.versions if v.published_at is not None]
    return document.current_version or max(shown, key=lambda v: v.published_at, default=None)


def _store_text(session: Session, version: DocumentVersion, parsed: ParsedDocument) -> int:
    """Sections s1, s2, ... (s0 for text before the first heading) and paragraphs sN-pM."""
    number = 0
    offset = 0 if parsed.sections[0].heading == "" else 1
    for s_index, parsed_section in enumerate(parsed.sections):
        s_number = s_index + offset
        section = DocumentSection(
            version=version,
            number=s_number,
            position=s_index + 1,
            level=parsed_section.level,
            heading=parsed_section.heading,
            anchor=f"s{s_number}",
        )
        session.add(section)
        for p_index, parsed_paragraph in enumerate(parsed_section.paragraphs, start=1):
            number += 1
            session.add(
                Paragraph(
                    version=version,
                    section=section,
                    number=number,
                    position=p_index,
                    anchor=f"s{s_number}-p{p_index}",
                    kind=ParagraphKind(parsed_paragraph.kind),
                    text=parsed_paragraph.text,
                    content_hash=paragraph_hash(parsed_paragraph.text, parsed_paragraph.kind),
                )
            )
    session.flush()
    return number


def _link_to_previous(version: DocumentVersion, previous: DocumentVersion) -> None:
    """Same text anywhere → unchanged; else same anchor → changed; else new."""
    unmatched = {p.id: p for p in previous.paragraphs}
    by_hash: dict[str, list[Paragraph]] = {}
    for p in previous.paragraphs:
        by_hash.setdefault(p.content_hash, []).append(p)
    pending = []
    for paragraph in version.paragraphs:
        candidates = [p for p in by_hash.get(paragraph.content_hash, []) if p.id in unmatched]
        if candidates:
            match = next((p for p in candidates if p.anchor == paragraph.anchor), candidates[0])
            paragraph.previous, paragraph.change = unmatched.pop(match.id), ParagraphChange.UNCHANGED
        else:
            pending.append(paragraph)
    by_anchor = {p.anchor: p for p in unmatched.values()}
    for paragraph in pending:
        match = by_anchor.pop(paragraph.anchor, None)
        paragraph.previous = match
        paragraph.change = ParagraphChange.CHANGED if match else ParagraphChange.NEW


def removed_paragraphs(session: Session, version: DocumentVersion) -> list[Paragraph]:
    """Paragraphs of the version this one was compared with that no paragraph here continues."""
    if version.based_on is None:
        return []
    kept = {p.previous_id for p in version.paragraphs}
    return [p for p in version.based_on.paragraphs if p.id not in kept]


def set_window(
    session: Session, version: DocumentVersion, *, opens_at: datetime | None, closes_at: datetime | None,
    actor: User,
) -> None:
    """Change when a version accepts comments (the text itself stays frozen)."""
    if opens_at and closes_at and closes_at <= opens_at:
        raise FeedbackError(_("Thời điểm kết thúc phải sau thời điểm bắt đầu."))
    if version.status == VersionStatus.FROZEN:
        raise FeedbackError(_("Phiên bản này đã được thay thế; không thể mở lại."))
    version.opens_at, version.closes_at = opens_at, closes_at
    session.flush()
    record_audit(
        session, actor, "feedback.version.window", version, document=version.document.code,
        opens_at=opens_at.isoformat() if opens_at else None,
        closes_at=closes_at.isoformat() if closes_at else None,
    )


def publish_version(session: Session, version: DocumentVersion, *, actor: User) -> None:
    """Make a draft the public version; the one it replaces is frozen and stops taking comments."""
    if version.status != VersionStatus.DRAFT:
        raise FeedbackError(_("Chỉ công bố được phiên bản nháp."))
    baseline = public_baseline(version.document)
    if baseline is not None and version.based_on is not baseline:
        # Another version went public since this one was uploaded: mark changes against that one.
        for paragraph in version.paragraphs:
            paragraph.previous, paragraph.change = None, None
        version.based_on = baseline
        _link_to_previous(version, baseline)
    for other in version.document.versions:
        if other.status == VersionStatus.PUBLISHED:
            other.status = VersionStatus.FROZEN
            record_audit(
                session, actor, "feedback.version.freeze", other,
                document=version.document.code, number=other.number,
            )
    version.status = VersionStatus.PUBLISHED
    version.published_at = utc_now()
    session.flush()
    record_audit(
        session, actor, "feedback.version.publish", version,
        document=version.document.code, number=version.number,
    )


def find_version(document: Document, number: int | None) -> DocumentVersion | None:
    """The numbered version, or the published one when no number is given."""
    if number is None:
        return document.current_version
    return next((v for v in document.versions if v.number == number), None)


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


# --- comments ----------------------------------------------------------------


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
    duplicate = _same_comment(session, comment)
    if duplicate is not None:  # a double tap on "Gửi" must not store the comment twice
        return duplicate
    # Residents are anonymous, so pre-moderation holds them; officials answer for their entries.
    held = version.document.moderation == ModerationMode.PRE and comment.author_kind == AuthorKind.RESIDENT
    comment.status = CommentStatus.PENDING if held else CommentStatus.VISIBLE
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
