"""Feedback tables: draft documents, their frozen versions, comments and official answers.

A version's sections and paragraphs are written once, at upload, and never
edited: comments point at the exact text they were made on. The next upload is
a new version whose paragraphs link to their predecessors.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UtcDateTime, portable_enum, utc_now
from core.models import Area, Organisation, User

# Eight characters of a 31-letter alphabet: about 8.5e11 codes, not guessable one comment at a time.
REFERENCE_LENGTH = 8


class ModerationMode(enum.StrEnum):
    """Pre-moderation holds residents' comments until approved; post shows them at once."""

    PRE = "pre"
    POST = "post"


class VersionStatus(enum.StrEnum):
    """Draft (not public), published (the current public text), frozen (superseded)."""

    DRAFT = "draft"
    PUBLISHED = "published"
    FROZEN = "frozen"


class ParagraphKind(enum.StrEnum):
    """A paragraph of prose, a list item or one row of a table."""

    TEXT = "text"
    LIST_ITEM = "list_item"
    TABLE_ROW = "table_row"


class ParagraphChange(enum.StrEnum):
    """How a paragraph differs from the previous version (None on a first version)."""

    UNCHANGED = "unchanged"
    CHANGED = "changed"
    NEW = "new"


class CommentTarget(enum.StrEnum):
    """What a comment is about."""

    PARAGRAPH = "paragraph"
    SECTION = "section"
    DOCUMENT = "document"


class AuthorKind(enum.StrEnum):
    """A resident without an account, or an organisation account."""

    RESIDENT = "resident"
    ORGANISATION = "organisation"


class CommentStatus(enum.StrEnum):
    """Pending (awaiting pre-moderation), visible, or hidden by a moderator."""

    PENDING = "pending"
    VISIBLE = "visible"
    HIDDEN = "hidden"


class HiddenReason(enum.StrEnum):
    """Why a moderator hid a comment."""

    ABUSE = "abuse"
    SPAM = "spam"
    PERSONAL_DATA = "personal_data"


class DispositionKind(enum.StrEnum):
    """The steering committee's answer, as in the synthesis table."""

    TAKEN_IN = "tiep_thu"
    PARTLY_TAKEN_IN = "tiep_thu_mot_phan"
    EXPLAINED = "giai_trinh"
    OUT_OF_SCOPE = "khong_thuoc_pham_vi"


class Document(Base):
    """A draft report open to comments, owned by the steering committee of an area."""

    __tablename__ = "feedback_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    moderation: Mapped[ModerationMode] = mapped_column(
        portable_enum(ModerationMode, "feedback_moderation_mode"), default=ModerationMode.POST
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)

    area: Mapped[Area] = relationship()
    versions: Mapped[list[DocumentVersion]] = relationship(
        back_populates="document", order_by="DocumentVersion.number"
    )

    @property
    def current_version(self) -> DocumentVersion | None:
        """The published version, if any."""
        return next((v for v in self.versions if v.status == VersionStatus.PUBLISHED), None)


class DocumentVersion(Base):
    """One uploaded text of a document; its content never changes after upload."""

    __tablename__ = "feedback_versions"
    __table_args__ = (
        UniqueConstraint("document_id", "number"),
        CheckConstraint("closes_at IS NULL OR opens_at IS NULL OR closes_at > opens_at", name="window_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("feedback_documents.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[VersionStatus] = mapped_column(
        portable_enum(VersionStatus, "feedback_version_status"), default=VersionStatus.DRAFT
    )
    opens_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    source_filename: Mapped[str] = mapped_column(String(255))
    source_sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The version this one was compared with when uploaded (the newest one the public had seen).
    based_on_id: Mapped[int | None] = mapped_column(ForeignKey("feedback_versions.id"))

    document: Mapped[Document] = relationship(back_populates="versions")
    based_on: Mapped[DocumentVersion | None] = relationship(remote_side="DocumentVersion.id")
    sections: Mapped[list[DocumentSection]] = relationship(
        back_populates="version", order_by="DocumentSection.position"
    )
    paragraphs: Mapped[list[Paragraph]] = relationship(
        back_populates="version", order_by="Paragraph.number"
    )

    def is_open(self, now: datetime) -> bool:
        """Comments are accepted: published and inside the window (open ends allowed)."""
        return (
            self.status == VersionStatus.PUBLISHED
            and (self.opens_at is None or self.opens_at <= now)
            and (self.closes_at is None or now < self.closes_at)
        )


class DocumentSection(Base):
    """A heading of the draft and the paragraphs under it."""

    __tablename__ = "feedback_sections"
    __table_args__ = (UniqueConstraint("version_id", "anchor"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("feedback_versions.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 0 = text before the first heading
    position: Mapped[int] = mapped_column(Integer)
    level: Mapped[int] = mapped_column(Integer, default=1)
    heading: Mapped[str] = mapped_column(String(500), default="")
    anchor: Mapped[str] = mapped_column(String(32))

    version: Mapped[DocumentVersion] = relationship(back_populates="sections")
    paragraphs: Mapped[list[Paragraph]] = relationship(
        back_populates="section", order_by="Paragraph.position"
    )


class Paragraph(Base):
    """A numbered paragraph (or list item, or table row) with an anchor stable across versions."""

    __tablename__ = "feedback_paragraphs"
    __table_args__ = (UniqueConstraint("version_id", "anchor"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("feedback_versions.id"), index=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("feedback_sections.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 1..n across the whole version
    position: Mapped[int] = mapped_column(Integer)  # 1..n within the section
    anchor: Mapped[str] = mapped_column(String(32))
    kind: Mapped[ParagraphKind] = mapped_column(
        portable_enum(ParagraphKind, "feedback_paragraph_kind"), default=ParagraphKind.TEXT
    )
    text: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("feedback_paragraphs.id"))
    change: Mapped[ParagraphChange | None] = mapped_column(
        portable_enum(ParagraphChange, "feedback_paragraph_change")
    )

    version: Mapped[DocumentVersion] = relationship(back_populates="paragraphs")
    section: Mapped[DocumentSection] = relationship(back_populates="paragraphs")
    previous: Mapped[Paragraph | None] = relationship(remote_side="Paragraph.id")


class Disposition(Base):
    """The official answer to one comment or to a group of comments answered together."""

    __tablename__ = "feedback_dispositions"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("feedback_documents.id"), index=True)
    kind: Mapped[DispositionKind] = mapped_column(portable_enum(DispositionKind, "feedback_disposition_kind"))
    reply: Mapped[str] = mapped_column(Text)
    officer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    is_published: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now, onupdate=utc_now)

    officer: Mapped[User] = relationship()
    comments: Mapped[list[Comment]] = relationship(back_populates="disposition", order_by="Comment.id")


class Comment(Base):
    """A comment on a paragraph, a section or a whole version; hidden, never deleted.

    ``client_hash`` is the keyed hash from ``core.extensions.client_fingerprint``;
    the raw address is never stored.
    """

    __tablename__ = "feedback_comments"
    __table_args__ = (
        CheckConstraint(
            "(target = 'document' AND section_id IS NULL AND paragraph_id IS NULL)"
            " OR (target = 'section' AND section_id IS NOT NULL AND paragraph_id IS NULL)"
            " OR (target = 'paragraph' AND section_id IS NOT NULL AND paragraph_id IS NOT NULL)",
            name="target_matches",
        ),
        CheckConstraint(
            "author_kind = 'resident' OR (organisation_id IS NOT NULL AND entered_by_id IS NOT NULL)",
            name="organisation_author",
        ),
        CheckConstraint("participants IS NULL OR participants > 0", name="participants_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The short code the resident is given to follow the comment and to ask for its removal.
    reference: Mapped[str] = mapped_column(String(REFERENCE_LENGTH), unique=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("feedback_versions.id"), index=True)
    target: Mapped[CommentTarget] = mapped_column(portable_enum(CommentTarget, "feedback_comment_target"))
    section_id: Mapped[int | None] = mapped_column(ForeignKey("feedback_sections.id"), index=True)
    paragraph_id: Mapped[int | None] = mapped_column(ForeignKey("feedback_paragraphs.id"), index=True)
    author_kind: Mapped[AuthorKind] = mapped_column(portable_enum(AuthorKind, "feedback_author_kind"))
    resident_name: Mapped[str] = mapped_column(String(120), default="")
    resident_commune: Mapped[str] = mapped_column(String(120), default="")
    resident_contact: Mapped[str] = mapped_column(String(120), default="")
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    meeting_date: Mapped[date | None] = mapped_column(Date)
    participants: Mapped[int | None] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[CommentStatus] = mapped_column(portable_enum(CommentStatus, "feedback_comment_status"))
    hidden_reason: Mapped[HiddenReason | None] = mapped_column(portable_enum(HiddenReason, "feedback_hidden_reason"))
    client_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    disposition_id: Mapped[int | None] = mapped_column(ForeignKey("feedback_dispositions.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now, index=True)
    # The resident asked for an e-mail (to resident_contact) when the answer is published; sent once.
    notify_by_email: Mapped[bool] = mapped_column(default=False)
    answer_sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    version: Mapped[DocumentVersion] = relationship()
    section: Mapped[DocumentSection | None] = relationship()
    paragraph: Mapped[Paragraph | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
    entered_by: Mapped[User | None] = relationship()
    disposition: Mapped[Disposition | None] = relationship(back_populates="comments")

    @property
    def commenter_type(self) -> str:
        """'resident' or the organisation's kind (mttq, hoi_nong_dan, so_nganh, ...)."""
        if self.author_kind == AuthorKind.RESIDENT or self.organisation is None:
            return AuthorKind.RESIDENT.value
        return self.organisation.kind.value
