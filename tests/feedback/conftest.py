"""Fixtures for the feedback tests: a steering officer, an organisation account, a published draft."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from docx import Document as DocxDocument

from core.db import utc_now
from core.models import OrganisationKind, Role
from feedback.importers import parse_markdown
from feedback.models import ModerationMode
from feedback.services.comments import ResidentAuthor, submit_comment
from feedback.services.documents import create_document
from feedback.services.versions import add_version, publish_version, set_window
from tests.factories import make_organisation, make_user

DRAFT_MD = """# I. Kết quả thực hiện

Toàn tỉnh có 45/89 xã đạt chuẩn nông thôn mới.

Thu nhập bình quân đầu người khu vực nông thôn tăng gấp 2,5 lần.

# II. Tồn tại, hạn chế

Một số tiêu chí chưa bền vững, nhất là tiêu chí môi trường.

# III. Phương hướng

Tiếp tục huy động nguồn lực xã hội hóa.
"""


def build_docx(*, with_table: bool = True) -> bytes:
    """A small draft report made with python-docx: a title, headings, text, a list and a table."""
    doc = DocxDocument()
    doc.add_paragraph("Lời mở đầu trước mọi tiêu đề.")
    doc.add_heading("Phần I. Đặc điểm tình hình", level=1)
    doc.add_paragraph("Tỉnh Vĩnh Long có 8 đơn vị hành chính cấp huyện.")
    doc.add_paragraph("Xây dựng kết cấu hạ tầng", style="List Bullet")
    doc.add_heading("1. Kết quả đạt được", level=2)
    doc.add_paragraph("Đã có 45 xã đạt chuẩn.")
    if with_table:
        table = doc.add_table(rows=3, cols=3)
        for r, row in enumerate([("Huyện", "Số xã", "Đạt chuẩn"), ("Long Hồ", "14", "9"), ("Mang Thít", "12", "6")]):
            for c, value in enumerate(row):
                table.cell(r, c).text = value
    doc.add_paragraph("Đoạn sau bảng.")
    doc.add_heading("Phần II. Phương hướng", level=1)
    doc.add_paragraph("Tiếp tục nâng cao chất lượng các tiêu chí.")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


@pytest.fixture
def officer(session, areas):
    """A steering officer of district 857 (Long Hồ)."""
    user = make_user(session, role=Role.OFFICER, area_code="857", email="bcd@example.vn", full_name="Nguyễn Văn Bình")
    session.commit()
    return user


@pytest.fixture
def org_user(session, areas):
    """The official of the Fatherland Front of commune 29578."""
    org = make_organisation(session, areas["29578"], name="Ban Thường trực UBMTTQ xã Đồng Phú")
    user = make_user(session, role=Role.ORGANISATION, area_code="29578", organisation=org, email="mttq@example.vn")
    session.commit()
    return user


@pytest.fixture
def womens_union_user(session, areas):
    """An official of the women's union of commune 29581."""
    org = make_organisation(
        session, areas["29581"], name="Hội LHPN xã Bình Hòa Phước", kind=OrganisationKind.WOMENS_UNION
    )
    user = make_user(session, role=Role.ORGANISATION, area_code="29581", organisation=org, email="phunu@example.vn")
    session.commit()
    return user


def make_published(session, officer, areas, *, text: str = DRAFT_MD, moderation=ModerationMode.POST,
                   title: str = "Dự thảo báo cáo tổng kết", area_code: str = "857") -> Any:
    """A document with one published version, open for a week."""
    document = create_document(session, title=title, area=areas[area_code], moderation=moderation, actor=officer)
    version = add_version(session, document, parse_markdown(text.encode()), filename="du-thao.md",
                          data=text.encode(), actor=officer)
    set_window(session, version, opens_at=utc_now() - timedelta(days=1), closes_at=utc_now() + timedelta(days=7),
               actor=officer)
    publish_version(session, version, actor=officer)
    session.commit()
    return document


def add_comment(session, document, anchor="s1-p1", body="Góp ý", author=None):
    """A comment on a paragraph of the published version, by an anonymous resident unless ``author`` says."""
    version = document.current_version
    target = next(p for p in version.paragraphs if p.anchor == anchor)
    comment = submit_comment(session, version, target, body=body, author=author or ResidentAuthor())
    session.commit()
    return comment


@pytest.fixture
def document(session, officer, areas):
    """A published draft under post-moderation, open now."""
    return make_published(session, officer, areas)


def link_label(page: str, anchor: str) -> str:
    """The visible text of the comment link of paragraph ``anchor`` on a reading page (tags dropped)."""
    import re

    match = re.search(rf'<a href="/feedback/\w+/\d+/{re.escape(anchor)}">(.*?)</a>', page, re.S)
    assert match, f"no comment link for {anchor}"
    return " ".join(re.sub(r"<[^>]+>", "", match.group(1)).split())
