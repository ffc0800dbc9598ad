"""The analysis plan: saved and read back unchanged, the same numbers from the CLI and the API,
targets by the survey's date, criterion weights folded into the composite, a method paragraph."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest

from analysis import write_table
from analysis.api import run_plan
from analysis.cli import main
from analysis.method import describe_plan
from analysis.plan import (
    AnalysisPlan,
    CriterionWeight,
    ItemWeight,
    LevelTarget,
    PlanError,
    dump_plan,
    load_plan,
)

ITEMS = ["q1", "q2", "q3", "q4", "q5"]


def _plan(**changes) -> AnalysisPlan:
    base = dict(
        name="Tỉnh A 2026",
        version=3,
        calibration="rake",
        trim=(0.2, 5.0),
        item_weights=(
            ItemWeight("q1", 1, "roads"),
            ItemWeight("q2", 2, "roads"),
            ItemWeight("q3", 3, "health"),
            ItemWeight("q4", 1, "health"),
            ItemWeight("q5", 2, "health"),
        ),
        criterion_weights=(CriterionWeight("roads", 1.0), CriterionWeight("health", 3.0)),
        targets=(LevelTarget("commune", 0.75), LevelTarget("overall", 4.0, measure="mean")),
        survey_date="2026-03-01",
        conf_level=0.9,
    )
    return AnalysisPlan(**{**base, **changes})


def test_a_plan_survives_its_file_unchanged():
    plan = _plan()
    text = dump_plan(plan)
    assert json.loads(text)["format"] == 1
    assert load_plan(text) == plan
    assert load_plan(dump_plan(AnalysisPlan())) == AnalysisPlan()


@pytest.mark.parametrize(
    "change, fragment",
    [
        ({"colour": "red"}, "unknown field 'colour'"),
        ({"design": "cluster"}, "design must be one of"),
        ({"satisfied_min": 2}, "dissatisfied_max < satisfied_min"),
        ({"survey_date": "1/3/2026"}, "survey_date '1/3/2026' is not a date"),
        ({"targets": [{"level": "hamlet", "value": 0.8}]}, "target level"),
        ({"format": 99}, "not an analysis plan of format 1"),
    ],
)
def test_a_bad_plan_file_is_refused_naming_the_field(change, fragment):
    data = json.loads(dump_plan(AnalysisPlan()))
    data.update(change)
    with pytest.raises(PlanError, match=fragment) as info:
        load_plan(json.dumps(data), source="plan.json")
    assert str(info.value).startswith("plan.json: ")


def test_a_criterion_without_weight_is_refused():
    with pytest.raises(PlanError, match="criterion 'health' has items but no criterion weight"):
        _plan(criterion_weights=(CriterionWeight("roads", 1.0),))


def test_auto_design_clusters_whenever_hamlets_are_recorded(survey):
    responses = survey[0]
    plan = AnalysisPlan()
    assert plan.resolve_design(responses) == "clustered"
    assert plan.resolve_design(responses.drop(columns="hamlet")) == "stratified"
    assert plan.resolve_design(responses.assign(hamlet="")) == "stratified"
    assert AnalysisPlan(design="stratified").resolve_design(responses) == "stratified"


def test_a_level_abolished_before_the_survey_has_no_target():
    before, after = AnalysisPlan(survey_date="2025-05-01"), AnalysisPlan(survey_date="2025-09-01")
    assert {r.level for r in before.threshold_rules()} == {"commune", "district"}
    assert {r.level for r in after.threshold_rules()} == {"commune"}
    assert [r.target for r in after.threshold_rules()] == [0.8]


def test_criterion_weights_give_each_criterion_its_share_of_the_composite(survey):
    responses, _, margins = survey
    table = run_plan(_plan(targets=()), responses, ITEMS, margins=margins).to_frame()
    rows = table[(table["level"] == "overall") & (table["measure"] == "mean")].set_index("item")
    r = rows["estimate"]
    roads = (1 * r["q1"] + 2 * r["q2"]) / 3
    health = (3 * r["q3"] + 1 * r["q4"] + 2 * r["q5"]) / 6
    assert r["composite_weighted"] == pytest.approx((1 * roads + 3 * health) / 4, rel=1e-12)
    assert r["composite_health"] == pytest.approx(health, rel=1e-12)
    assert set(table["plan"]) == {"Tỉnh A 2026 v3"}


def _write_inputs(tmp_path, survey):
    responses, cells, margins = survey
    paths = {name: tmp_path / f"{name}.csv" for name in ("responses", "cells", "margins")}
    responses.to_csv(paths["responses"], index=False)
    cells.to_csv(paths["cells"], index=False)
    margins.to_csv(paths["margins"], index=False)
    return paths


@pytest.mark.parametrize("calibration", ["rake", "poststratify"])
def test_the_cli_with_a_plan_file_gives_the_apis_numbers_to_the_last_digit(tmp_path, survey, calibration):
    plan = _plan(calibration=calibration, trim=(0.2, 5.0) if calibration == "rake" else None)
    paths = _write_inputs(tmp_path, survey)
    (tmp_path / "plan.json").write_text(dump_plan(plan), encoding="utf-8")
    population = "--margins" if calibration == "rake" else "--cells"
    argv = ["--responses", str(paths["responses"]), population, str(paths[population[2:]]),
            "--plan", str(tmp_path / "plan.json"), "--items", ",".join(ITEMS), "--out", str(tmp_path / "out.csv")]
    assert main(argv) == 0

    # The API reads the same CSV text the CLI reads, as the platform's export would hand it over.
    responses, cells, margins = (pd.read_csv(paths[n], dtype=str, keep_default_na=False)
                                 for n in ("responses", "cells", "margins"))
    result = run_plan(plan, responses, ITEMS, cells=cells.astype({"count": float}),
                      margins=margins.astype({"count": float}))
    expected = io.StringIO()
    write_table(result.to_frame(), expected, "csv")
    assert (tmp_path / "out.csv").read_text(encoding="utf-8") == expected.getvalue()
    assert len(result.to_frame()) > 100


def test_options_beside_a_plan_override_it_and_plan_out_records_what_ran(tmp_path, survey):
    paths = _write_inputs(tmp_path, survey)
    (tmp_path / "plan.json").write_text(dump_plan(_plan()), encoding="utf-8")
    common = ["--responses", str(paths["responses"]), "--margins", str(paths["margins"]), "--items", ",".join(ITEMS)]
    assert main([*common, "--plan", str(tmp_path / "plan.json"), "--conf-level", "0.95",
                 "--out", str(tmp_path / "a.csv"), "--plan-out", str(tmp_path / "used.json")]) == 0
    used = load_plan((tmp_path / "used.json").read_text(encoding="utf-8"))
    assert used == _plan(conf_level=0.95)
    assert main([*common, "--plan", str(tmp_path / "used.json"), "--out", str(tmp_path / "b.csv")]) == 0
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    narrow = pd.read_csv(tmp_path / "a.csv")
    assert main([*common, "--plan", str(tmp_path / "plan.json"), "--out", str(tmp_path / "c.csv")]) == 0
    wide = pd.read_csv(tmp_path / "c.csv")
    assert np.all((wide["ci_hi"] - wide["ci_lo"]).fillna(0) <= (narrow["ci_hi"] - narrow["ci_lo"]).fillna(0) + 1e-12)


def test_a_bad_plan_file_exits_2_naming_it(tmp_path, survey, capsys):
    paths = _write_inputs(tmp_path, survey)
    (tmp_path / "plan.json").write_text('{"format": 1, "design": "cluster"}', encoding="utf-8")
    argv = ["--responses", str(paths["responses"]), "--plan", str(tmp_path / "plan.json"),
            "--out", str(tmp_path / "out.csv")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert str(tmp_path / "plan.json") in err and "design must be one of" in err
    assert not (tmp_path / "out.csv").exists()


def test_without_a_plan_the_design_and_weighting_are_required(tmp_path, survey, capsys):
    paths = _write_inputs(tmp_path, survey)
    assert main(["--responses", str(paths["responses"]), "--out", str(tmp_path / "out.csv")]) == 2
    assert "--design and --weighting are required without --plan FILE" in capsys.readouterr().err


def test_the_method_paragraph_says_what_the_plan_does():
    plan = _plan()
    vi, en = describe_plan(plan, "vi"), describe_plan(plan, "en")
    assert "Tỉnh A 2026 v3" in vi and "Tỉnh A 2026 v3" in en
    assert "cân chỉnh lặp (raking)" in vi and "raking to each commune's margins" in en
    assert "[0.2; 5]" in vi and "[0.2, 5]" in en
    assert "trọng số câu hỏi và tiêu chí" in vi and "item and criterion weights" in en
    assert "prop_sat ≥ 75% (xã)" in vi and "mean ≥ 4 (province)" in en
    assert "90% intervals" in en and "Khoảng tin cậy 90%" in vi
    later = describe_plan(AnalysisPlan(survey_date="2025-09-01"), "en")
    assert "district" not in later.split("Targets:")[1]
    assert "post-stratification" in describe_plan(AnalysisPlan(calibration="poststratify"), "en")
    boot = describe_plan(AnalysisPlan(variance="bootstrap", replicates=200, seed=9), "en")
    assert "Rao–Wu rescaling bootstrap (200 replicates, seed 9)" in boot
    with pytest.raises(ValueError, match="language"):
        describe_plan(plan, "fr")
