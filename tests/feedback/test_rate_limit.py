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


def test_a_refused_comment_is_shown_again_with_its_text(client, session, document):
    for i in range(2):
        client.post(f"/feedback/{document.code}/1/s1-p1", data={"body": f"Ý kiến {i}"})
    response = client.post(f"/feedback/{document.code}/1/s1-p1",
                           data={"body": "Một góp ý dài đã gõ rất lâu", "commune": "Xã Đồng Phú", "consent": "y"})
    page = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "Một góp ý dài đã gõ rất lâu" in page and 'value="Xã Đồng Phú"' in page
    assert "đợi một phút" in page and "<form" in page


def test_organisation_accounts_entering_a_meetings_comments_are_not_limited(client, auth, session, document, org_user):
    auth.login("mttq@example.vn")
    statuses = [client.post(f"/feedback/{document.code}/1/s1-p1", data={"body": f"Ý kiến hội nghị số {i}"}).status_code
                for i in range(4)]
    assert statuses == [302] * 4
    assert session.scalar(select(func.count()).select_from(Comment)) == 4
