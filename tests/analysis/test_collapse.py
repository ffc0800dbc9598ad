"""Small communes never stop the run: empty calibration cells are collapsed within the commune by
the documented rule (neighbouring age groups, then sex only, then design weights only) and the
table says what was done; the other communes keep their full calibration."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import WeightingError, compute_indices
from analysis.collapse import collapse_empty_cells

ITEMS = ["q1", "q2", "q3", "q4", "q5"]


def _drop(responses, commune, **where):
    mask = responses["commune"] == commune
    for column, value in where.items():
        mask &= responses[column] == value
    return responses[~mask].reset_index(drop=True)


def _run(responses, weighting, population, **options):
    key = "cells" if weighting == "poststratify" else "margins"
    return compute_indices(responses, ITEMS, design="clustered", weighting=weighting,
                           lonely_psu="adjust", **{key: population}, **options)


def _notes(result):
    table = result.to_frame()
    rows = table[table["level"] == "commune"].drop_duplicates("area").set_index("area")
    return rows["collapse"].to_dict()


def test_without_collapse_an_empty_cell_still_refuses(survey):
    responses, cells, _ = survey
    thin = _drop(responses, "C03", sex="F", age_group="60+")
    with pytest.raises(WeightingError, match="commune 'C03'.*no respondents"):
        _run(thin, "poststratify", cells)


@pytest.mark.parametrize("age, merged", [("60+", "45-59/60+"), ("18-29", "18-29/30-44"), ("30-44", "30-44/45-59")])
def test_an_empty_age_group_merges_with_its_neighbour_and_only_in_that_commune(survey, age, merged):
    responses, cells, _ = survey
    thin = _drop(responses, "C03", sex="F", age_group=age)
    result = _run(thin, "poststratify", cells, collapse=True)
    assert _notes(result) == {c: "" for c in ("C01", "C02", "C04", "C05", "C06")} | {
        "C03": f"merged age groups {merged}"}
    w = pd.Series(result.weights.final)
    in_merged = (thin["commune"] == "C03") & (thin["sex"] == "F") & thin["age_group"].isin(merged.split("/"))
    population = cells[(cells["commune"] == "C03") & (cells["sex"] == "F") & cells["age_group"].isin(merged.split("/"))]
    assert w[in_merged.to_numpy()].sum() == pytest.approx(population["count"].sum(), rel=1e-12)
    full = _run(responses, "poststratify", cells, collapse=True)
    others = (thin["commune"] != "C03").to_numpy()
    assert np.allclose(w[others], full.weights.final[(responses["commune"] != "C03").to_numpy()], rtol=1e-13)
    assert set(_notes(full).values()) == {""}


def test_raking_merges_an_empty_age_margin_too(survey):
    responses, _, margins = survey
    thin = _drop(responses, "C05", age_group="18-29")
    notes = _notes(_run(thin, "rake", margins, collapse=True))
    assert notes["C05"] == "merged age groups 18-29/30-44" and notes["C01"] == ""


def test_one_sex_only_in_the_sample_falls_back_to_design_weights(survey):
    responses, cells, margins = survey
    thin = _drop(responses, "C02", sex="M")
    for weighting, population in (("poststratify", cells), ("rake", margins)):
        result = _run(thin, weighting, population, collapse=True)
        assert _notes(result)["C02"] == "design weights only"
        rows = (thin["commune"] == "C02").to_numpy()
        d, w = result.weights.design[rows], result.weights.final[rows]
        total = cells.loc[cells["commune"] == "C02", "count"].sum()
        assert np.allclose(w, d * total / d.sum(), rtol=1e-12)


def test_every_age_group_empty_but_one_means_sex_only(survey):
    responses, cells, _ = survey
    c04 = responses["commune"] == "C04"
    keep = ~c04 | (responses["age_group"] == "30-44")
    thin = responses[keep].reset_index(drop=True)
    result = _run(thin, "poststratify", cells, collapse=True)
    assert _notes(result)["C04"] == "sex only"
    rows = (thin["commune"] == "C04") & (thin["sex"] == "F")
    women = cells[(cells["commune"] == "C04") & (cells["sex"] == "F")]["count"].sum()
    assert result.weights.final[rows.to_numpy()].sum() == pytest.approx(women, rel=1e-12)


def test_a_commune_of_one_respondent_gets_its_row(survey):
    responses, _, margins = survey
    c06 = responses.index[responses["commune"] == "C06"]
    thin = responses.drop(c06[1:]).reset_index(drop=True)
    table = _run(thin, "rake", margins, collapse=True).to_frame()
    lone = table[(table["level"] == "commune") & (table["area"] == "C06")]
    assert set(lone["collapse"]) == {"design weights only"}
    assert (lone["n_obs"] <= 1).all()
    assert table[table["level"] == "overall"]["se"].notna().all()


def test_collapse_relabels_population_and_responses_alike():
    ages = ("18-29", "30-44", "45-59")
    frame = pd.DataFrame({"commune": ["A"] * 5 + ["B"] * 6, "sex": list("FMFMF") + list("FMFMFM"),
                          "age_group": ["18-29", "18-29", "30-44", "45-59", "45-59", *np.repeat(ages, 2)]})
    cells = pd.DataFrame([(c, s, a, 10) for c in "AB" for s in "FM" for a in ages],
                         columns=["commune", "sex", "age_group", "count"])
    out = collapse_empty_cells(frame, cells, "poststratify", ["sex", "age_group"])
    assert out.actions == {"A": "merged age groups 30-44/45-59"}
    assert list(out.frame["age_group"][:5]) == ["18-29", "18-29", "30-44/45-59", "30-44/45-59", "30-44/45-59"]
    assert list(out.frame["age_group"][5:]) == list(frame["age_group"][5:])
    a = out.population[out.population["commune"] == "A"]
    assert sorted(zip(a["sex"], a["age_group"], a["count"], strict=True)) == [
        ("F", "18-29", 10), ("F", "30-44/45-59", 20), ("M", "18-29", 10), ("M", "30-44/45-59", 20)]
    assert len(out.population[out.population["commune"] == "B"]) == 6


def test_a_commune_that_cannot_be_calibrated_gets_its_rows_with_the_reason(survey):
    responses, _, margins = survey
    lacking = margins[margins["commune"] != "C05"]
    with pytest.raises(WeightingError, match="commune 'C05' has respondents but no population margins"):
        _run(responses, "rake", lacking)
    table = _run(responses, "rake", lacking, collapse=True).to_frame()
    c05 = table[(table["level"] == "commune") & (table["area"] == "C05")]
    assert len(c05) == len(table[(table["level"] == "commune") & (table["area"] == "C01")])
    assert c05["estimate"].isna().all() and c05["se"].isna().all()
    assert set(c05["reason"]) == {"not estimated: commune 'C05' has respondents but no population margins"}
    assert set(c05["verdict"]) <= {"", "not enough responses"}
    d2 = table[(table["level"] == "district") & (table["area"] == "D2")]
    assert set(d2["reason"]) == {"without commune(s) C05 (not estimated)"}
    assert set(table.loc[table["level"] == "district", "area"]) == {"D1", "D2"}
    without = _run(responses[responses["commune"] != "C05"], "rake", lacking, collapse=True).to_frame()
    others = table[table["area"] != "C05"].reset_index(drop=True)
    assert np.allclose(others["estimate"], without["estimate"], equal_nan=True, rtol=1e-13)
    assert list(table.loc[table["level"] == "commune", "area"].unique()) == ["C01", "C02", "C03", "C04", "C05", "C06"]
