"""The home page and sign-in in a real browser on a phone-sized screen."""

from __future__ import annotations

import pytest

from core.demo import DEMO_PASSWORD, seed_core

pytestmark = pytest.mark.browser


def test_officer_signs_in_on_a_phone(live_server, phone):
    with live_server.app.app_context():
        session = live_server.session()
        seed_core(session)
        session.commit()
    phone.goto(live_server.url + "/")
    assert phone.locator("html").get_attribute("lang") == "vi"
    phone.click("text=Cán bộ đăng nhập")
    phone.fill("#email", "bcd.longho@demo.ntm.vn")
    phone.fill("#password", DEMO_PASSWORD)
    phone.click("button[type=submit]")
    assert phone.locator("h1").inner_text() == "Trang làm việc"
    # Nothing overflows sideways on a 360 px screen.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360


def test_wrong_password_shows_one_vague_message_without_javascript(live_server, phone_without_javascript):
    page = phone_without_javascript
    page.goto(live_server.url + "/auth/login")
    page.fill("#email", "nobody@example.vn")
    page.fill("#password", "wrong password")
    page.click("button[type=submit]")
    assert "Thư điện tử hoặc mật khẩu không đúng." in page.content()
