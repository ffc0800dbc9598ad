"""Flask extension objects, created unbound and initialised in ``create_app``."""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from flask import current_app, g, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_wtf import CSRFProtect
from limits import RateLimitItem, parse_many


def keyed_hash(text: str) -> str:
    """32 hex characters standing for ``text`` (an address, a typed e-mail) in rate-limit keys and
    duplicate flags: the text itself is never stored, and the key's length does not depend on it.

    Rotating CLIENT_HASH_KEY makes old hashes unlinkable, which the retention commands rely on.
    """
    key = (current_app.config.get("CLIENT_HASH_KEY") or current_app.secret_key or "").encode()
    return hmac.new(key, text.encode("utf-8", "replace"), hashlib.sha256).hexdigest()[:32]


def client_fingerprint() -> str:
    """A keyed hash of the client's address; the raw IP is never stored or logged."""
    if "client_fingerprint" not in g:
        g.client_fingerprint = keyed_hash(request.remote_addr or "unknown")
    return g.client_fingerprint


csrf = CSRFProtect()
babel = Babel()
login_manager = LoginManager()
limiter = Limiter(key_func=client_fingerprint, default_limits=[])


@limiter.request_filter
def _not_limited_here() -> bool:
    """Every limit here guards a POST (sign-in, comments, survey submissions).

    Exempting reads up front spares each page view the limiter's per-request
    resolution of limits, about a tenth of the respondent form's CPU time; so does a
    view that counts its own limit (``counts_own_limit``).
    """
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return True
    return getattr(current_app.view_functions.get(request.endpoint or ""), "counts_own_limit", False)


def counts_own_limit(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a view that calls ``within_limit`` itself, so the limiter's before-request pass skips it."""
    view.counts_own_limit = True  # type: ignore[attr-defined]
    return view


@lru_cache(maxsize=64)
def _parsed(limits: str) -> tuple[RateLimitItem, ...]:
    """The limits, shortest window first."""
    return tuple(sorted(parse_many(limits), key=lambda item: item.get_expiry()))


def within_limit(limits: str, scope: str) -> bool:
    """Count this request against ``limits`` ("30 per minute;500 per hour") for this client.

    False once one of them is exceeded; the longer windows are then not counted, so a burst
    refused by the minute limit does not use up the client's hour (as Flask-Limiter does).
    Flask-Limiter's own strategy and storage (memory, or Redis when REDIS_URL is set), called
    directly: its route decorator resolves and parses every limit again on each request,
    about a tenth of the CPU time of a survey submission (benchmarks/survey_load.py), the
    busiest POST of all. If the storage cannot be reached the request goes through, logged:
    a resident's answers matter more than the limit.
    """
    if not limiter.enabled:
        return True
    key = client_fingerprint()
    try:
        return all(limiter.limiter.hit(item, key, scope) for item in _parsed(limits))
    except Exception:  # Redis down or unreachable: whatever the driver raises
        logging.getLogger(__name__).exception("rate-limit storage unreachable; %s not limited", scope)
        return True
