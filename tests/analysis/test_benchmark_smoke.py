"""The speed benchmark still runs (on a small data set; the real figures come from 1M rows)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_benchmark_script_runs_on_a_small_sample():
    proc = subprocess.run(
        [
            sys.executable,
            str(PROJECT_DIR / "benchmarks" / "analysis_speed.py"),
            "--rows",
            "3000",
            "--repeat",
            "1",
        ],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "python: median" in proc.stdout and "peak RSS" in proc.stdout
