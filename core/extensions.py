"""Flask extension objects, created unbound and initialised in ``create_app``."""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_wtf import CSRFProtect


def client_fingerprint() -> str:
    """A keyed hash of the client's address; the raw IP is never stored or logged.

    Rotating CLIENT_HASH_KEY makes old fingerprints unlinkable, which the
    retention commands rely on.
    """
    key = (current_app.config.get("CLIENT_HASH_KEY") or current_app.secret_key or "").encode()
    address = (request.remote_addr or "unknown").encode()
    return hmac.new(key, address, hashlib.sha256).hexdigest()[:32]


csrf = CSRFProtect()
babel = Babel()
login_manager = LoginManager()
limiter = Limiter(key_func=client_fingerprint, default_limits=[])


@limiter.request_filter
def _reads_are_not_limited() -> bool:
    """Every limit here guards a POST (sign-in, comments, survey submissions).

    Exempting reads up front spares each page view the limiter's per-request
    resolution of limits, about a tenth of the respondent form's CPU time.
    """
    return request.method in ("GET", "HEAD", "OPTIONS")
