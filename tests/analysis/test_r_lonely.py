"""A commune with one sampled hamlet (or one respondent) follows R's ``survey.lonely.psu`` rules.

Each rule is run in R (``options(survey.lonely.psu=…)``) and here on the same data: every estimate
to 1e-9 and every standard error to 1e-6 relative, NaN exactly where R gives NaN; ``fail`` refuses
in both. Skipped, with the reason, where Rscript is absent.
"""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import WeightingError, compute_indices

from .rcheck import rel_diff, run_r_script
from .synthetic import R_SCRIPT, make_survey

pytestmark = pytest.mark.r_crosscheck

ITEMS = ["q1", "q2", "q3", "q4", "q5"]
ITEM_WEIGHTS = [1, 2, 3, 1, 2]
RULES = ["remove", "adjust", "certainty", "average"]
CASES = [("clustered", "none"), ("clustered", "rake"), ("stratified", "none")]


def lonely_survey(design: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Six communes; C02 sampled in one hamlet, or (stratified) C05 reduced to one respondent."""
    responses, cells, margins = make_survey(seed=7)
    if design == "clustered":
        responses.loc[responses["commune"] == "C02", "hamlet"] = "H1"
    else:
        lone = responses.index[responses["commune"] == "C05"]
        responses = responses.drop(lone[1:]).reset_index(drop=True)
        responses.loc[responses["commune"] == "C05", ITEMS] = [4, 5, 3, 2, 5]
    return responses, cells, margins


def _r_table(tmp_path, design, weighting, rule):
    responses, cells, margins = lonely_survey(design)
    responses.to_csv(tmp_path / "responses.csv", index=False)
    cells.to_csv(tmp_path / "cells.csv", index=False)
    margins.to_csv(tmp_path / "margins.csv", index=False)
    (tmp_path / "check.R").write_text(R_SCRIPT)
    proc = run_r_script(tmp_path / "check.R", tmp_path, design, weighting, ITEMS, ITEM_WEIGHTS, lonely_psu=rule)
    return proc, tmp_path / "r_estimates.csv"


def _ours(design, weighting, rule):
    responses, _, margins = lonely_survey(design)
    return compute_indices(
        responses,
        ITEMS,
        design=design,
        weighting=weighting,
        margins=margins if weighting == "rake" else None,
        item_weights=pd.DataFrame({"item": ITEMS, "weight": ITEM_WEIGHTS}),
        lonely_psu=rule,
    ).to_frame()


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("design, weighting", CASES)
def test_each_lonely_psu_rule_matches_r(tmp_path, r_ready, design, weighting, rule):
    proc, path = _r_table(tmp_path, design, weighting, rule)
    assert proc.returncode == 0, proc.stderr[-3000:]
    r_est = pd.read_csv(path, dtype={"area": str})
    merged = r_est.merge(
        _ours(design, weighting, rule), on=["level", "area", "item", "measure"], suffixes=("_r", ""), validate="1:1"
    )
    assert len(merged) == len(r_est) == 9 * 7 * 3
    assert rel_diff(merged["estimate"], merged["estimate_r"]) < 1e-9
    assert rel_diff(merged["se"], merged["se_r"]) < 1e-6
    assert (merged["df"] == merged["df_r"]).all()
    lonely = "C02" if design == "clustered" else "C05"
    overall = merged[(merged["level"] == "overall")]
    commune = merged[(merged["area"] == lonely)]
    if rule == "average" and weighting == "none":
        assert commune["se"].isna().all()  # R: 0 × 1/0, nothing to average within the commune
    else:
        assert (commune["se"].fillna(0) == 0).all() or rule == "adjust"
    assert overall["se"].notna().all()


@pytest.mark.parametrize("design, weighting", CASES)
def test_fail_refuses_like_r_naming_the_commune(tmp_path, r_ready, design, weighting):
    proc, _ = _r_table(tmp_path, design, weighting, "fail")
    assert proc.returncode != 0 and "has only one PSU" in proc.stderr
    lonely = "C02" if design == "clustered" else "C05"
    with pytest.raises(WeightingError, match=f"commune '{lonely}'"):
        _ours(design, weighting, "fail")


def test_the_rules_differ_where_they_should():
    """Without R: adjust adds the lonely commune's squared total, certainty and remove add nothing."""
    se = {rule: _ours("clustered", "none", rule) for rule in RULES}
    overall = {rule: t[(t["level"] == "overall") & (t["measure"] == "mean")]["se"].to_numpy() for rule, t in se.items()}
    assert (overall["certainty"] == overall["remove"]).all()
    assert (overall["adjust"] > overall["certainty"]).all()
    assert (overall["average"] > overall["certainty"]).all()
