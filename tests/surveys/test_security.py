"""The form's one-time token as CSRF protection, and the per-client rate limit on submissions."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from surveys import formtoken
from surveys.models import Response
from tests.surveys.conftest import valid_answers


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True, "RATELIMIT_ENABLED": True, "SURVEY_SUBMIT_RATE_LIMIT": "3 per minute"}


def fields(html):
    return dict(re.findall(r'name="(csrf_token|token)" value="([^"]+)"', html))


def stored(session):
    return session.scalar(select(func.count()).select_from(Response))


def test_a_resident_gets_one_form_cookie_and_no_session(client, link):
    page = client.get(f"/s/{link.code}")
    cookies = page.headers.getlist("Set-Cookie")
    assert len(cookies) == 1 and cookies[0].startswith(f"{formtoken.COOKIE}=")
    assert all(flag in cookies[0] for flag in ("HttpOnly", "SameSite=Lax", "Path=/s/"))
    assert "csrf_token" not in page.get_data(as_text=True)
    assert client.get(f"/s/{link.code}").headers.get("Set-Cookie") is None  # kept, not set again


def test_a_form_posted_without_the_form_cookie_is_refused(app, client, session, link, survey):
    hidden = fields(client.get(f"/s/{link.code}").get_data(as_text=True))
    cookieless = app.test_client()  # what a form on another site sends: SameSite keeps the cookie back
    page = cookieless.post(f"/s/{link.code}", data=valid_answers(survey) | hidden)
    assert page.status_code == 400
    assert "cho phép cookie" in page.get_data(as_text=True)
    assert 'value="4" checked' in page.get_data(as_text=True)  # the answers are kept
    assert stored(session) == 0
    # the refusal set the cookie and a token for it: sending the page again stores it
    again = cookieless.post(f"/s/{link.code}", data=valid_answers(survey) | fields(page.get_data(as_text=True)))
    assert again.status_code == 303 and stored(session) == 1


def test_a_token_minted_for_another_browser_is_refused(app, client, session, link, survey):
    theirs = fields(app.test_client().get(f"/s/{link.code}").get_data(as_text=True))
    client.get(f"/s/{link.code}")  # this browser has its own cookie
    page = client.post(f"/s/{link.code}", data=valid_answers(survey) | theirs)
    assert page.status_code == 400 and "Phiếu đã hết hạn" in page.get_data(as_text=True)
    assert stored(session) == 0


def test_a_post_the_browser_marks_as_cross_site_is_refused(client, session, link, survey):
    hidden = fields(client.get(f"/s/{link.code}").get_data(as_text=True))
    page = client.post(f"/s/{link.code}", data=valid_answers(survey) | hidden, headers={"Sec-Fetch-Site": "cross-site"})
    assert page.status_code == 400
    assert stored(session) == 0


def test_a_forged_or_foreign_token_is_refused(client, session, link, survey, app):
    client.get(f"/s/{link.code}")
    browser = client.get_cookie(formtoken.COOKIE, domain="ntm.test", path="/s/").value
    for token in ("not-a-token", formtoken.issue("another secret", link.id, browser),
                  formtoken.issue(app.secret_key, link.id + 1, browser)):
        page = client.post(f"/s/{link.code}", data=valid_answers(survey) | {"token": token})
        assert page.status_code == 400, token
    assert stored(session) == 0


def test_submission_with_csrf_token_is_accepted_then_rate_limited(client, session, link, survey):
    statuses = []
    for _ in range(4):
        hidden = fields(client.get(f"/s/{link.code}").get_data(as_text=True))
        statuses.append(client.post(f"/s/{link.code}", data=valid_answers(survey) | hidden).status_code)
    assert statuses == [303, 303, 303, 429]
    limited = client.post(f"/s/{link.code}", data=valid_answers(survey) | hidden)
    assert "Vui lòng đợi một phút" in limited.get_data(as_text=True)
    assert 'value="4" checked' in limited.get_data(as_text=True)  # the answers are still there
    assert session.scalar(select(func.count()).select_from(Response)) == 3
