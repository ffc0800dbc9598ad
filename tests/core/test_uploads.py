"""Uploaded tables are read lazily and within bounds: refused early with a message, never a 500."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook

from core.spreadsheets import MAX_CELL_CHARS, UnreadableUpload, check_archive, read_rows

ROW = b'<row><c t="inlineStr"><is><t>a</t></is></c><c t="n"><v>3</v></c></row>'


def xlsx(rows: list[list[object]]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("s")
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def with_sheet_data(sheet_data: bytes) -> bytes:
    """A valid workbook whose first sheet's rows are replaced by ``sheet_data`` (compressed, as an attacker's).

    It declares its dimension, as Excel does: without one, openpyxl scans the whole sheet once
    before the first row (a cost bounded by MAX_UNPACKED_BYTES).
    """
    original = zipfile.ZipFile(io.BytesIO(xlsx([["x"]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as forged:
        for name in original.namelist():
            content = original.read(name)
            if name == "xl/worksheets/sheet1.xml":
                head, _rows, tail = content.partition(b"<sheetData>")[0], None, content.partition(b"</sheetData>")[2]
                content = head + b'<dimension ref="A1:B2"/><sheetData>' + sheet_data + b"</sheetData>" + tail
            forged.writestr(name, content)
    return out.getvalue()


def test_rows_of_a_workbook_as_text_without_blank_rows():
    data = xlsx([["code", "n"], [None, None], ["29578", 3.0], ["x", 2.5]])
    assert read_rows("margins.xlsx", data, max_rows=10) == [["code", "n"], ["29578", "3"], ["x", "2.5"]]


def test_rows_of_a_csv_with_semicolons_and_a_bom():
    data = "\ufeffcode;n\n\n29578;3\n".encode()
    assert read_rows("margins.csv", data, max_rows=10) == [["code", "n"], ["29578", "3"]]


def test_a_workbook_is_refused_at_its_first_row_past_the_limit_without_reading_the_rest():
    # Damaged XML after 5,000 rows (past the XML parser's read-ahead): a reader that went on would fail there.
    data = with_sheet_data(ROW * 5_000 + b"<row><c><v>unclosed")
    with pytest.raises(UnreadableUpload, match="hơn 100 dòng"):
        read_rows("paper.xlsx", data, max_rows=100)


def test_every_row_is_read_even_past_the_dimension_the_file_declares():
    rows = read_rows("paper.xlsx", with_sheet_data(ROW * 5), max_rows=10)  # declares A1:B2
    assert rows == [["a", "3"]] * 5


def test_a_small_file_unpacking_to_a_million_rows_is_refused_before_parsing():
    data = with_sheet_data(ROW * 1_000_000)
    assert len(data) < 1_000_000  # a few hundred KB at most
    with pytest.raises(UnreadableUpload, match="giải nén ra hơn 64 MB"):
        read_rows("paper.xlsx", data, max_rows=20_000)


@pytest.mark.parametrize(
    "data",
    [b"", b"PK\x03\x04 not a zip", xlsx([["a"]])[:-30], b"PK\x05\x06" + b"\x00" * 18],
    ids=["empty", "a local header only", "damaged central directory", "an empty directory record"],
)
def test_a_damaged_archive_is_refused_with_a_message(data):
    with pytest.raises(UnreadableUpload, match="hỏng"):
        read_rows("paper.xlsx", data, max_rows=10)


def test_check_archive_serves_docx_too():
    with pytest.raises(UnreadableUpload):
        check_archive(b"PK\x03\x04 broken docx")


def test_a_cell_over_excels_limit_is_refused():
    with pytest.raises(UnreadableUpload, match="Dòng 2 có một ô dài hơn"):
        read_rows("x.csv", ("a,b\n1," + "x" * (MAX_CELL_CHARS + 1) + "\n").encode(), max_rows=10)


def test_a_csv_field_over_the_csv_modules_limit_is_refused():
    with pytest.raises(UnreadableUpload, match="Không đọc được tệp CSV"):
        read_rows("x.csv", ("a,b\n1,\"" + "x" * 200_000 + "\"\n").encode(), max_rows=10)


def test_a_csv_that_is_not_utf8_is_refused():
    with pytest.raises(UnreadableUpload, match="UTF-8"):
        read_rows("x.csv", "ma,ten\n1,Ấp\n".encode("utf-16"), max_rows=10)


def test_a_csv_is_refused_past_its_row_limit():
    with pytest.raises(UnreadableUpload, match="hơn 3 dòng"):
        read_rows("x.csv", b"h\n1\n2\n3\n4\n", max_rows=3)
