"""Reading a draft report from .docx and Markdown: sections, paragraphs in order; bad files refused."""

from __future__ import annotations

import io
import zipfile

import pytest

from feedback.importers import DocumentImportError, parse_docx, parse_markdown, parse_upload
from tests.feedback.conftest import DRAFT_MD, build_docx


def test_docx_headings_become_sections_and_blocks_keep_their_order():
    parsed = parse_docx(build_docx())
    headings = [s.heading for s in parsed.sections]
    assert headings == ["", "Phần I. Đặc điểm tình hình", "1. Kết quả đạt được", "Phần II. Phương hướng"]
    assert [s.level for s in parsed.sections] == [1, 1, 2, 1]
    result = parsed.sections[2].paragraphs
    assert [(p.kind, p.text) for p in result] == [
        ("text", "Đã có 45 xã đạt chuẩn."),
        ("table_row", "Huyện | Số xã | Đạt chuẩn"),
        ("table_row", "Long Hồ | 14 | 9"),
        ("table_row", "Mang Thít | 12 | 6"),
        ("text", "Đoạn sau bảng."),
    ]
    assert parsed.sections[1].paragraphs[1].kind == "list_item"
    assert parsed.paragraph_count == 9


def test_markdown_headings_paragraphs_lists_and_tables():
    text = DRAFT_MD + "\n- Mục tiêu một\n- Mục tiêu **hai**\n\n| Xã | Đạt |\n|---|---|\n| Đồng Phú | 19 |\n"
    parsed = parse_markdown(text.encode())
    assert [s.heading for s in parsed.sections] == ["I. Kết quả thực hiện", "II. Tồn tại, hạn chế", "III. Phương hướng"]
    last = parsed.sections[-1].paragraphs
    assert [(p.kind, p.text) for p in last] == [
        ("text", "Tiếp tục huy động nguồn lực xã hội hóa."),
        ("list_item", "Mục tiêu một"),
        ("list_item", "Mục tiêu hai"),
        ("table_row", "Xã | Đạt"),
        ("table_row", "Đồng Phú | 19"),
    ]


def test_markdown_raw_html_is_kept_as_literal_text():
    parsed = parse_markdown(b"# A\n\nXem <script>alert(1)</script> nhe\n")
    assert parsed.sections[0].paragraphs[0].text == "Xem <script>alert(1)</script> nhe"


@pytest.mark.parametrize(
    ("filename", "data"),
    [
        ("empty.docx", b""),
        ("not-a-zip.docx", b"this is not a word file"),
        ("zip-without-word.docx", None),
        ("no-text.md", b"   \n\n# Only a heading\n"),
        ("latin1.md", "Báo cáo".encode("latin-1")),
        ("report.pdf", b"%PDF-1.4"),
    ],
)
def test_malformed_or_empty_files_are_refused_with_a_message(filename, data):
    if data is None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("hello.txt", "hi")
        data = buffer.getvalue()
    with pytest.raises(DocumentImportError) as excinfo:
        parse_upload(filename, data)
    assert str(excinfo.value)


def test_docx_without_any_text_is_refused():
    from docx import Document as DocxDocument

    out = io.BytesIO()
    doc = DocxDocument()
    doc.add_heading("Chỉ có tiêu đề", level=1)
    doc.save(out)
    with pytest.raises(DocumentImportError, match="không có đoạn văn"):
        parse_docx(out.getvalue())


def test_docx_that_inflates_beyond_the_limit_is_refused(monkeypatch):
    import feedback.importers

    monkeypatch.setattr(feedback.importers, "MAX_UNZIPPED_BYTES", 1000)
    with pytest.raises(DocumentImportError, match="giải nén ra hơn"):
        parse_docx(build_docx())


def test_docx_with_a_damaged_central_directory_is_refused_with_a_message():
    data = build_docx()
    directory = data.index(b"PK\x01\x02")  # the first central directory entry; the end record still points here
    damaged = data[:directory] + b"XX\x01\x02" + data[directory + 4:]
    assert zipfile.is_zipfile(io.BytesIO(damaged))  # the old check let it through to a 500
    with pytest.raises(DocumentImportError, match="bị hỏng"):
        parse_upload("du-thao.docx", damaged)
