"""With CSRF on (as in production), a comment or moderation POST without the token is refused."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from feedback.models import Comment


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def test_comment_without_token_is_refused_and_nothing_stored(client, session, document):
    response = client.post(f"/feedback/{document.code}/1/s1-p1", data={"body": "Không có mã"})
    assert response.status_code == 400
    assert session.scalar(select(func.count()).select_from(Comment)) == 0


def test_comment_with_the_form_token_is_stored(client, session, document):
    page = client.get(f"/feedback/{document.code}/1/s1-p1").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(f"/feedback/{document.code}/1/s1-p1", data={"body": "Có mã", "csrf_token": token})
    assert response.status_code == 302
    assert session.scalar(select(func.count()).select_from(Comment)) == 1


def test_moderation_without_token_is_refused(client, session, document):
    from feedback.services.comments import ResidentAuthor, submit_comment

    comment = submit_comment(session, document.current_version, None, body="x", author=ResidentAuthor())
    session.commit()
    assert client.post(f"/feedback/manage/comments/{comment.id}/moderate",
                       data={"action": "hide", "reason": "spam"}).status_code == 400
