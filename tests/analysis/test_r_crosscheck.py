"""Every figure of the long table equals R ``survey`` 4.x on generated data.

R is the reference: estimates to 1e-9 relative, standard errors (and deff) to 1e-6 relative, for
stratified and clustered designs × no weighting, post-stratification and raking; composites via
``svyratio`` + ``svycontrast``; logit intervals via ``svyciprop``; Cronbach's alpha via
``psych::alpha``. Skipped, with the reason, where Rscript or the R packages are absent.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import compute_indices, cronbach_alpha

from .rcheck import rel_diff, run_r_script
from .synthetic import R_SCRIPT

pytestmark = pytest.mark.r_crosscheck

ITEMS = ["q1", "q2", "q3", "q4", "q5"]
ITEM_WEIGHTS = [1, 2, 3, 1, 2]


@pytest.fixture(scope="module")
def r_workdir(tmp_path_factory, survey, r_ready):
    responses, cells, margins = survey
    work = tmp_path_factory.mktemp("r_crosscheck")
    responses.to_csv(work / "responses.csv", index=False)
    cells.to_csv(work / "cells.csv", index=False)
    margins.to_csv(work / "margins.csv", index=False)
    (work / "check.R").write_text(R_SCRIPT)
    return work


def _run_r(work, design, weighting):
    out = work / f"{design}-{weighting}"
    out.mkdir()
    for name in ("responses.csv", "cells.csv", "margins.csv"):
        (out / name).symlink_to(work / name)
    proc = run_r_script(work / "check.R", out, design, weighting, ITEMS, ITEM_WEIGHTS)
    assert proc.returncode == 0, proc.stderr[-3000:]
    alpha = float((out / "r_alpha.txt").read_text())
    if weighting == "alpha-only":
        return None, None, alpha
    estimates = pd.read_csv(out / "r_estimates.csv", dtype={"area": str})
    weights = pd.read_csv(out / "r_weights.csv")
    return estimates, weights, alpha


@pytest.mark.parametrize("weighting", ["none", "poststratify", "rake"])
@pytest.mark.parametrize("design", ["stratified", "clustered"])
def test_every_figure_matches_r_survey(r_workdir, survey, design, weighting):
    responses, cells, margins = survey
    r_est, r_weights, _ = _run_r(r_workdir, design, weighting)
    result = compute_indices(
        responses,
        ITEMS,
        design=design,
        weighting=weighting,
        cells=cells if weighting == "poststratify" else None,
        margins=margins if weighting == "rake" else None,
        item_weights=pd.DataFrame({"item": ITEMS, "weight": ITEM_WEIGHTS}),
    )
    ours = result.to_frame()
    merged = r_est.merge(
        ours, on=["level", "area", "item", "measure"], suffixes=("_r", ""), validate="1:1"
    )
    # 6 communes + 2 districts + overall, × (5 items + 2 composites) × 3 measures
    assert len(merged) == len(r_est) == 9 * 7 * 3

    weights = pd.Series(result.weights.final, index=responses["id"]).reindex(r_weights["id"])
    assert rel_diff(weights, r_weights["weight"]) < 1e-9

    worst = {col: rel_diff(merged[col], merged[f"{col}_r"]) for col in ("estimate", "se")}
    print(f"\n{design}/{weighting}: max relative difference to R: {worst}")
    assert worst["estimate"] < 1e-9
    assert worst["se"] < 1e-6
    assert (merged["df"] == merged["df_r"]).all()
    items = merged[~merged["item"].str.startswith("composite")]
    assert rel_diff(items["deff"], items["deff_r"]) < 1e-6
    shares = items[items["measure"] != "mean"]
    inner = shares["estimate_r"].between(1e-9, 1 - 1e-9)
    for bound in ("ci_lo", "ci_hi"):
        assert rel_diff(shares.loc[inner, bound], shares.loc[inner, f"{bound}_r"]) < 1e-6
        # a share of exactly 0 or 1: R's logit interval collapses to within 1e-11 of it
        assert np.allclose(
            shares.loc[~inner, bound], shares.loc[~inner, f"{bound}_r"], rtol=0, atol=1e-9
        )


def test_cronbach_alpha_matches_psych_raw_alpha(r_workdir, survey):
    responses, _, _ = survey
    _, _, r_alpha = _run_r(r_workdir, "stratified", "alpha-only")
    ours = cronbach_alpha(responses[ITEMS])
    assert abs(ours.alpha - r_alpha) / abs(r_alpha) < 1e-9
