"""Korn–Graubard intervals for shares equal R's ``svyciprop(method="beta")`` wherever R gives one.

R has no interval where the estimated variance is 0 or there are no degrees of freedom; there
the documented rule (respondents who answered as effective n) applies and is tested without R in
``test_intervals.py``. Skipped, with the reason, where Rscript is absent.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import compute_indices

from .rcheck import run_r_script
from .synthetic import R_SCRIPT, make_survey
from .test_r_lonely import lonely_survey

pytestmark = pytest.mark.r_crosscheck

ITEMS = ["q1", "q2", "q3", "q4", "q5"]
ITEM_WEIGHTS = [1, 2, 3, 1, 2]


@pytest.mark.parametrize(
    "design, weighting, data",
    [("stratified", "none", "plain"), ("clustered", "rake", "plain"), ("stratified", "poststratify", "plain"),
     ("clustered", "none", "lonely")],
)
def test_beta_intervals_match_r_svyciprop(tmp_path, r_ready, design, weighting, data):
    responses, cells, margins = make_survey(seed=11) if data == "plain" else lonely_survey(design)
    for name, frame in (("responses", responses), ("cells", cells), ("margins", margins)):
        frame.to_csv(tmp_path / f"{name}.csv", index=False)
    (tmp_path / "check.R").write_text(R_SCRIPT)
    proc = run_r_script(tmp_path / "check.R", tmp_path, design, weighting, ITEMS, ITEM_WEIGHTS,
                        lonely_psu="adjust", ci="beta")
    assert proc.returncode == 0, proc.stderr[-3000:]
    r_est = pd.read_csv(tmp_path / "r_estimates.csv", dtype={"area": str})
    ours = compute_indices(responses, ITEMS, design=design, weighting=weighting, cells=cells, margins=margins,
                           ci="beta", lonely_psu="adjust").to_frame()
    merged = r_est.merge(ours, on=["level", "area", "item", "measure"], suffixes=("_r", ""))
    shares = merged[merged["measure"].isin(["prop_sat", "prop_dissat"]) & ~merged["item"].str.startswith("comp")]
    r_gives = shares["ci_lo_r"].notna() & shares["ci_hi_r"].notna()
    assert r_gives.sum() >= 0.85 * len(shares)  # the lonely commune: R has no interval
    for bound in ("ci_lo", "ci_hi"):
        ours_b, ref = shares.loc[r_gives, bound].to_numpy(), shares.loc[r_gives, f"{bound}_r"].to_numpy()
        assert np.allclose(ours_b, ref, rtol=1e-8, atol=1e-10), np.max(np.abs(ours_b - ref))
    # where R has no interval, ours is still a proper one: inside [0, 1] and not of width 0
    rest = shares[~r_gives & (shares["n_obs"] > 0)]
    assert ((rest["ci_lo"] >= 0) & (rest["ci_hi"] <= 1) & (rest["ci_hi"] > rest["ci_lo"])).all()
