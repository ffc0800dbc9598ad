"""Pages may reuse a link read up to SURVEY_PAGE_MAX_AGE ago; a submission judged by such a copy is
stored only if its write finds the survey still open with the same version, else judged afresh."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from surveys.models import QuestionType, Response, SurveyStatus
from surveys.respond.store import record_response
from surveys.services.builder import change_question
from surveys.services.surveys import find_question
from tests.surveys.conftest import fields_of, valid_answers
from tests.surveys.respond.test_views import form_token, post_form


@pytest.fixture
def app_config():
    return {"SURVEY_PAGE_MAX_AGE": 1.0}


@pytest.fixture
def clock(app):
    """The recent links' clock, moved by hand."""
    now = [1000.0]
    app.extensions["surveys.recent_links"].cache.clock = lambda: now[0]
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


def test_answers_sent_after_a_new_version_are_stored_under_the_new_version_not_the_copy(
    app, client, session, officer, link, survey, clock
):
    freeze(app, session, link, survey)
    html = page(client, link)  # the copy: version 1
    answers = valid_answers(survey) | {"q30": ["7"]}  # valid for both versions
    with app.app_context():
        change_question(session, survey, officer, "q05", fields_of(
            find_question(survey.current_version, "q05"), type=QuestionType.NUMBER, min_value=0, max_value=10))
    session.commit()
    assert post_form(client, link, answers, form_token(html)).status_code == 303
    stored = session.scalars(select(Response).order_by(Response.id.desc())).first()
    assert stored.version_id == survey.current_version.id and stored.answers["q30"] == "7"


def test_a_version_nobody_answered_yet_is_read_afresh_by_a_submission(
    app, client, session, officer, link, survey, clock
):
    html = page(client, link)  # the copy, of a version that may still be edited in place
    with app.app_context():
        change_question(session, survey, officer, "q05", fields_of(
            find_question(survey.current_version, "q05"), type=QuestionType.NUMBER, min_value=5, max_value=10))
    session.commit()
    answer = post_form(client, link, valid_answers(survey) | {"q05": ["4"]}, form_token(html))
    assert answer.status_code == 400 and 'href="#q05"' in answer.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Response)) == 0


def test_a_form_refused_by_the_copy_is_judged_again_by_a_fresh_read(app, client, session, link, survey, clock):
    freeze(app, session, link, survey)
    html = page(client, link)  # the copy: no hamlet 29578-09 yet
    hamlet = next(iter(link.area.children))
    hamlet.code = "29578-09"
    session.commit()
    assert post_form(client, link, valid_answers(survey, "29578-09"), form_token(html)).status_code == 303


def test_a_survey_closed_after_its_first_answers_stores_nothing_from_a_form_judged_by_the_copy(
    app, client, session, link, survey, clock
):
    freeze(app, session, link, survey)
    html = page(client, link)  # the copy: open
    survey.status = SurveyStatus.CLOSED
    session.commit()
    assert post_form(client, link, valid_answers(survey), form_token(html)).status_code == 410
    assert session.scalar(select(func.count()).select_from(Response)) == 1


def test_a_copy_that_says_closed_is_not_trusted_after_a_reopening(app, client, session, link, survey, clock):
    freeze(app, session, link, survey)
    html = page(client, link)
    survey.status = SurveyStatus.CLOSED
    session.commit()
    clock[0] += 1
    assert client.get(f"/s/{link.code}").status_code == 410  # the copy now says closed
    survey.status = SurveyStatus.OPEN
    session.commit()
    assert post_form(client, link, valid_answers(survey), form_token(html)).status_code == 303
    assert session.scalar(select(func.count()).select_from(Response)) == 2


def freeze(app, session, link, survey) -> None:
    """A first response: the version can no longer change, so submissions may be judged by the copy."""
    with app.app_context():
        record_response(session, link, valid_answers(survey), channel="link")
    session.commit()


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
