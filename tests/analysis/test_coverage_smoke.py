"""The coverage benchmark runs end to end on 100 samples: every sample gives a table and the
default plan's 95 % intervals cover the population's values within a loose band (the real figures
come from benchmarks/coverage.py with 1,000 samples; this checks behaviour, not time)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "coverage.py"


def _load_benchmark():
    """The script as a module (by path: ``coverage`` is also the name of a well-known package)."""
    spec = importlib.util.spec_from_file_location("coverage_benchmark", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_default_plan_intervals_cover_the_truth_on_100_samples():
    benchmark = _load_benchmark()
    pop = benchmark.build_population(seed=2026)
    assert benchmark.intra_hamlet_correlation(pop.people) >= 0.05  # the hamlet effect is real
    assert min(pop.sample_size.values()) >= 30 and max(pop.sample_size.values()) <= 200
    result = benchmark.run_coverage(100, seed=2026, pop=pop)
    assert result["without_table"] == 0
    summary = benchmark.summarise(result)
    for (level, measure), value in summary["by_level"].items():
        assert 0.88 <= value <= 0.995, (level, measure, value)
    assert 0.90 <= summary["commune_median"] <= 0.99
    assert summary["commune_min"] >= 0.80
