"""Resident satisfaction surveys (issue 3): being built; see surveys/views.py once present."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Attach the surveys blueprint, pages, CLI and demo data."""
