"""Targets are judged on the interval bound, so a pass is never claimed on noise."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import ThresholdRule, apply_thresholds, parse_rule


def _table():
    return pd.DataFrame(
        {
            "level": ["commune", "commune", "commune", "district"],
            "area": ["A", "B", "C", "D"],
            "item": ["q1", "q1", "q1", "q1"],
            "measure": ["prop_sat", "prop_sat", "prop_dissat", "prop_sat"],
            "estimate": [0.85, 0.85, 0.05, 0.95],
            "se": [0.01, 0.05, 0.01, 0.01],
            "ci_lo": [0.83, 0.74, 0.03, 0.93],
            "ci_hi": [0.87, 0.93, 0.07, 0.97],
            "n_eff_kish": [200.0, 12.0, 200.0, np.nan],
        }
    )


def test_pass_requires_the_lower_bound_to_reach_the_target():
    out = apply_thresholds(_table().assign(n_eff_kish=200.0), [ThresholdRule("commune", "prop_sat", 0.80)])
    # A: 0.83 ≥ 0.80 passes; B has the same estimate but its interval reaches 0.74
    assert out["meets_target"].tolist()[:2] == [True, False]
    assert out["meets_target"].isna().tolist()[2:] == [True, True]
    assert out["verdict"].tolist() == ["meets", "cannot tell", "", ""]


def test_verdicts_are_three_way_on_the_whole_interval():
    table = _table().assign(n_eff_kish=200.0, ci_lo=[0.81, 0.6, 0.75, 0.7], ci_hi=[0.9, 0.79, 0.85, 0.95])
    out = apply_thresholds(table, [ThresholdRule("commune", "prop_sat", 0.80)])
    assert out["verdict"].tolist()[:2] == ["meets", "does not meet"]
    assert out["meets_target"].tolist()[:2] == [True, False]


def test_a_small_sample_is_never_judged():
    out = apply_thresholds(_table(), [ThresholdRule("commune", "prop_sat", 0.80)], min_n_eff=30)
    # B's interval would decide nothing anyway; even a clear interval is not judged on 12 people
    assert out.loc[1, "verdict"] == "not enough responses" and pd.isna(out.loc[1, "meets_target"])
    clear = apply_thresholds(_table().assign(ci_lo=0.9), [ThresholdRule("commune", "prop_sat", 0.80)])
    assert clear.loc[1, "verdict"] == "not enough responses" and clear.loc[0, "verdict"] == "meets"


def test_dissatisfaction_target_is_judged_on_the_upper_bound():
    out = apply_thresholds(_table(), [ThresholdRule("commune", "prop_dissat", 0.05)])
    assert out.loc[2, "meets_target"] == False  # noqa: E712 - 0.07 > 0.05: not shown to be low enough


def test_low_effective_sample_is_flagged():
    out = apply_thresholds(_table(), [], min_n_eff=30)
    assert out["low_n_eff"].tolist() == [False, True, False, True]


def test_rules_parse_from_text():
    assert parse_rule("district:prop_sat:0.9") == ThresholdRule("district", "prop_sat", 0.9)
    assert parse_rule("commune:mean:4:q3") == ThresholdRule("commune", "mean", 4.0, "q3")
    for bad in (
        "commune:prop_sat",
        "village:prop_sat:0.8",
        "commune:share:0.8",
        "commune:prop_sat:x",
    ):
        with pytest.raises(ValueError, match="threshold"):
            parse_rule(bad)
