"""A resident reads the draft and comments on a paragraph from a phone, in Debian's Chromium."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.models import Role
from feedback.models import Comment
from feedback.services.documents import find_document
from tests.factories import DEFAULT_PASSWORD, build_area_tree, make_user
from tests.feedback.conftest import add_comment, make_published

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
    phone.select_option("#commune", "Xã Đồng Phú")
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
    for address in (f"/feedback/{code}/answers?section=s2", "/feedback/privacy", "/feedback/comment"):
        phone.goto(f"{live_server.url}{address}")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 360, address


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


def test_officer_filters_answers_in_context_and_hides_after_confirming(live_server, phone_without_javascript):
    page = phone_without_javascript
    code = seed(live_server)
    with live_server.app.app_context():
        session = live_server.session()
        document = find_document(session, code)
        waiting = add_comment(session, document, "s2-p1", body="Cần nêu rõ xã nào chưa đạt.")
        spam = add_comment(session, document, "s1-p1", body="Mua hàng giá rẻ tại đây")
        waiting_id, spam_id = waiting.id, spam.id
        session.close()
    page.goto(f"{live_server.url}/auth/login")
    page.fill("#email", "bcd@example.vn")
    page.fill("#password", DEFAULT_PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/feedback/manage/{code}/comments")
    page.click(".actions >> text=Chưa trả lời")
    page.get_by_label(f"Chọn góp ý số {waiting_id}").check()
    page.click("text=Trả lời các góp ý đã chọn")
    card = page.locator(f"#c{waiting_id}")
    assert "II. Tồn tại, hạn chế" in card.inner_text()
    assert "Một số tiêu chí chưa bền vững" in card.locator("blockquote").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.goto(f"{live_server.url}/feedback/manage/{code}/comments?status=unanswered")
    page.click(f"#c{spam_id} >> text=Ẩn góp ý…")
    page.click(f"text=Xác nhận ẩn góp ý số {spam_id}")  # no reason chosen: the browser asks for one
    assert f"/feedback/manage/comments/{spam_id}/hide" in page.url
    page.get_by_label("Quảng cáo, tin rác").check()
    page.click(f"text=Xác nhận ẩn góp ý số {spam_id}")
    page.click(".actions >> text=Đã ẩn")
    assert "Mua hàng giá rẻ tại đây" in page.locator(f"#c{spam_id}").inner_text()
