"""Local time as configured (TIMEZONE): what officers type and read, against the UTC that is stored."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def local_zone() -> ZoneInfo:
    """The deployment's time zone (``TIMEZONE``, Asia/Ho_Chi_Minh by default)."""
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def to_utc(value: datetime | None) -> datetime | None:
    """A naive local wall-clock time typed in a form, as an aware UTC time."""
    return value.replace(tzinfo=local_zone()).astimezone(UTC) if value else None


def to_local(value: datetime | None) -> datetime | None:
    """A stored aware time as the naive local wall-clock time a datetime-local input shows."""
    return value.astimezone(local_zone()).replace(tzinfo=None) if value else None
