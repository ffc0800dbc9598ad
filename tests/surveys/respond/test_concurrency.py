"""Two copies of one form sent at the same instant over real HTTP store one response."""

from __future__ import annotations

import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request

from sqlalchemy import func, select

from surveys.models import Response
from tests.surveys.conftest import open_survey


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003 - urllib's signature
        return None


def test_simultaneous_double_submission_stores_one_response(live_server):
    url = open_survey(live_server)
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect)
    html = opener.open(url).read().decode()
    fields = dict(re.findall(r'name="(token|via)" value="([^"]*)"', html))
    answers = {}
    for name, value in re.findall(r'<input type="radio" name="(q\d+)" value="([^"]*)"', html):
        answers.setdefault(name, value)
    body = urllib.parse.urlencode(fields | answers).encode()
    statuses, start = [], threading.Barrier(4)

    def send() -> None:
        start.wait()
        try:
            opener.open(url, data=body)
        except urllib.error.HTTPError as error:
            statuses.append((error.code, error.headers.get("Location")))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [code for code, _ in statuses] == [303] * 4
    assert len({location for _, location in statuses}) == 1
    session = live_server.session()
    try:
        assert session.scalar(select(func.count()).select_from(Response)) == 1
    finally:
        session.close()
