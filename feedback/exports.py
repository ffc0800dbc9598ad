"""The synthesis table ("Bảng tổng hợp, tiếp thu, giải trình ý kiến góp ý") and answer progress.

``load_synthesis`` reads the database into plain rows; ``write_docx`` and
``write_synthesis_xlsx`` write those rows to a file object they are given.
Every cell is plain text: python-docx writes runs (no fields are interpreted)
and XLSX cells go through ``core.spreadsheets.safe_cell``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from copy import deepcopy
from dataclasses import dataclass, field
from typing import IO

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core.spreadsheets import write_xlsx
from feedback.forms import COMMENTER_TYPE_LABELS, DISPOSITION_LABELS
from feedback.importers import clean_text
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
        officer = disposition.officer.full_name or disposition.officer.email
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


def plain(value: object) -> str:
    """Text safe for a DOCX run: no control characters XML cannot hold."""
    return clean_text(str(value)) if value is not None else ""


def write_docx(table: Synthesis, out: IO[bytes]) -> None:
    """The landscape DOCX table: STT | đơn vị/cá nhân | mục/đoạn | nội dung | tiếp thu, giải trình."""
    from docx import Document as DocxDocument
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    doc = DocxDocument()
    page = doc.sections[0]
    page.orientation = WD_ORIENT.LANDSCAPE
    page.page_width, page.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(page, side, Cm(1.5))
    doc.styles["Normal"].font.size = Pt(11)
    heading = doc.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    heading.add_run(_("BẢNG TỔNG HỢP, TIẾP THU, GIẢI TRÌNH Ý KIẾN GÓP Ý")).bold = True
    for line in (_("Dự thảo: %(t)s", t=plain(table.title)), table.filters):
        doc.add_paragraph(plain(line)).alignment = WD_ALIGN_PARAGRAPH.CENTER
    header = [_("STT"), _("Đơn vị/cá nhân góp ý"), _("Mục/đoạn"), _("Nội dung góp ý"),
              _("Ý kiến tiếp thu, giải trình")]
    grid = doc.add_table(rows=1, cols=len(header))
    grid.style = "Table Grid"
    widths = (Cm(1.3), Cm(5.0), Cm(2.7), Cm(8.0), Cm(9.7))
    for column, cell, value, width in zip(grid.columns, grid.rows[0].cells, header, widths, strict=True):
        column.width = cell.width = width
        cell.paragraphs[0].add_run(plain(value)).bold = True
    repeat = OxmlElement("w:tblHeader")  # the header row repeats on every printed page
    repeat.set(qn("w:val"), "true")
    grid.rows[0]._tr.get_or_add_trPr().append(repeat)
    _RowWriter(grid).write(table)
    doc.add_paragraph()
    doc.add_paragraph().add_run(_("Thống kê")).bold = True
    _small_table(doc, [_("Người góp ý"), _("Số góp ý"), _("Đã trả lời")], table.by_type())
    _small_table(doc, [_("Hình thức tiếp thu"), _("Số góp ý")], table.by_kind())
    doc.save(out)


class _RowWriter:
    """Appends rows by copying one prepared row: python-docx's add_row() builds every
    element through its XML factory, which took ~5 ms a row (16 s for 3,000 comments)."""

    def __init__(self, grid: object) -> None:
        self.grid = grid
        template = grid.add_row()  # type: ignore[attr-defined]
        for cell in template.cells:
            cell.paragraphs[0].add_run("")
        self.template = template._tr
        self.template.getparent().remove(self.template)

    def _append(self, values: list[str]) -> object:
        from docx.text.run import Run

        tr = deepcopy(self.template)
        self.grid._tbl.append(tr)  # type: ignore[attr-defined]
        for tc, value in zip(tr.tc_lst, values, strict=True):
            Run(tc.p_lst[0].r_lst[0], None).text = plain(value)  # type: ignore[arg-type]
        return tr

    def write(self, table: Synthesis) -> None:
        from docx.table import _Row

        for group in table.groups:
            row = _Row(self._append([""] * 5), self.grid)  # type: ignore[arg-type]
            merged = row.cells[0].merge(row.cells[-1])
            merged.text = ""
            merged.paragraphs[0].add_run(plain(group.label)).bold = True
            for item in group.rows:
                self._append([str(item.number), item.commenter, item.location, item.body, item.answer])


def _small_table(doc: object, header: list[str], rows: Iterable[tuple[object, ...]]) -> None:
    grid = doc.add_table(rows=1, cols=len(header))  # type: ignore[attr-defined]
    grid.style = "Table Grid"
    for cell, value in zip(grid.rows[0].cells, header, strict=True):
        cell.paragraphs[0].add_run(plain(value)).bold = True
    for values in rows:
        for cell, value in zip(grid.add_row().cells, values, strict=True):
            cell.text = plain(value)


def write_synthesis_xlsx(table: Synthesis, out: IO[bytes]) -> None:
    """Two sheets: the comments with their answers, and the counts."""
    header = [_("STT"), _("Nhóm"), _("Đơn vị/cá nhân góp ý"), _("Loại người góp ý"), _("Mục/đoạn"),
              _("Nội dung góp ý"), _("Hình thức tiếp thu"), _("Ý kiến tiếp thu, giải trình"),
              _("Cán bộ chịu trách nhiệm")]
    rows = [
        [r.number, plain(g.label), plain(r.commenter), str(COMMENTER_TYPE_LABELS.get(r.commenter_type, "")),
         r.location, plain(r.body), str(DISPOSITION_LABELS[r.kind]) if r.kind else "", plain(r.answer),
         plain(r.officer)]
        for g in table.groups for r in g.rows
    ]
    counts = [[_("Người góp ý"), label, n, answered] for label, n, answered in table.by_type()]
    counts += [[_("Hình thức tiếp thu"), label, n, ""] for label, n in table.by_kind()]
    write_xlsx(
        [(_("Tổng hợp"), header, rows), (_("Thống kê"), [_("Nhóm"), _("Loại"), _("Số góp ý"), _("Đã trả lời")], counts)],
        out,
    )
