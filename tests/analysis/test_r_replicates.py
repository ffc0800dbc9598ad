"""The delete-one-hamlet jackknife equals R's ``as.svrepdesign(type = "JKn", mse = TRUE)`` followed
by ``postStratify``/``rake`` of the replicate design (every replicate re-calibrated), to 1e-8.
Skipped, with the reason, where Rscript is absent."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import compute_indices

from .rcheck import rel_diff, run_r_script
from .synthetic import AGES, R_SCRIPT, SEXES, make_survey
from .test_r_lonely import lonely_survey

pytestmark = pytest.mark.r_crosscheck

ITEMS = ["q1", "q2", "q3", "q4", "q5"]
ITEM_WEIGHTS = [1, 2, 3, 1, 2]


def dense_survey():
    """The synthetic survey plus one respondent per hamlet and sex × age cell, so that no replicate
    (one hamlet deleted) empties a cell: R's replicate post-stratification gives NaN there."""
    responses, cells, margins = make_survey(seed=3)
    rng = np.random.default_rng(5)
    extra = (responses.drop_duplicates(["commune", "hamlet"])[["district", "commune", "hamlet", "design_weight"]]
             .merge(pd.DataFrame([(s, a) for s in SEXES for a in AGES], columns=["sex", "age_group"]), how="cross"))
    extra["id"] = [f"X{i:04d}" for i in range(len(extra))]
    for item in ITEMS:
        extra[item] = rng.integers(1, 6, len(extra)).astype(float)
    return pd.concat([responses, extra[responses.columns]], ignore_index=True), cells, margins


@pytest.mark.parametrize("weighting", ["none", "poststratify", "rake"])
def test_jackknife_matches_r_jkn(tmp_path, r_ready, weighting):
    responses, cells, margins = dense_survey()
    for name, frame in (("responses", responses), ("cells", cells), ("margins", margins)):
        frame.to_csv(tmp_path / f"{name}.csv", index=False)
    (tmp_path / "check.R").write_text(R_SCRIPT)
    proc = run_r_script(tmp_path / "check.R", tmp_path, "clustered", weighting, ITEMS, ITEM_WEIGHTS, variance="jkn")
    assert proc.returncode == 0, proc.stderr[-3000:]
    r_est = pd.read_csv(tmp_path / "r_estimates.csv", dtype={"area": str})
    ours = compute_indices(responses, ITEMS, design="clustered", weighting=weighting, cells=cells, margins=margins,
                           item_weights=pd.DataFrame({"item": ITEMS, "weight": ITEM_WEIGHTS}),
                           variance="jkn").to_frame()
    merged = r_est.merge(ours, on=["level", "area", "item", "measure"], suffixes=("_r", ""), validate="1:1")
    assert len(merged) == 9 * 7 * 3
    assert rel_diff(merged["estimate"], merged["estimate_r"]) < 1e-9
    assert rel_diff(merged["se"], merged["se_r"]) < 1e-8
    linearized = compute_indices(responses, ITEMS, design="clustered", weighting=weighting, cells=cells,
                                 margins=margins, item_weights=pd.DataFrame({"item": ITEMS, "weight": ITEM_WEIGHTS}))
    assert rel_diff(ours["se"], linearized.to_frame()["se"]) > 1e-3  # a different estimator, not a copy


@pytest.mark.parametrize("rule", ["adjust", "certainty"])
@pytest.mark.parametrize("weighting", ["none", "rake"])
def test_finite_population_correction_matches_r(tmp_path, r_ready, weighting, rule):
    responses, cells, margins = lonely_survey("clustered")  # C02: one sampled hamlet
    sampled = responses.groupby("commune")["hamlet"].nunique()
    totals = sampled + np.array([0, 2, 3, 1, 0, 5])  # C01 and C05: every hamlet sampled
    responses["hamlets_total"] = responses["commune"].map(totals)
    for name, frame in (("responses", responses), ("cells", cells), ("margins", margins)):
        frame.to_csv(tmp_path / f"{name}.csv", index=False)
    (tmp_path / "check.R").write_text(R_SCRIPT)
    proc = run_r_script(tmp_path / "check.R", tmp_path, "clustered", weighting, ITEMS, ITEM_WEIGHTS,
                        lonely_psu=rule, fpc=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    r_est = pd.read_csv(tmp_path / "r_estimates.csv", dtype={"area": str})
    counts = pd.DataFrame({"commune": totals.index, "hamlets": totals.to_numpy()})
    ours = compute_indices(responses, ITEMS, design="clustered", weighting=weighting, margins=margins,
                           item_weights=pd.DataFrame({"item": ITEMS, "weight": ITEM_WEIGHTS}),
                           lonely_psu=rule, hamlet_counts=counts).to_frame()
    merged = r_est.merge(ours, on=["level", "area", "item", "measure"], suffixes=("_r", ""), validate="1:1")
    assert rel_diff(merged["se"], merged["se_r"]) < 1e-8
    fully_sampled = merged[merged["area"] == "C01"]
    assert (fully_sampled["se"] == 0).all()
