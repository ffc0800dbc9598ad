"""Rate limits (on, as in production) stop a flood of comments from one client."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from feedback.models import Comment


@pytest.fixture
def app_config():
    return {"RATELIMIT_ENABLED": True, "FEEDBACK_COMMENT_RATE_LIMIT": "2 per minute"}


def test_third_comment_in_a_minute_is_refused(client, session, document):
    statuses = [client.post(f"/feedback/{document.code}/1/s1-p1", data={"body": f"Ý kiến {i}"}).status_code
                for i in range(3)]
    assert statuses == [302, 302, 429]
    assert session.scalar(select(func.count()).select_from(Comment)) == 2
    # Reading is never limited.
    assert client.get(f"/feedback/{document.code}").status_code == 200
