"""Versions of a draft: an upload becomes the next version, compared with what the public last saw;
its comment window; publication, which freezes the version it replaces."""

from __future__ import annotations

import hashlib
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from core.db import utc_now
from core.models import User, record_audit
from feedback.importers import ParsedDocument
from feedback.models import (
    Document,
    DocumentSection,
    DocumentVersion,
    Paragraph,
    ParagraphChange,
    ParagraphKind,
    VersionStatus,
)
from feedback.services import FeedbackError


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
