"""Read a draft report (.docx or Markdown) into sections and paragraphs, in document order.

Pure functions: bytes in, a ``ParsedDocument`` out, or ``DocumentImportError`` with a
Vietnamese message. Nothing here touches the database, so a refused file can
never leave half a version behind.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

from flask_babel import gettext as _

from core.spreadsheets import UnreadableUpload, check_archive

MAX_PARAGRAPHS = 5000
MAX_PARAGRAPH_CHARS = 20000
MAX_HEADING_CHARS = 500
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
# Characters XML 1.0 (and so DOCX/XLSX) cannot hold; also never useful in a report.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_SPACES = re.compile(r"[ \t\u00a0]+")


class DocumentImportError(ValueError):
    """The file cannot be read as a draft report; the message says why, in Vietnamese."""


@dataclass
class ParsedParagraph:
    """One block of text and what it was in the source."""

    text: str
    kind: str = "text"  # text | list_item | table_row


@dataclass
class ParsedSection:
    """A heading (empty for text before the first heading) and its paragraphs."""

    heading: str
    level: int = 1
    paragraphs: list[ParsedParagraph] = field(default_factory=list)


@dataclass
class ParsedDocument:
    """The sections of a draft, in order."""

    sections: list[ParsedSection]

    @property
    def paragraph_count(self) -> int:
        """Paragraphs across all sections."""
        return sum(len(s.paragraphs) for s in self.sections)


def clean_text(value: str) -> str:
    """Drop control characters, collapse runs of spaces and trim each line."""
    value = _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    lines = (_SPACES.sub(" ", line).strip() for line in value.split("\n"))
    return "\n".join(line for line in lines if line)


class _Builder:
    """Collects headings and paragraphs in order and enforces the limits."""

    def __init__(self) -> None:
        self.sections: list[ParsedSection] = []
        self.count = 0

    def heading(self, text: str, level: int) -> None:
        text = clean_text(text).replace("\n", " ")
        if text:
            self.sections.append(ParsedSection(text[:MAX_HEADING_CHARS], max(1, min(level, 6))))

    def paragraph(self, text: str, kind: str = "text") -> None:
        text = clean_text(text)
        if not text:
            return
        if len(text) > MAX_PARAGRAPH_CHARS:
            raise DocumentImportError(
                _("Một đoạn văn dài quá %(n)d ký tự; hãy chia nhỏ đoạn đó.", n=MAX_PARAGRAPH_CHARS)
            )
        self.count += 1
        if self.count > MAX_PARAGRAPHS:
            raise DocumentImportError(_("Tệp có quá %(n)d đoạn văn.", n=MAX_PARAGRAPHS))
        if not self.sections:
            self.sections.append(ParsedSection("", 1))
        self.sections[-1].paragraphs.append(ParsedParagraph(text, kind))

    def result(self) -> ParsedDocument:
        if self.count == 0:
            raise DocumentImportError(_("Tệp không có đoạn văn nào để lấy ý kiến."))
        return ParsedDocument(self.sections)


def parse_upload(filename: str, data: bytes) -> ParsedDocument:
    """Parse by extension: .docx, or .md/.markdown; anything else is refused."""
    name = filename.lower()
    if not data:
        raise DocumentImportError(_("Tệp trống."))
    if name.endswith(".docx"):
        return parse_docx(data)
    if name.endswith((".md", ".markdown")):
        return parse_markdown(data)
    raise DocumentImportError(_("Chỉ nhận tệp Word (.docx) hoặc Markdown (.md)."))


def _heading_level(style_name: str) -> int | None:
    """Word's built-in "Title" and "Heading n" styles mark sections."""
    if style_name == "Title":
        return 1
    match = re.fullmatch(r"Heading (\d)", style_name)
    return int(match.group(1)) if match else None


def parse_docx(data: bytes) -> ParsedDocument:
    """Headings become sections; paragraphs and table rows keep their order in the body."""
    from docx import Document as open_docx
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:  # python-docx inflates every part in memory: refuse a damaged archive or a "zip bomb" before it does
        check_archive(data, max_unpacked=MAX_UNZIPPED_BYTES)
    except UnreadableUpload as exc:
        raise DocumentImportError(str(exc)) from None
    try:
        document = open_docx(io.BytesIO(data))
    # python-docx raises many types on a damaged package (KeyError, ValueError, lxml errors...).
    except Exception:  # noqa: BLE001
        raise DocumentImportError(_("Tệp Word bị hỏng hoặc không đọc được.")) from None
    builder = _Builder()
    for element in document.element.body.iterchildren():
        if element.tag == qn("w:p"):
            paragraph = Paragraph(element, document)
            style = paragraph.style.name if paragraph.style is not None else ""
            level = _heading_level(style or "")
            if level is not None:
                builder.heading(paragraph.text, level)
            else:
                kind = "list_item" if (style or "").startswith("List") else "text"
                builder.paragraph(paragraph.text, kind)
        elif element.tag == qn("w:tbl"):
            for row in Table(element, document).rows:
                builder.paragraph(_row_text(row), "table_row")
    return builder.result()


def _row_text(row: object) -> str:
    """A table row as "cell | cell | cell"; merged cells appear once."""
    seen: list[object] = []
    texts = []
    for cell in row.cells:  # type: ignore[attr-defined]
        if any(cell._tc is other for other in seen):
            continue
        seen.append(cell._tc)
        texts.append(clean_text(cell.text).replace("\n", " "))
    return " | ".join(texts) if any(texts) else ""


def parse_markdown(data: bytes) -> ParsedDocument:
    """ATX/setext headings become sections; paragraphs, list items and table rows follow."""
    from markdown_it import MarkdownIt

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DocumentImportError(_("Tệp Markdown phải được lưu theo mã UTF-8.")) from None
    if "\x00" in text:
        raise DocumentImportError(_("Tệp không phải là văn bản Markdown."))
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    builder = _Builder()
    in_list = 0
    row: list[str] | None = None
    for index, token in enumerate(tokens):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            in_list += 1
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            in_list -= 1
        elif token.type == "tr_open":
            row = []
        elif token.type == "tr_close" and row is not None:
            builder.paragraph(" | ".join(row) if any(row) else "", "table_row")
            row = None
        elif token.type == "inline":
            opener = tokens[index - 1]
            plain = _inline_text(token)
            if opener.type == "heading_open":
                builder.heading(plain, int(opener.tag[1]))
            elif row is not None:
                row.append(plain.replace("\n", " "))
            else:
                builder.paragraph(plain, "list_item" if in_list else "text")
        elif token.type in ("code_block", "fence", "html_block"):
            builder.paragraph(token.content)
    return builder.result()


def _inline_text(token: object) -> str:
    """Plain text of an inline token: markup dropped, raw HTML kept as literal text."""
    parts = []
    for child in token.children or []:  # type: ignore[attr-defined]
        if child.type in ("text", "code_inline", "html_inline"):
            parts.append(child.content)
        elif child.type == "softbreak":
            parts.append(" ")
        elif child.type == "hardbreak":
            parts.append("\n")
        elif child.type == "image":
            parts.append(child.content)
    return "".join(parts)
