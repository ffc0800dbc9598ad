"""A resident answers on a 360×740 phone in Debian's Chromium, with and without JavaScript."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from surveys.models import Response
from tests.surveys.conftest import open_survey

pytestmark = pytest.mark.browser


def answer_everything(page) -> None:
    """Tap the first choice of every radio group (by its label) and type a comment."""
    radios = page.locator("input[type=radio]")
    seen = set()
    for i in range(radios.count()):
        radio = radios.nth(i)
        name = radio.get_attribute("name")
        if name not in seen:
            seen.add(name)
            page.locator(f"label:has(input[name={name}])").first.tap()
    page.fill("textarea", "Đường vào ấp cần sửa.")


def stored(live_server) -> int:
    session = live_server.session()
    try:
        return session.scalar(select(func.count()).select_from(Response))
    finally:
        session.close()


def test_resident_answers_on_a_phone_and_sees_thanks(live_server, phone):
    phone.goto(open_survey(live_server))
    assert "Xã Đồng Phú" in phone.content()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.click("button[type=submit]")  # nothing answered yet: the summary lists the fields
    assert phone.locator(".error-summary a").count() > 10
    answer_everything(phone)
    phone.click("button[type=submit]")
    assert phone.locator("h1").inner_text() == "Cảm ơn ông/bà đã trả lời phiếu!"
    assert stored(live_server) == 1


def test_resident_answers_with_javascript_off(live_server, phone_without_javascript):
    page = phone_without_javascript
    page.goto(open_survey(live_server))
    answer_everything(page)
    page.click("button[type=submit]")
    assert "Cảm ơn ông/bà đã trả lời phiếu!" in page.content()
    assert stored(live_server) == 1


def test_a_stacked_table_reads_on_a_phone_without_sideways_scrolling(live_server, phone):
    """The indices table (eight columns) becomes one card per commune at 360 px; the survey page's links are
    tap-sized."""
    from core.models import Role
    from surveys.models import SurveyArea
    from surveys.respond.store import record_response
    from tests.factories import DEFAULT_PASSWORD, make_user
    from tests.surveys.conftest import valid_answers

    short = open_survey(live_server)
    with live_server.app.app_context():
        session = live_server.session()
        link = session.scalar(select(SurveyArea).where(SurveyArea.code == short.rsplit("/", 1)[1]))
        for _ in range(3):
            record_response(session, link, valid_answers(link.survey), channel="link")
        make_user(session, role=Role.ADMIN, email="admin@phone.vn")
        survey_id = link.survey_id
        session.commit()
        session.close()
    phone.goto(f"{live_server.url}/auth/login")
    phone.fill("#email", "admin@phone.vn")
    phone.fill("#password", DEFAULT_PASSWORD)
    phone.click("button[type=submit]")
    phone.goto(f"{live_server.url}/surveys/{survey_id}/indices")
    table = phone.locator("table.stack").first
    assert table.locator("tbody tr").first.evaluate("tr => getComputedStyle(tr).display") == "block"
    assert table.evaluate(
        "t => t.parentElement.scrollWidth <= t.parentElement.clientWidth"
    )  # no scrolling inside its box
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    # the survey page's actions and its per-commune QR and poster links are big enough to tap
    phone.goto(f"{live_server.url}/surveys/{survey_id}")
    heights = phone.eval_on_selector_all(
        ".actions a, td.tap a", "links => links.map(a => a.getBoundingClientRect().height)"
    )
    assert len(heights) >= 10 and min(heights) >= 44
