"""Residents at a meeting scan the poster and press "Gửi" at the same moment (real HTTP, SQLite file)."""

from __future__ import annotations

import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request

from sqlalchemy import func, select

from core.models import Role
from feedback.models import Comment
from tests.factories import build_area_tree, make_user
from tests.feedback.conftest import make_published


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003
        return None


def _resident(url: str) -> tuple[urllib.request.OpenerDirector, str]:
    """A resident's browser with the comment form open: cookies plus the form's CSRF token."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect())
    page = opener.open(url, timeout=30).read().decode()
    return opener, re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_simultaneous_comments_are_all_stored(live_server):
    with live_server.app.app_context():
        session = live_server.session()
        areas = build_area_tree(session)
        officer = make_user(session, role=Role.OFFICER, area_code="857", email="bcd@example.vn")
        code = make_published(session, officer, areas).code
        session.close()
    url = f"{live_server.url}/feedback/{code}/1/s1-p1"
    residents = [_resident(url) for _ in range(8)]
    statuses: list[int] = []
    start = threading.Barrier(len(residents))

    def send(number: int, opener: urllib.request.OpenerDirector, token: str) -> None:
        data = urllib.parse.urlencode({"csrf_token": token, "body": f"Góp ý số {number}"}).encode()
        start.wait()
        try:
            statuses.append(opener.open(url, data=data, timeout=30).status)
        except urllib.error.HTTPError as error:
            statuses.append(error.code)

    threads = [threading.Thread(target=send, args=(n, *r)) for n, r in enumerate(residents)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [302] * len(residents)
    session = live_server.session()
    assert session.scalar(select(func.count()).select_from(Comment)) == len(residents)
    session.close()
