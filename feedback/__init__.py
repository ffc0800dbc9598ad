"""Comments on the draft report (issue 4): being built."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Attach the feedback blueprint, pages, CLI and demo data."""
