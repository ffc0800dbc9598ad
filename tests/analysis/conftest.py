"""Fixtures for the analysis tests: no app, no database, seeded data only."""

from __future__ import annotations

import pytest

from .rcheck import r_missing_reason
from .synthetic import make_survey


@pytest.fixture(scope="session")
def survey():
    """Seeded responses, population cells and margins for six communes in two districts."""
    return make_survey()


@pytest.fixture(scope="session")
def r_ready():
    """Skip, with the reason, where Rscript or its survey and psych packages are absent."""
    reason = r_missing_reason()
    if reason:
        pytest.skip(reason)
