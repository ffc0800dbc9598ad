"""CSRF and the per-client rate limit on submissions."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from surveys.models import Response
from tests.surveys.conftest import valid_answers


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True, "RATELIMIT_ENABLED": True, "SURVEY_SUBMIT_RATE_LIMIT": "3 per minute"}


def fields(html):
    return dict(re.findall(r'name="(csrf_token|token)" value="([^"]+)"', html))


def test_submission_without_csrf_token_is_refused(client, session, link, survey):
    hidden = fields(client.get(f"/s/{link.code}").get_data(as_text=True))
    page = client.post(f"/s/{link.code}", data=valid_answers(survey) | {"token": hidden["token"]})
    assert page.status_code == 400
    assert session.scalar(select(func.count()).select_from(Response)) == 0


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
