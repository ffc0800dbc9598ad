"""Intervals that keep their promise: no zero-width interval at 0 % or 100 % or for one person,
means that stay on the answer scale, no estimate (not an SE of 0) where nobody answered."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from analysis import compute_indices
from analysis.intervals import confidence_bounds, korn_graubard

ITEMS = ["q1", "q2", "q3", "q4", "q5"]


def _table(responses, **options):
    options = {"design": "stratified", "weighting": "none", "ci": "beta", "lonely_psu": "adjust", **options}
    return compute_indices(responses, ITEMS, **options).to_frame()


def _row(table, area, item, measure, level="commune"):
    rows = table[(table["level"] == level) & (table["area"] == area) & (table["item"] == item)
                 & (table["measure"] == measure)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_korn_graubard_with_the_srs_variance_is_clopper_pearson():
    n, x = 40, 13
    p = x / n
    se = np.sqrt(p * (1 - p) / n)
    lo, hi = korn_graubard(np.array([p]), np.array([se]), np.array([n - 1.0]), np.array([n]), np.array([n]), 0.05)
    assert lo[0] == pytest.approx(stats.beta.ppf(0.025, x, n - x + 1), rel=1e-12)
    assert hi[0] == pytest.approx(stats.beta.ppf(0.975, x + 1, n - x), rel=1e-12)


def test_everyone_satisfied_gets_a_one_sided_exact_interval_not_1_to_1(survey):
    responses = survey[0].copy()
    c01 = responses["commune"] == "C01"
    responses.loc[c01, "q1"] = 5
    row = _row(_table(responses), "C01", "q1", "prop_sat")
    n = int(row["n_obs"])
    assert row["estimate"] == 1 and row["se"] == 0
    assert row["ci_hi"] == 1
    assert row["ci_lo"] == pytest.approx(0.025 ** (1 / n), rel=1e-12)  # Clopper–Pearson, x = n
    mean = _row(_table(responses), "C01", "q1", "mean")
    assert mean["ci_hi"] == 5 and 1 < mean["ci_lo"] < 5


def test_one_respondent_gets_a_wide_interval_and_no_verdict(survey):
    responses = survey[0]
    c06 = responses.index[responses["commune"] == "C06"]
    thin = responses.drop(c06[1:]).reset_index(drop=True)
    thin.loc[thin["commune"] == "C06", ITEMS] = 5
    table = _table(thin)
    share = _row(table, "C06", "q1", "prop_sat")
    assert share["estimate"] == 1 and share["ci_hi"] == 1 and share["ci_lo"] == pytest.approx(0.025)
    assert share["verdict"] == "not enough responses" and share["meets_target"] is not True
    composite = _row(table, "C06", "composite_equal", "prop_sat")
    assert composite["ci_hi"] - composite["ci_lo"] > 0.9


def test_an_item_nobody_answered_has_no_estimate(survey):
    responses = survey[0].copy()
    responses.loc[responses["commune"] == "C02", "q3"] = np.nan
    table = _table(responses)
    for measure in ("mean", "score", "prop_sat", "prop_dissat"):
        row = _row(table, "C02", "q3", measure)
        assert np.isnan(row["estimate"]) and np.isnan(row["se"]) and np.isnan(row["ci_lo"])
        assert row["reason"] == "nobody answered" and row["n_obs"] == 0
        assert row["verdict"] in ("", "not enough responses")
    assert _row(table, "C02", "q1", "mean")["reason"] == ""
    composite = _row(table, "C02", "composite_equal", "mean")  # as R's svycontrast: no estimate
    assert np.isnan(composite["estimate"]) and composite["reason"] == "an item of the composite has no answers"


def test_means_and_scores_stay_on_the_answer_scale(survey):
    responses = survey[0].copy()
    near_top = responses["commune"] == "C04"
    responses.loc[near_top, "q2"] = np.where(np.arange(near_top.sum()) % 20 == 0, 1, 5)
    t_row, beta_row = (_row(_table(responses, ci=ci), "C04", "q2", "mean") for ci in ("t", "beta"))
    assert t_row["ci_hi"] > 5  # the symmetric interval leaves the scale
    assert 1 <= beta_row["ci_lo"] < beta_row["estimate"] < beta_row["ci_hi"] < 5
    score = _row(_table(responses), "C04", "q2", "score")
    assert score["ci_hi"] < 100
    assert score["ci_lo"] == pytest.approx(25 * (beta_row["ci_lo"] - 1), rel=1e-12)


def test_the_logit_method_is_unchanged_for_shares_and_t_for_means():
    est, se, df = np.array([0.3, 3.2]), np.array([0.05, 0.1]), np.array([20.0, 20.0])
    lo, hi = confidence_bounds(est, se, df, np.array([50, 50]), np.array([50, 50]), np.array(["share", "mean"]),
                               method="logit", conf_level=0.95, scale_max=5)
    q = stats.t.ppf(0.975, 20)
    assert lo[1] == pytest.approx(3.2 - q * 0.1) and hi[1] == pytest.approx(3.2 + q * 0.1)
    logit = np.log(0.3 / 0.7)
    assert lo[0] == pytest.approx(1 / (1 + np.exp(-(logit - q * 0.05 / 0.21))))
