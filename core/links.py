"""Short codes and the public addresses that posters and QR codes print."""

from __future__ import annotations

import secrets
from typing import Any

from flask import current_app, url_for
from sqlalchemy import exists, select
from sqlalchemy.orm import InstrumentedAttribute, Session

# No 0/o and no 1/l/i: codes are typed by hand from posters.
CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def new_short_code(session: Session, column: InstrumentedAttribute[str], length: int) -> str:
    """A random code of ``length`` characters that ``column`` does not hold yet."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))
        if not session.scalar(select(exists().where(column == code))):
            return code


def public_url(endpoint: str, **values: Any) -> str:
    """An absolute URL on PUBLIC_BASE_URL when configured, else on the request's host."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)
