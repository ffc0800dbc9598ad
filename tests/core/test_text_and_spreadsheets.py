"""Exports survive any stored text; forms refuse control characters; numbers stay numbers."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from core.models import Organisation, Role
from core.spreadsheets import iter_csv, safe_cell, write_xlsx
from core.text import has_control_characters, xml_text
from tests.factories import make_user


@pytest.mark.parametrize(
    "value, exported",
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("-2e3", "'-2e3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("-5", "-5"),
        ("+5", "+5"),
        ("-0.25", "-0.25"),
        ("12", "12"),
        (-5, -5),
        (-2.5, -2.5),
        ("Đường làng - ngõ xóm", "Đường làng - ngõ xóm"),
    ],
)
def test_formulas_in_text_are_neutralised_and_numbers_left_alone(value, exported):
    assert safe_cell(value) == exported


def test_a_negative_answer_is_a_plain_number_in_csv():
    rows = list(csv.reader(io.StringIO("".join(iter_csv(["id", "q1"], [[1, "-5"], [2, -5]])).lstrip("\ufeff"))))
    assert rows[1:] == [["1", "-5"], ["2", "-5"]]


def read_xlsx(sheets):
    out = io.BytesIO()
    write_xlsx(sheets, out)
    out.seek(0)
    workbook = load_workbook(out)
    return [[cell.value for cell in row] for row in workbook.worksheets[0].iter_rows()], workbook.worksheets[0]


def test_xlsx_survives_every_control_character_and_keeps_the_words_apart():
    every_control = "".join(chr(c) for c in range(32)) + "\ud800\ufffe"
    rows, _sheet = read_xlsx(
        [("responses", ["câu\x0bhỏi", "serial"], [["Đường\x0blàng có sạch không?", "A\x0bB"], [every_control, "ok"]])]
    )
    assert rows[0] == ["câu hỏi", "serial"]
    assert rows[1] == ["Đường làng có sạch không?", "A B"]
    assert rows[2] == ["'\t\n  \r", "ok"]  # a tab first: neutralised as well


def test_xlsx_keeps_numbers_as_numbers_and_formulas_as_text():
    rows, sheet = read_xlsx([("responses", ["a", "b", "c"], [[-5, "-5", "=1+1"]])])
    assert rows[1] == [-5, "-5", "'=1+1"]
    assert sheet["A2"].data_type == "n"
    assert sheet["C2"].data_type == "s"


@pytest.mark.parametrize(
    "text, cleaned",
    [
        ("plain Vietnamese: Ấp Phú Mỹ", "plain Vietnamese: Ấp Phú Mỹ"),
        ("a\x00b\x1fc", "abc"),
        ("a\x0cb", "a b"),
        ("a\tb\nc\rd", "a\tb\nc\rd"),
        ("\ud83d", ""),
        ("😀", "😀"),
    ],
)
def test_xml_text_drops_only_what_xml_cannot_hold(text, cleaned):
    assert xml_text(text) == cleaned


@pytest.mark.parametrize("text, refused", [("a\x0bb", True), ("a\x7f", True), ("a\tb\r\nc", False), ("Ấp", False)])
def test_control_characters_are_recognised(text, refused):
    assert has_control_characters(text) is refused


class TestForms:
    @pytest.fixture
    def admin(self, session, areas):
        user = make_user(session, role=Role.ADMIN, email="admin@tinh.vn")
        session.commit()
        return user

    def test_a_staff_form_refuses_a_pasted_line_break_with_a_message(self, client, auth, session, admin):
        auth.login("admin@tinh.vn")
        response = client.post(
            "/admin/organisations",
            data={"name": "Hội Nông dân\x0bxã Đồng Phú", "kind": "hoi_nong_dan", "area_code": "857"},
        )
        assert response.status_code == 200
        assert "Có ký tự điều khiển không hợp lệ" in response.get_data(as_text=True)
        assert session.scalar(select(func.count()).select_from(Organisation)) == 0

    def test_the_message_is_english_for_an_english_reader(self, client, auth, admin):
        auth.login("admin@tinh.vn")
        client.get("/lang/en")
        page = client.post("/admin/organisations", data={"name": "a\x07b", "kind": "hoi_nong_dan", "area_code": "857"})
        assert "control character" in page.get_data(as_text=True)

    def test_the_sign_in_form_refuses_one_too(self, client, admin):
        page = client.post("/auth/login", data={"email": "admin@tinh.vn\x1b", "password": "x"}).get_data(as_text=True)
        assert "Có ký tự điều khiển không hợp lệ" in page
