"""Pages that only show a link may reuse what was read up to SURVEY_PAGE_MAX_AGE ago; submissions never do."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from surveys.formcache import BoundedCache
from surveys.models import Response, SurveyStatus
from tests.surveys.conftest import valid_answers
from tests.surveys.test_respond import form_token, post_form


@pytest.fixture
def app_config():
    return {"SURVEY_PAGE_MAX_AGE": 1.0}


@pytest.fixture
def clock(app):
    """The recent links' clock, moved by hand."""
    now = [1000.0]
    app.extensions["surveys.recent_links"].clock = lambda: now[0]
    return now


def page(client, link) -> str:
    return client.get(f"/s/{link.code}").get_data(as_text=True)


def test_a_new_title_shows_once_the_copy_read_earlier_is_older_than_max_age(client, session, link, survey, clock):
    assert survey.title in page(client, link)
    survey.title = "Tiêu đề vừa sửa"
    session.commit()
    clock[0] += 0.5
    assert "Tiêu đề vừa sửa" not in page(client, link)  # what a request half a second earlier saw
    clock[0] += 0.5
    assert "Tiêu đề vừa sửa" in page(client, link)


def test_a_survey_closed_a_moment_ago_stores_nothing_even_from_a_form_shown_after_closing(
    client, session, link, survey, clock
):
    page(client, link)
    survey.status = SurveyStatus.CLOSED
    session.commit()
    html = page(client, link)  # the copy read before closing: the form still shows
    assert 'name="token"' in html
    answer = post_form(client, link, valid_answers(survey), form_token(html))
    assert answer.status_code == 410
    assert session.scalar(select(func.count()).select_from(Response)) == 0


def test_the_thank_you_page_shares_the_copy(client, session, link, survey, clock):
    old_name = link.area.name
    page(client, link)
    link.area.name = "Xã Vừa Đổi Tên"
    session.commit()
    assert old_name in client.get(f"/s/{link.code}/cam-on").get_data(as_text=True)
    clock[0] += 1
    assert "Xã Vừa Đổi Tên" in client.get(f"/s/{link.code}/cam-on").get_data(as_text=True)


def test_a_code_not_found_is_not_remembered(client, session, link, clock):
    assert client.get("/s/ma-moi").status_code == 404
    link.code = "ma-moi"
    session.commit()
    assert client.get("/s/ma-moi").status_code == 200


def test_at_most_size_entries_are_kept_the_least_recently_used_go_first():
    now = [0.0]
    recent = BoundedCache(2, max_age=10.0, clock=lambda: now[0])
    recent.put("a", "A")
    recent.put("b", "B")
    assert recent.get("a") == "A"  # read: now the most recently used
    recent.put("c", "C")
    assert (recent.get("a"), recent.get("b"), recent.get("c")) == ("A", None, "C")


def test_max_age_zero_keeps_nothing():
    recent = BoundedCache(1024, max_age=0.0)
    recent.put("a", "A")
    assert recent.get("a") is None
