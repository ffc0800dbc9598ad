"""The synthesis table ("Bảng tổng hợp, tiếp thu, giải trình ý kiến góp ý") and answer progress, as plain rows.

``load_synthesis`` reads the database into a ``Synthesis``; ``feedback.exports`` writes it
to DOCX or XLSX and the progress page prints its counts.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core.models import User
from feedback.forms import COMMENTER_TYPE_LABELS, DISPOSITION_LABELS
from feedback.models import (
    AuthorKind,
    Comment,
    CommentStatus,
    CommentTarget,
    Disposition,
    DispositionKind,
    Document,
    DocumentVersion,
)

# Everything the table prints about a comment, loaded in a few queries instead of one per row.
COMMENT_LOADS = (
    selectinload(Comment.version),
    selectinload(Comment.section),
    selectinload(Comment.paragraph),
    selectinload(Comment.organisation),
    selectinload(Comment.disposition).selectinload(Disposition.comments),
    selectinload(Comment.disposition).selectinload(Disposition.officer),
)


@dataclass(frozen=True)
class SynthesisRow:
    """One comment and its answer, as printed in the table."""

    number: int
    commenter: str
    commenter_type: str
    location: str
    body: str
    kind: DispositionKind | None
    answer: str
    officer: str


@dataclass
class SynthesisGroup:
    """The comments on one section (or on the whole draft)."""

    label: str
    rows: list[SynthesisRow] = field(default_factory=list)

    @property
    def answered(self) -> int:
        """Rows with a disposition."""
        return sum(1 for r in self.rows if r.kind is not None)


@dataclass
class Synthesis:
    """Everything the DOCX and XLSX exports print."""

    title: str
    filters: str
    groups: list[SynthesisGroup]

    @property
    def rows(self) -> list[SynthesisRow]:
        """All rows in table order."""
        return [r for g in self.groups for r in g.rows]

    def by_type(self) -> list[tuple[str, int, int]]:
        """(commenter type label, comments, answered) for each type present."""
        totals: Counter[str] = Counter(r.commenter_type for r in self.rows)
        answered: Counter[str] = Counter(r.commenter_type for r in self.rows if r.kind is not None)
        order = list(COMMENTER_TYPE_LABELS)
        present = sorted(totals, key=lambda t: order.index(t) if t in order else len(order))
        return [(str(COMMENTER_TYPE_LABELS.get(t, t)), totals[t], answered[t]) for t in present]

    def by_kind(self) -> list[tuple[str, int]]:
        """(disposition label, comments) for each disposition, plus the unanswered."""
        counts: Counter[DispositionKind | None] = Counter(r.kind for r in self.rows)
        result = [(str(label), counts[kind]) for kind, label in DISPOSITION_LABELS.items()]
        return [*result, (_("Chưa trả lời"), counts[None])]


def load_synthesis(
    session: Session, document: Document, *, version: int | None = None, commenter_type: str | None = None
) -> Synthesis:
    """Comments that are not hidden, grouped by version and section, numbered in order."""
    stmt = (
        select(Comment).join(Comment.version)
        .where(DocumentVersion.document_id == document.id, Comment.status != CommentStatus.HIDDEN)
        .options(*COMMENT_LOADS)
    )
    if version is not None:
        stmt = stmt.where(DocumentVersion.number == version)
    comments = [c for c in session.scalars(stmt) if commenter_type in (None, c.commenter_type)]
    several_versions = len({c.version_id for c in comments}) > 1
    comments.sort(key=_sort_key)
    numbers = {c.id: index for index, c in enumerate(comments, start=1)}  # STT, what readers can look up
    groups: dict[tuple[int, int], SynthesisGroup] = {}
    for comment in comments:
        key = (comment.version.number, comment.section.position if comment.section else 0)
        if key not in groups:
            groups[key] = SynthesisGroup(_group_label(comment, several_versions))
        groups[key].rows.append(_row(comment, numbers))
    return Synthesis(document.title, _filters(version, commenter_type), list(groups.values()))


def _sort_key(comment: Comment) -> tuple[int, int, int, int]:
    section = comment.section.position if comment.section else 0
    paragraph = comment.paragraph.number if comment.paragraph else 0
    return (comment.version.number, section, paragraph, comment.id)


def _group_label(comment: Comment, several_versions: bool) -> str:
    section = comment.section
    if section is None:
        label = _("Góp ý chung cho toàn bộ dự thảo")
    elif section.heading:
        label = section.heading
    else:
        label = _("Phần mở đầu")
    if several_versions:
        label += " — " + _("bản dự thảo %(n)d", n=comment.version.number)
    return label


def _location(comment: Comment) -> str:
    if comment.target == CommentTarget.DOCUMENT:
        return _("Toàn bộ dự thảo")
    if comment.target == CommentTarget.SECTION:
        return _("Mục %(s)d", s=comment.section.number)
    return _("Mục %(s)d, đoạn %(p)d", s=comment.section.number, p=comment.paragraph.number)


def officer_name(officer: User) -> str:
    """How an officer is named to residents and in the synthesis table: by name, never by e-mail address."""
    if officer.full_name:
        return officer.full_name
    if officer.area is not None:
        return _("Cán bộ Ban Chỉ đạo %(area)s", area=officer.area.name)
    return _("Cán bộ Ban Chỉ đạo")


def commenter_name(comment: Comment) -> str:
    """The organisation (with its meeting) or the resident as they chose to sign."""
    if comment.author_kind == AuthorKind.ORGANISATION and comment.organisation is not None:
        parts = [comment.organisation.name]
        if comment.meeting_date:
            parts.append(_("họp ngày %(d)s", d=comment.meeting_date.strftime("%d/%m/%Y")))
        if comment.participants:
            parts.append(_("%(n)d người dự", n=comment.participants))
        return ", ".join(parts)
    name = comment.resident_name or _("Người dân (không nêu tên)")
    return f"{name}, {comment.resident_commune}" if comment.resident_commune else name


def _answered_with(comment: Comment, numbers: dict[int, int]) -> str:
    """The other comments of a group answer, by their STT here (the rest only counted)."""
    others = [c.id for c in comment.disposition.comments if c.id != comment.id]
    listed = sorted(numbers[i] for i in others if i in numbers)
    elsewhere = len(others) - len(listed)
    if listed and elsewhere:
        return _("(Trả lời chung với góp ý số %(numbers)s trong bảng này và %(n)d góp ý khác.)",
                 numbers=", ".join(map(str, listed)), n=elsewhere)
    if listed:
        return _("(Trả lời chung với góp ý số %(numbers)s trong bảng này.)", numbers=", ".join(map(str, listed)))
    return _("(Trả lời chung với %(n)d góp ý khác.)", n=elsewhere) if elsewhere else ""


def _row(comment: Comment, numbers: dict[int, int]) -> SynthesisRow:
    disposition = comment.disposition
    answer, officer = "", ""
    if disposition is not None:
        answer = f"{DISPOSITION_LABELS[disposition.kind]}: {disposition.reply}"
        together = _answered_with(comment, numbers)
        answer += f" {together}" if together else ""
        officer = officer_name(disposition.officer)
    return SynthesisRow(
        number=numbers[comment.id],
        commenter=commenter_name(comment),
        commenter_type=comment.commenter_type,
        location=_location(comment),
        body=comment.body,
        kind=disposition.kind if disposition else None,
        answer=answer or _("Chưa có ý kiến tiếp thu, giải trình."),
        officer=officer,
    )


def _filters(version: int | None, commenter_type: str | None) -> str:
    parts = [_("Bản dự thảo %(n)d", n=version) if version else _("Tất cả các bản dự thảo")]
    if commenter_type:
        parts.append(str(COMMENTER_TYPE_LABELS.get(commenter_type, commenter_type)))
    return "; ".join(parts)


def load_progress(session: Session, document: Document) -> Synthesis:
    """Answer progress is the synthesis table of every version, counted."""
    return load_synthesis(session, document)
