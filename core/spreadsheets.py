"""Tables in and out, shared by features: safe exports (CSV streamed row by row, XLSX in write-only
mode) and bounded reading of uploaded CSV and XLSX files.

Every text cell that a spreadsheet would read as a formula (= + - @, tab, CR) is prefixed
with an apostrophe (OWASP "CSV injection"); numbers, and text that is only a number
("-5", as answers to number questions are stored), are left as they are: no spreadsheet
runs them. XLSX cells also lose the characters XML cannot hold (``core.text.xml_text``).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from flask_babel import gettext as _
from openpyxl import Workbook, load_workbook

from core.text import xml_text

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# A plain decimal number, as a spreadsheet reads it; "-1+2" or "-2e3" are not.
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)", re.ASCII)


def safe_cell(value: Any) -> Any:
    """Neutralise a text value that could run as a formula; numbers and numeric text pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def safe_xlsx_cell(value: Any) -> Any:
    """``safe_cell`` for a workbook: also without the characters XML cannot hold."""
    return safe_cell(xml_text(value)) if isinstance(value, str) else value


def iter_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """CSV text chunk by chunk (UTF-8 BOM first, so Excel reads Vietnamese correctly)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff"
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow(["" if v is None else safe_cell(v) for v in row])
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def write_xlsx(
    sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence[Any]]]], out: io.BufferedIOBase | io.BytesIO
) -> None:
    """Write sheets of (title, header, rows) to ``out``; write-only mode keeps memory flat."""
    workbook = Workbook(write_only=True)
    for title, header, rows in sheets:
        sheet = workbook.create_sheet(title=title[:31])
        sheet.append([safe_xlsx_cell(h) for h in header])
        for row in rows:
            sheet.append([safe_xlsx_cell(v) for v in row])
    workbook.save(out)


# An upload is refused before a parser reads it past these: a 140 KB XLSX holding a million rows
# took 17.6 s and 131 MB of a worker, read whole before its row count was refused.
MAX_UNPACKED_BYTES = 64 * 1024 * 1024  # what an XLSX or DOCX (ZIP archives) may unpack to
MAX_ARCHIVE_MEMBERS = 10_000
MAX_CELL_CHARS = 32_767  # Excel's own limit for a cell


class UnreadableUpload(ValueError):
    """An uploaded file that cannot be read within the limits; the message says why, for the user."""


def check_archive(data: bytes, *, max_unpacked: int = MAX_UNPACKED_BYTES) -> None:
    """Refuse a damaged ZIP archive (XLSX, DOCX) or one that would unpack to more than ``max_unpacked``.

    The sizes are those the archive declares; Python's zipfile, which openpyxl and python-docx
    read through, never unpacks a member past its declared size.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise UnreadableUpload(_("Tệp bị hỏng hoặc không phải là tệp Excel/Word (.xlsx, .docx).")) from None
    if len(members) > MAX_ARCHIVE_MEMBERS or sum(m.file_size for m in members) > max_unpacked:
        raise UnreadableUpload(
            _("Tệp giải nén ra hơn %(mb)d MB; hãy chia thành nhiều tệp nhỏ hơn.", mb=max_unpacked // (1024 * 1024))
        )


def read_rows(filename: str, data: bytes, *, max_rows: int) -> list[list[str]]:
    """The non-blank rows of an uploaded CSV (UTF-8, comma or semicolon) or XLSX (first sheet), as text.

    Read lazily: refused as soon as the file shows more than ``max_rows`` rows (the header
    counts), or a cell longer than MAX_CELL_CHARS, without reading the rest.
    """
    rows = _xlsx_rows(data) if filename.lower().endswith(".xlsx") else _csv_rows(data)
    kept: list[list[str]] = []
    try:
        for row in rows:
            if not any(cell.strip() for cell in row):
                continue  # blank lines, and rows Excel keeps formatted but empty
            if len(kept) == max_rows:
                raise UnreadableUpload(_("Tệp có hơn %(n)d dòng; hãy chia thành nhiều tệp.", n=max_rows))
            if any(len(cell) > MAX_CELL_CHARS for cell in row):
                raise UnreadableUpload(
                    _("Dòng %(line)d có một ô dài hơn %(n)d ký tự.", line=len(kept) + 1, n=MAX_CELL_CHARS)
                )
            kept.append(row)
    except csv.Error as exc:  # a field over the csv module's own limit (131,072 characters), mostly
        message = _("Không đọc được tệp CSV (dòng %(line)d): %(e)s", line=len(kept) + 1, e=str(exc))
        raise UnreadableUpload(message) from None
    finally:
        rows.close()
    return kept


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableUpload(_("Tệp CSV phải là văn bản UTF-8.")) from None
    try:  # Excel in a Vietnamese locale saves CSV with semicolons
        dialect: Any = csv.Sniffer().sniff(text[:2048], delimiters=",;")
    except csv.Error:
        dialect = csv.excel
    yield from csv.reader(io.StringIO(text), dialect)


def _xlsx_rows(data: bytes) -> Iterator[list[str]]:
    check_archive(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged file
        raise UnreadableUpload(_("Tệp bị hỏng hoặc không phải là tệp Excel/Word (.xlsx, .docx).")) from None
    sheet = workbook.active
    sheet.reset_dimensions()  # read to the last row, not to the one the file declares (it may lie)
    try:
        for values in sheet.iter_rows(values_only=True):
            yield ["" if value is None else _cell_text(value) for value in values]
    except Exception:  # damaged XML further down the sheet
        raise UnreadableUpload(_("Tệp bị hỏng hoặc không phải là tệp Excel/Word (.xlsx, .docx).")) from None
    finally:
        workbook.close()


def _cell_text(value: object) -> str:
    """A cell as the text typed: 3.0 as "3", as a CSV holds it."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
