"""Feedback tables."""

from core.db import Base  # noqa: F401
