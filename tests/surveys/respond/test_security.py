"""The form's one-time token as CSRF protection, and the per-client rate limit on submissions."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from core.extensions import client_fingerprint, limiter, within_limit
from surveys.models import Response
from surveys.respond import formtoken
from tests.surveys.conftest import valid_answers


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True, "RATELIMIT_ENABLED": True, "SURVEY_SUBMIT_RATE_LIMIT": "3 per minute"}


def fields(html):
    return dict(re.findall(r'name="(token)" value="([^"]+)"', html))


def stored(session):
    return session.scalar(select(func.count()).select_from(Response))


def test_a_resident_gets_one_form_cookie_and_no_session(client, link):
    page = client.get(f"/s/{link.code}")
    cookies = page.headers.getlist("Set-Cookie")
    assert len(cookies) == 1 and cookies[0].startswith(f"{formtoken.COOKIE}=")
    assert all(flag in cookies[0] for flag in ("HttpOnly", "SameSite=Lax", "Path=/s/"))
    assert "csrf_token" not in page.get_data(as_text=True)
    browser = cookies[0].split(";", 1)[0]
    assert client.get(f"/s/{link.code}").headers["Set-Cookie"].startswith(browser + ";")  # the same id, renewed


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


def test_submissions_are_accepted_then_rate_limited_per_client(client, session, link, survey):
    statuses = []
    for _ in range(4):
        hidden = fields(client.get(f"/s/{link.code}").get_data(as_text=True))
        statuses.append(client.post(f"/s/{link.code}", data=valid_answers(survey) | hidden).status_code)
    assert statuses == [303, 303, 303, 429]
    limited = client.post(f"/s/{link.code}", data=valid_answers(survey) | hidden)
    assert "Vui lòng đợi một phút" in limited.get_data(as_text=True)
    assert 'value="4" checked' in limited.get_data(as_text=True)  # the answers are still there
    assert session.scalar(select(func.count()).select_from(Response)) == 3


def test_another_address_is_not_limited_by_the_first_ones_submissions(app, client, session, link, survey):
    for _ in range(4):
        hidden = fields(client.get(f"/s/{link.code}").get_data(as_text=True))
        client.post(f"/s/{link.code}", data=valid_answers(survey) | hidden)
    neighbour = app.test_client()
    neighbour.environ_base["REMOTE_ADDR"] = "10.0.0.2"
    hidden = fields(neighbour.get(f"/s/{link.code}").get_data(as_text=True))
    assert neighbour.post(f"/s/{link.code}", data=valid_answers(survey) | hidden).status_code == 303
    assert stored(session) == 4


def test_a_burst_refused_by_the_minute_limit_does_not_use_up_the_hour(app):
    from limits import parse

    with app.test_request_context(environ_base={"REMOTE_ADDR": "10.0.0.3"}):
        results = [within_limit("2 per minute;50 per hour", "test.burst") for _ in range(10)]
        hour = limiter.limiter.get_window_stats(parse("50 per hour"), client_fingerprint(), "test.burst")
    assert results == [True, True] + [False] * 8
    assert hour.remaining == 48  # only the two accepted requests were counted against the hour


def test_submissions_go_through_when_the_rate_limit_storage_is_down(app, client, session, link, survey, monkeypatch):
    def unreachable(*_args, **_kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(limiter.limiter, "hit", unreachable)
    hidden = fields(client.get(f"/s/{link.code}").get_data(as_text=True))
    assert client.post(f"/s/{link.code}", data=valid_answers(survey) | hidden).status_code == 303
    assert stored(session) == 1
