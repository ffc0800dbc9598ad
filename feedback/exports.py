"""The synthesis table written as DOCX or XLSX to a file object it is given.

The rows come from ``feedback.services.synthesis.load_synthesis``. Every cell is plain
text: python-docx writes runs (no fields are interpreted) and XLSX cells go through
``core.spreadsheets.safe_cell``.
"""

from __future__ import annotations

from collections.abc import Iterable
from copy import deepcopy
from typing import IO

from flask_babel import gettext as _

from core.spreadsheets import write_xlsx
from feedback.forms import COMMENTER_TYPE_LABELS, DISPOSITION_LABELS
from feedback.importers import clean_text
from feedback.services.synthesis import Synthesis


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
    counts_header = [_("Nhóm"), _("Loại"), _("Số góp ý"), _("Đã trả lời")]
    write_xlsx([(_("Tổng hợp"), header, rows), (_("Thống kê"), counts_header, counts)], out)
