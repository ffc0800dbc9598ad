"""Weighting: closed forms, calibration invariants and precise errors naming commune and cell."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import WeightingError, compute_indices, compute_weights
from analysis.data import validate_responses


def _frame(sex, age, commune="A", design_weight=None):
    n = len(sex)
    frame = pd.DataFrame(
        {
            "id": [f"{commune}{i}" for i in range(n)],
            "commune": commune,
            "sex": sex,
            "age_group": age,
            "q1": [3] * n,
        }
    )
    if design_weight is not None:
        frame["design_weight"] = design_weight
    return frame


def _margins(commune, sex, age):
    rows = [(commune, "sex", k, v) for k, v in sex.items()] + [
        (commune, "age_group", k, v) for k, v in age.items()
    ]
    return pd.DataFrame(rows, columns=["commune", "variable", "level", "count"])


def _weights(frame, **kwargs):
    return compute_weights(
        validate_responses(frame, ["q1"], weighting_vars=("sex", "age_group")).frame, **kwargs
    )


def test_post_stratification_gives_each_cell_its_population():
    frame = _frame(["F", "F", "M"], ["y", "o", "y"], design_weight=[1.0, 3.0, 2.0])
    cells = pd.DataFrame({"commune": "A", "sex": ["F", "M"], "count": [80.0, 20.0]})
    w = _weights(frame, weighting="poststratify", cells=cells[["commune", "sex", "count"]])
    # w = d × N_cell / Σ_cell d: F: 1×80/4, 3×80/4; M: 2×20/2
    np.testing.assert_allclose(w.final, [20, 60, 20])


def test_raking_meets_every_margin_and_keeps_design_weight_ratios_within_joint_cells():
    rng = np.random.default_rng(3)
    sex = rng.choice(["F", "M"], 50)
    age = rng.choice(["y", "m", "o"], 50)
    d = rng.uniform(1, 3, 50)
    frame = _frame(list(sex), list(age), design_weight=d)
    margins = _margins("A", {"F": 520, "M": 480}, {"y": 300, "m": 400, "o": 300})
    w = _weights(frame, weighting="rake", margins=margins)
    for var, target in (
        ("sex", {"F": 520, "M": 480}),
        ("age_group", {"y": 300, "m": 400, "o": 300}),
    ):
        sums = pd.Series(w.final).groupby(frame[var].to_numpy()).sum()
        for level, count in target.items():
            assert sums[level] == pytest.approx(count, rel=1e-10)
    g = pd.Series(w.final / d).groupby([sex, age]).agg(["min", "max"])
    np.testing.assert_allclose(g["min"], g["max"], rtol=1e-12)
    assert w.iterations > 0


def test_diagnostics_report_kish_effective_n_and_weight_ratio():
    frame = _frame(["F", "M", "M", "M"], ["y", "y", "y", "y"])
    cells = pd.DataFrame({"commune": "A", "sex": ["F", "M"], "count": [30.0, 30.0]})
    diag = _weights(frame, weighting="poststratify", cells=cells).diagnostics.iloc[0]
    # w = 30, 10, 10, 10: n_eff = 60² / (900 + 300) = 3
    assert diag["n_eff_kish"] == pytest.approx(3.0)
    assert diag["deff_weighting"] == pytest.approx(4 / 3)
    assert (diag["w_min"], diag["w_max"], diag["w_ratio"]) == pytest.approx((10, 30, 3))


def test_trimming_bounds_weights_then_recalibrates_to_the_margins():
    # one F respondent has four times the design weight of the others
    sex = ["F"] * 5 + ["M"] * 15
    age = ["y", "o"] * 10
    frame = _frame(sex, age, design_weight=[1, 1, 1, 1, 4] + [1] * 15)
    margins = _margins("A", {"F": 400, "M": 600}, {"y": 500, "o": 500})
    untrimmed = _weights(frame, weighting="rake", margins=margins)
    assert untrimmed.final.max() / untrimmed.final.mean() > 3
    w = _weights(frame, weighting="rake", margins=margins, trim=(0.3, 2.5))
    ratio = w.final / w.final.mean()
    assert ratio.max() == pytest.approx(2.5, rel=1e-9) and ratio.min() >= 0.3
    for var, target in (("sex", {"F": 400, "M": 600}), ("age_group", {"y": 500, "o": 500})):
        sums = pd.Series(w.final).groupby(frame[var].to_numpy()).sum()
        for level, count in target.items():
            assert sums[level] == pytest.approx(count, rel=1e-9)


def test_trimming_that_cannot_meet_the_bounds_fails_clearly():
    # two women must carry half the population: no weight within 1.1 × the mean can do that
    frame = _frame(["F"] * 2 + ["M"] * 18, ["y", "o"] * 10)
    margins = _margins("A", {"F": 500, "M": 500}, {"y": 500, "o": 500})
    with pytest.raises(
        WeightingError,
        match=r"trimming to bounds \(0.9, 1.1\) did not converge.*commune 'A'.*widen the bounds",
    ):
        _weights(
            frame,
            weighting="rake",
            margins=margins,
            trim=(0.9, 1.1),
        )


def test_design_weights_from_hamlet_population():
    frame = pd.DataFrame({"commune": "A", "hamlet": ["H1", "H1", "H2"], "q1": [1, 2, 3]})
    pops = pd.DataFrame({"commune": "A", "hamlet": ["H1", "H2"], "population": [100.0, 30.0]})
    w = compute_weights(frame, hamlet_population=pops)
    np.testing.assert_allclose(w.design, [50, 50, 30])


# --- errors: each names the commune and the cell -------------------------------------------------


def test_empty_sample_cell_with_population_is_refused():
    frame = _frame(["F", "F", "F"], ["y", "o", "y"])
    cells = pd.DataFrame({"commune": "A", "sex": ["F", "M"], "count": [80.0, 20.0]})
    with pytest.raises(
        WeightingError, match=r"commune 'A': cell sex=M has population 20 but no respondents"
    ):
        _weights(frame, weighting="poststratify", cells=cells)


def test_empty_sample_level_in_margins_is_refused():
    frame = _frame(["F", "F", "M"], ["y", "y", "y"])
    margins = _margins("A", {"F": 50, "M": 50}, {"y": 60, "o": 40})
    with pytest.raises(
        WeightingError, match=r"commune 'A': level age_group=o has population 40 but no respondents"
    ):
        _weights(frame, weighting="rake", margins=margins)


def test_level_in_the_data_that_the_margins_lack_is_refused():
    frame = _frame(["F", "M", "X"], ["y", "y", "y"])
    margins = _margins("A", {"F": 50, "M": 50}, {"y": 100})
    with pytest.raises(
        WeightingError,
        match=r"commune 'A': level sex=X occurs in the data but is not in the margins",
    ) as err:
        _weights(frame, weighting="rake", margins=margins)
    assert (err.value.commune, err.value.cell) == ("A", "sex=X")


def test_cell_in_the_data_that_the_cells_lack_is_refused():
    frame = _frame(["F", "M"], ["y", "y"])
    cells = pd.DataFrame({"commune": "A", "sex": ["F"], "count": [80.0]})
    with pytest.raises(
        WeightingError,
        match=r"commune 'A': cell sex=M occurs in the data but not in the population cells",
    ):
        _weights(frame, weighting="poststratify", cells=cells)


def test_margins_whose_totals_disagree_are_refused():
    frame = _frame(["F", "M", "M"], ["y", "o", "y"])
    margins = _margins("A", {"F": 50, "M": 50}, {"y": 60, "o": 50})
    with pytest.raises(
        WeightingError,
        match=r"commune 'A': margin totals disagree \(sex sums to 100, age_group sums to 110\)",
    ):
        _weights(frame, weighting="rake", margins=margins)


def test_commune_with_one_respondent_is_refused():
    frame = pd.concat([_frame(["F", "M"], ["y", "y"]), _frame(["F"], ["y"], commune="B")])
    with pytest.raises(WeightingError, match=r"commune 'B' has only one respondent"):
        compute_indices(frame, ["q1"])


def test_clustered_commune_with_one_hamlet_is_refused():
    frame = _frame(["F", "M"], ["y", "y"]).assign(hamlet="H1")
    with pytest.raises(WeightingError, match=r"commune 'A' has respondents from only one hamlet"):
        compute_indices(frame, ["q1"], design="clustered")


def test_raking_that_does_not_converge_is_refused_naming_the_commune():
    # sex and age are associated in the sample, so each raking pass disturbs the other margin
    frame = _frame(["F"] * 12 + ["M"] * 18, ["y"] * 10 + ["o"] * 2 + ["y"] * 3 + ["o"] * 15)
    margins = _margins("A", {"F": 700, "M": 300}, {"y": 200, "o": 800})
    with pytest.raises(
        WeightingError, match=r"raking did not converge after 2 iterations .* commune\(s\) 'A'"
    ):
        _weights(frame, weighting="rake", margins=margins, max_iter=2)


def test_commune_without_population_is_refused():
    frame = pd.concat([_frame(["F", "M"], ["y", "y"]), _frame(["F", "M"], ["y", "y"], commune="B")])
    margins = _margins("A", {"F": 50, "M": 50}, {"y": 100})
    with pytest.raises(
        WeightingError, match=r"commune 'B' has respondents but no population margins"
    ):
        _weights(frame, weighting="rake", margins=margins)


def test_raking_that_settles_without_meeting_the_margins_is_refused():
    # Every woman is young and every man old: the sex step and the age step contradict each other,
    # each pass ends on the age margins and the table stops changing (R's rake calls that converged).
    frame = _frame(["F"] * 5 + ["M"] * 5, ["y"] * 5 + ["o"] * 5)
    margins = _margins("A", {"F": 50, "M": 50}, {"y": 30, "o": 70})
    with pytest.raises(WeightingError, match=r"cannot meet every margin in commune\(s\) 'A'") as caught:
        _weights(frame, weighting="rake", margins=margins)
    assert caught.value.reason == "not_converged"
