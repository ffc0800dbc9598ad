"""A resident reads the draft and comments on a paragraph from a phone, in Debian's Chromium."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.models import Role
from feedback.models import Comment
from tests.factories import build_area_tree, make_user
from tests.feedback.conftest import make_published

pytestmark = pytest.mark.browser


def seed(live_server) -> str:
    with live_server.app.app_context():
        session = live_server.session()
        areas = build_area_tree(session)
        officer = make_user(session, role=Role.OFFICER, area_code="857", email="bcd@example.vn")
        code = make_published(session, officer, areas).code
        session.close()
    return code


def test_resident_comments_on_a_paragraph_from_a_phone(live_server, phone):
    code = seed(live_server)
    phone.goto(f"{live_server.url}/d/{code}")
    assert phone.locator("h1").inner_text() == "Dự thảo báo cáo tổng kết"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.click("#toc-title ~ ol >> text=II. Tồn tại, hạn chế")
    phone.click("#s2-p1 >> text=Góp ý")
    assert "Một số tiêu chí chưa bền vững" in phone.locator("blockquote").inner_text()
    phone.fill("#body", "Đề nghị nêu rõ các xã chưa đạt tiêu chí môi trường.")
    phone.fill("#commune", "Xã Đồng Phú")
    phone.check("#consent")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.click("button[type=submit] >> text=Gửi góp ý")
    session = live_server.session()
    comment = session.scalars(select(Comment)).one()
    assert (comment.paragraph.anchor, comment.resident_commune) == ("s2-p1", "Xã Đồng Phú")
    session.close()
    confirmation = phone.locator(".flash")
    assert f"Mã góp ý của bạn: {comment.reference}" in confirmation.inner_text()
    assert_on_screen_without_scrolling(phone, confirmation)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.click(f"text={live_server.url}/feedback/comment/{comment.reference}")
    assert phone.locator("#comment-status").inner_text() == "Đang xem xét, chưa có ý kiến tiếp thu"
    phone.goto(f"{live_server.url}/d/{code}")
    assert " ".join(phone.locator("#s2-p1 .para-tools a").text_content().split()) == "Góp ý cho đoạn 3 (1)"


def assert_on_screen_without_scrolling(page, locator) -> None:
    """The element lies inside the 360×740 screen as the page opens, not above or below it."""
    assert page.evaluate("window.scrollY") == 0
    box = locator.bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 740


def test_reading_and_commenting_work_without_javascript(live_server, phone_without_javascript):
    page = phone_without_javascript
    code = seed(live_server)
    page.goto(f"{live_server.url}/feedback/{code}/1/s1-p1")
    page.fill("#body", "Góp ý không cần JavaScript.")
    page.click("button[type=submit] >> text=Gửi góp ý")
    assert_on_screen_without_scrolling(page, page.locator(".flash >> text=Mã góp ý của bạn"))
    page.goto(f"{live_server.url}/feedback/{code}")
    assert " ".join(page.locator("#s1-p1 .para-tools a").text_content().split()) == "Góp ý cho đoạn 1 (1)"
