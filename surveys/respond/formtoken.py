"""The respondent form's one-time token: one stored response per rendered form, and CSRF protection.

Every rendered form carries a signed token holding a random nonce, the link it was issued
for and the id of the browser it was issued to. The nonce is stored with the response it
submitted, so a double tap or a resent POST stores one response (``store.store_response``).
The browser id is a random value kept in a cookie (HttpOnly, SameSite=Lax, path ``/s/``) that
the POST must bring back with a token minted for it. A form posted from another site carries
no such cookie (SameSite) and cannot carry a token minted for this browser: the signed
double-submit cookie pattern of OWASP's CSRF cheat sheet.

The staff pages use Flask-WTF's CSRF protection, which keeps its secret in Flask's signed
session cookie. On the public form that would give every resident a session to decode,
re-sign and send back on each page, about a fifth of the server's CPU time per submission
(benchmarks/survey_load.py). Here the token is signed anyway, and the cookie is set once.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from functools import lru_cache

from itsdangerous import BadData, URLSafeTimedSerializer

COOKIE = "ntm_phieu"
MAX_AGE = 7 * 24 * 3600  # a form left open in a tab for days still submits, once
_BROWSER_ID = re.compile(r"[A-Za-z0-9_-]{22}")


@dataclass(frozen=True, slots=True)
class FormToken:
    """What a genuine token says: its one-time nonce and the browser it was issued to."""

    nonce: str
    browser: str


def new_browser_id() -> str:
    """A random id for a browser that has no form cookie yet."""
    return secrets.token_urlsafe(16)


def browser_id(cookie: str | None) -> str | None:
    """The browser id a form cookie holds, if it is one this module could have made."""
    return cookie if cookie and _BROWSER_ID.fullmatch(cookie) else None


@lru_cache(maxsize=4)  # built once per key, not on each of the two requests of every submission
def _serializer(secret_key: str | bytes) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="surveys.form")


def issue(secret_key: str | bytes, link_id: int, browser: str) -> str:
    """A token for one rendered form of link ``link_id``; nothing is stored until it is used."""
    return _serializer(secret_key).dumps({"n": secrets.token_urlsafe(18), "l": link_id, "b": browser})


def read(secret_key: str | bytes, token: str, link_id: int) -> FormToken | None:
    """The content of a genuine, unexpired token issued for link ``link_id``, else None."""
    try:
        data = _serializer(secret_key).loads(token, max_age=MAX_AGE)
    except BadData:
        return None
    if not isinstance(data, dict) or data.get("l") != link_id:
        return None
    nonce, browser = data.get("n"), data.get("b")
    if not isinstance(nonce, str) or not isinstance(browser, str):
        return None
    return FormToken(nonce, browser)
