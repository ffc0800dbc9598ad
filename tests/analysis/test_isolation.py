"""``analysis`` is pure numerics: importing it loads neither Flask nor SQLAlchemy (STYLE.md §5)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]


@pytest.mark.isolation
def test_import_analysis_loads_no_web_or_database_package():
    code = (
        "import sys, analysis, analysis.cli; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'flask', 'sqlalchemy', 'werkzeug'}); "
        "print(','.join(bad))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_DIR, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == ""
