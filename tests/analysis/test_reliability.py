"""Cronbach's alpha (closed forms) and the weighted ordinal-logit drivers table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import cronbach_alpha, fit_drivers


def test_alpha_of_identical_items_is_one():
    x = pd.Series([1, 2, 3, 4, 5, 3])
    assert cronbach_alpha(pd.DataFrame({"a": x, "b": x, "c": x})).alpha == pytest.approx(1.0)


def test_alpha_matches_its_formula_on_complete_cases():
    data = pd.DataFrame(
        {"a": [1, 2, 3, 4, 5, np.nan], "b": [2, 2, 4, 4, 5, 1], "c": [1, 3, 3, 5, 4, 2]}
    )
    complete = data.dropna().to_numpy(float)
    cov = np.cov(complete, rowvar=False)
    expected = 3 / 2 * (1 - np.trace(cov) / cov.sum())
    result = cronbach_alpha(data)
    assert result.alpha == pytest.approx(expected, rel=1e-12)
    assert (result.n, result.k) == (5, 3)
    total = complete.sum(axis=1)
    r_drop_a = np.corrcoef(complete[:, 0], total - complete[:, 0])[0, 1]
    assert result.items.loc[0, "r_drop"] == pytest.approx(r_drop_a)
    sub = cov[1:, 1:]
    assert result.items.loc[0, "alpha_if_dropped"] == pytest.approx(
        2 * (1 - np.trace(sub) / sub.sum())
    )


def test_alpha_needs_two_items_and_two_complete_rows():
    with pytest.raises(ValueError, match="two items"):
        cronbach_alpha(pd.DataFrame({"a": [1, 2]}))
    with pytest.raises(ValueError, match="two complete"):
        cronbach_alpha(pd.DataFrame({"a": [1, np.nan], "b": [2, 3]}))


def test_drivers_rank_the_criterion_that_drives_overall_satisfaction_first():
    rng = np.random.default_rng(42)
    n = 600
    strong, weak = rng.integers(1, 6, n), rng.integers(1, 6, n)
    latent = 1.2 * strong + 0.2 * weak + rng.logistic(0, 1, n)
    overall = np.digitize(latent, np.quantile(latent, [0.2, 0.4, 0.6, 0.8])) + 1
    frame = pd.DataFrame({"overall": overall, "strong": strong, "weak": weak})
    table = fit_drivers(frame, "overall", ["strong", "weak"], weights=rng.uniform(0.5, 2, n))
    assert list(table["predictor"]) == ["strong", "weak"]
    assert table.loc[0, "coef"] > 3 * table.loc[1, "coef"] > 0
    assert table.loc[0, "odds_ratio"] == pytest.approx(np.exp(table.loc[0, "coef"]))
    assert table.attrs["n"] == n and table.attrs["converged"]


def test_weights_scale_does_not_change_the_drivers():
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"y": rng.integers(1, 4, 200), "x": rng.integers(1, 6, 200)})
    w = rng.uniform(1, 3, 200)
    a = fit_drivers(frame, "y", ["x"], weights=w)
    b = fit_drivers(frame, "y", ["x"], weights=100 * w)
    assert a.loc[0, "coef"] == pytest.approx(b.loc[0, "coef"], rel=1e-5)
