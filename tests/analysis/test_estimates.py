"""Hand-checked estimates and standard errors: closed forms that need no R.

Notation as in ``analysis.estimates``: R = Σ w y / Σ w, u_i = (y_i − R)/N̂, e_i = w_i u_i and
V = Σ_h n_h/(n_h − 1) Σ_{i∈h} (e_i − ē_h)² (PSU totals for clustered designs).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis import compute_indices


def _row(table, *, level="commune", area="A", item="q1", measure="mean"):
    hit = table[
        (table["level"] == level)
        & (table["area"] == area)
        & (table["item"] == item)
        & (table["measure"] == measure)
    ]
    assert len(hit) == 1, hit
    return hit.iloc[0]


def _frame(**columns):
    n = len(next(iter(columns.values())))
    base = {"id": [str(i) for i in range(n)], "district": ["D"] * n, "commune": ["A"] * n}
    base.update(columns)
    return pd.DataFrame(base)


def test_unweighted_mean_has_the_textbook_standard_error():
    # one stratum, equal weights: V = n/(n−1) Σ (y − ȳ)²/n² = s²/n
    y = [1, 2, 3, 4, 5]
    table = compute_indices(_frame(q1=y), ["q1"], thresholds=None).to_frame()
    mean = _row(table)
    assert mean["estimate"] == pytest.approx(3.0, rel=1e-12)
    assert mean["se"] == pytest.approx(math.sqrt(2.5 / 5), rel=1e-12)
    assert mean["df"] == 4
    assert mean["n_obs"] == 5 and mean["wsum"] == 5 and mean["n_eff_kish"] == pytest.approx(5)
    t = stats.t.ppf(0.975, 4)
    assert (mean["ci_lo"], mean["ci_hi"]) == pytest.approx((3 - t * mean["se"], 3 + t * mean["se"]))


def test_score_is_the_mean_on_a_0_to_100_scale():
    table = compute_indices(_frame(q1=[1, 2, 3, 4, 5]), ["q1"], thresholds=None).to_frame()
    mean, score = _row(table), _row(table, measure="score")
    assert score["estimate"] == pytest.approx(25 * (mean["estimate"] - 1))
    assert score["se"] == pytest.approx(25 * mean["se"])


def test_shares_count_satisfied_and_dissatisfied_answers_among_those_who_answered():
    # 6 answers (one blank): satisfied = {4, 5, 5} → 3/6, dissatisfied = {1, 2} → 2/6
    y = [1, 2, 3, 4, 5, 5, np.nan]
    table = compute_indices(_frame(q1=y), ["q1"], thresholds=None).to_frame()
    assert _row(table, measure="prop_sat")["estimate"] == pytest.approx(0.5)
    assert _row(table, measure="prop_dissat")["estimate"] == pytest.approx(2 / 6)
    assert _row(table, measure="prop_sat")["n_obs"] == 6


def test_satisfied_rule_is_configurable():
    y = [1, 2, 3, 4, 5, 5]
    table = compute_indices(
        _frame(q1=y), ["q1"], satisfied_min=5, dissatisfied_max=1, thresholds=None
    ).to_frame()
    assert _row(table, measure="prop_sat")["estimate"] == pytest.approx(2 / 6)
    assert _row(table, measure="prop_dissat")["estimate"] == pytest.approx(1 / 6)


def test_logit_interval_for_a_share():
    y = [1, 2, 3, 4, 5, 5, 4, 4, 2, 5]
    table = compute_indices(_frame(q1=y), ["q1"], thresholds=None).to_frame()
    share = _row(table, measure="prop_sat")
    p, se, t = share["estimate"], share["se"], stats.t.ppf(0.975, 9)
    expit = lambda x: 1 / (1 + math.exp(-x))  # noqa: E731
    half = t * se / (p * (1 - p))
    assert share["ci_lo"] == pytest.approx(expit(math.log(p / (1 - p)) - half), rel=1e-12)
    assert share["ci_hi"] == pytest.approx(expit(math.log(p / (1 - p)) + half), rel=1e-12)


def test_normal_interval_uses_1_96():
    table = compute_indices(
        _frame(q1=[1, 2, 3, 4, 5]), ["q1"], ci="normal", thresholds=None
    ).to_frame()
    mean = _row(table)
    assert mean["ci_hi"] - mean["estimate"] == pytest.approx(1.959963984540054 * mean["se"])


def test_design_effect_with_equal_weights_is_the_finite_population_factor():
    # w = 10: N̂ = 50, n = 5; deff = V / [s² (N̂ − n)/(N̂ n)] with s² = n/(n−1) Σw(y−R)²/N̂ = 2.5
    frame = _frame(q1=[1, 2, 3, 4, 5], design_weight=[10.0] * 5)
    mean = _row(compute_indices(frame, ["q1"], thresholds=None).to_frame())
    v = 5 / 4 * sum((10 * (y - 3) / 50) ** 2 for y in range(1, 6))
    assert mean["se"] ** 2 == pytest.approx(v)
    assert mean["deff"] == pytest.approx(v / (2.5 * 45 / 250))


def test_post_stratified_standard_error_uses_residuals_from_cell_means():
    # cells: M (pop 60) answers 5, 3; F (pop 40) answers 1, 1, 2
    frame = _frame(q1=[5, 3, 1, 1, 2], sex=["M", "M", "F", "F", "F"])
    cells = pd.DataFrame({"commune": ["A", "A"], "sex": ["M", "F"], "count": [60, 40]})
    result = compute_indices(frame, ["q1"], weighting="poststratify", cells=cells, thresholds=None)
    w = np.array([30, 30, 40 / 3, 40 / 3, 40 / 3])
    np.testing.assert_allclose(result.weights.final, w)
    mean = _row(result.to_frame())
    assert mean["estimate"] == pytest.approx((30 * 8 + 40 / 3 * 4) / 100)
    # u − cell mean of u = (y − ȳ_cell)/N̂, so e = w (y − ȳ_cell)/100, and ē = 0 in the stratum
    e = w * (np.array([5, 3, 1, 1, 2]) - np.array([4, 4, 4 / 3, 4 / 3, 4 / 3])) / 100
    assert mean["se"] == pytest.approx(math.sqrt(5 / 4 * (e**2).sum()), rel=1e-12)


def test_clustered_standard_error_uses_hamlet_totals():
    # hamlets H1: 4, 4 and H2: 2, 2: R = 3, t = ±2/4, V = 2/1 × (0.25 + 0.25) = 1
    frame = _frame(q1=[4, 4, 2, 2], hamlet=["H1", "H1", "H2", "H2"])
    mean = _row(compute_indices(frame, ["q1"], design="clustered", thresholds=None).to_frame())
    assert mean["estimate"] == pytest.approx(3)
    assert mean["se"] == pytest.approx(1.0)
    assert mean["df"] == 1


def test_composite_is_the_weighted_average_of_item_estimates_not_of_respondent_averages():
    # q2 is blank for the last respondent: item means 3 and 2, composite (3 + 2)/2 = 2.5,
    # whereas the mean of respondents' averages would be (1.5 + 2.5 + 5)/3 ≈ 3
    frame = _frame(q1=[1, 3, 5], q2=[2, 2, np.nan])
    weights = pd.DataFrame({"item": ["q1", "q2"], "weight": [3, 1]})
    table = compute_indices(frame, ["q1", "q2"], item_weights=weights, thresholds=None).to_frame()
    assert _row(table, item="composite_equal")["estimate"] == pytest.approx(2.5)
    assert _row(table, item="composite_weighted")["estimate"] == pytest.approx((3 * 3 + 2) / 4)


def test_composite_standard_error_linearizes_the_combination_of_ratios():
    rng = np.random.default_rng(5)
    y1, y2 = rng.integers(1, 6, 40).astype(float), rng.integers(1, 6, 40).astype(float)
    y2[:7] = np.nan
    table = compute_indices(_frame(q1=y1, q2=y2), ["q1", "q2"], thresholds=None).to_frame()
    a2 = ~np.isnan(y2)
    r1, r2 = y1.mean(), y2[a2].mean()
    e = 0.5 * (y1 - r1) / 40 + 0.5 * np.where(a2, np.nan_to_num(y2) - r2, 0) / a2.sum()
    expected = math.sqrt(40 / 39 * ((e - e.mean()) ** 2).sum())
    assert _row(table, item="composite_equal")["se"] == pytest.approx(expected, rel=1e-12)


def test_district_and_overall_sum_their_commune_strata():
    rng = np.random.default_rng(11)
    frame = pd.DataFrame(
        {
            "id": range(60),
            "district": ["D1"] * 40 + ["D2"] * 20,
            "commune": ["A"] * 20 + ["B"] * 20 + ["C"] * 20,
            "q1": rng.integers(1, 6, 60),
        }
    )
    table = compute_indices(frame, ["q1"], thresholds=None).to_frame()
    a, b = _row(table, area="A"), _row(table, area="B")
    d1 = _row(table, level="district", area="D1")
    assert d1["estimate"] == pytest.approx((a["estimate"] * 20 + b["estimate"] * 20) / 40)
    # the strata are independent: V(D1) = (20/40)² V(A) + (20/40)² V(B)
    assert d1["se"] ** 2 == pytest.approx(0.25 * a["se"] ** 2 + 0.25 * b["se"] ** 2)
    assert d1["df"] == 40 - 2
    overall = _row(table, level="overall", area="ALL")
    assert overall["df"] == 60 - 3 and overall["n_obs"] == 60


def test_table_has_the_documented_columns_and_measures():
    table = compute_indices(_frame(q1=[1, 2, 3, 4, 5]), ["q1"]).to_frame()
    assert list(table.columns[:13]) == [
        "level",
        "area",
        "item",
        "measure",
        "estimate",
        "se",
        "ci_lo",
        "ci_hi",
        "df",
        "deff",
        "n_obs",
        "wsum",
        "n_eff_kish",
    ]
    assert set(table["measure"]) == {"mean", "score", "prop_sat", "prop_dissat"}
    assert set(table["level"]) == {"commune", "district", "overall"}
    assert set(table["item"]) == {"q1", "composite_equal"}


def test_results_do_not_depend_on_call_order():
    frame = _frame(q1=[1, 2, 3, 4, 5, 2], q2=[5, 4, 4, 3, np.nan, 1])
    first = compute_indices(frame, ["q1", "q2"]).to_frame()
    compute_indices(frame, ["q2"], design="stratified")
    pd.testing.assert_frame_equal(first, compute_indices(frame, ["q1", "q2"]).to_frame())


def test_deff_is_left_empty_when_weights_of_one_make_it_undefined():
    import numpy as np
    import pandas as pd

    from analysis import compute_indices

    frame = pd.DataFrame(
        {"commune": ["a"] * 4 + ["b"] * 4, "q1": [1, 4, 5, 3, 2, 5, 4, 4]}
    )
    table = compute_indices(frame, ["q1"], thresholds=None).to_frame()
    assert not np.isinf(table["deff"].astype(float)).any()
    assert table.loc[table["item"] == "q1", "deff"].isna().all()
