"""Fixtures for the analysis tests: no app, no database, seeded data only."""

from __future__ import annotations

import pytest

from .synthetic import make_survey


@pytest.fixture(scope="session")
def survey():
    """Seeded responses, population cells and margins for six communes in two districts."""
    return make_survey()
