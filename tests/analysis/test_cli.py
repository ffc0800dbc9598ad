"""The command-line contract: documented columns on success; on a bad file or option, exit status
2, one message naming the file, line and column, and nothing written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.cli import main

PROJECT_DIR = Path(__file__).resolve().parents[2]
COLUMNS = [
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
ITEMS = ["q1", "q2", "q3", "q4", "q5"]


@pytest.fixture()
def files(tmp_path, survey):
    responses, cells, margins = survey
    paths = {
        name: tmp_path / f"{name}.csv" for name in ("responses", "cells", "margins", "item_weights")
    }
    responses.to_csv(paths["responses"], index=False)
    cells.to_csv(paths["cells"], index=False)
    margins.to_csv(paths["margins"], index=False)
    pd.DataFrame({"item": ITEMS, "weight": [1, 2, 3, 1, 2]}).to_csv(
        paths["item_weights"], index=False
    )
    return paths


def _run(files, tmp_path, *extra, out="out.csv"):
    argv = [
        "--responses",
        str(files["responses"]),
        "--margins",
        str(files["margins"]),
        "--design",
        "clustered",
        "--weighting",
        "rake",
        "--out",
        str(tmp_path / out),
        *extra,
    ]
    return main(argv)


def test_good_run_writes_the_documented_long_table(files, tmp_path):
    extra = [
        "--item-weights",
        str(files["item_weights"]),
        "--weights-out",
        str(tmp_path / "weights.csv"),
        "--diagnostics-out",
        str(tmp_path / "diagnostics.csv"),
    ]
    assert _run(files, tmp_path, *extra) == 0
    table = pd.read_csv(tmp_path / "out.csv", dtype={"area": str})
    assert list(table.columns[:13]) == COLUMNS
    assert {"target", "meets_target", "low_n_eff"} <= set(table.columns)
    assert set(table["level"]) == {"commune", "district", "overall"}
    assert set(table.loc[table["level"] == "overall", "area"]) == {"ALL"}
    assert set(table["item"]) == {*ITEMS, "composite_equal", "composite_weighted"}
    assert set(table["measure"]) == {"mean", "score", "prop_sat", "prop_dissat"}
    weights = pd.read_csv(tmp_path / "weights.csv")
    assert list(weights.columns) == ["id", "commune", "design_weight", "weight"]
    diagnostics = pd.read_csv(tmp_path / "diagnostics.csv")
    assert {"commune", "n", "w_min", "w_max", "w_ratio", "n_eff_kish", "deff_weighting"} <= set(
        diagnostics.columns
    )
    assert len(diagnostics) == 6


def test_xlsx_output_and_reliability_file(files, tmp_path):
    assert (
        _run(files, tmp_path, "--reliability-out", str(tmp_path / "alpha.csv"), out="out.xlsx") == 0
    )
    table = pd.read_excel(tmp_path / "out.xlsx")
    assert list(table.columns[:13]) == COLUMNS
    alpha = pd.read_csv(tmp_path / "alpha.csv")
    assert 0 < alpha.loc[alpha["item"] == "ALL", "alpha"].iloc[0] < 1


def test_drivers_table_on_request(files, tmp_path):
    assert (
        _run(
            files,
            tmp_path,
            "--items",
            "q1,q2,q3,q4",
            "--outcome",
            "q5",
            "--drivers-out",
            str(tmp_path / "drivers.csv"),
        )
        == 0
    )
    drivers = pd.read_csv(tmp_path / "drivers.csv")
    assert list(drivers["predictor"]) == ["q1", "q2", "q3", "q4"]
    assert {"coef", "se", "odds_ratio", "p_value", "n", "converged"} <= set(drivers.columns)


def test_targets_and_satisfied_rule_are_options(files, tmp_path):
    assert _run(files, tmp_path, "--target", "commune:prop_sat:0.5", "--satisfied-min", "5") == 0
    table = pd.read_csv(tmp_path / "out.csv", dtype={"area": str})
    judged = table[table["target"].notna()]
    assert set(judged["measure"]) == {"prop_sat"} and set(judged["level"]) == {"commune"}
    enough = judged[judged["n_eff_kish"] >= 30]
    assert len(enough) and (enough["meets_target"] == (enough["ci_lo"] >= 0.5)).all()
    assert (judged.loc[judged["n_eff_kish"] < 30, "verdict"] == "not enough responses").all()


def _assert_refused(capsys, tmp_path, status, *fragments):
    assert status == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    for fragment in fragments:
        assert fragment in err, err
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(("out", ".analysis"))] == []


def test_bad_answer_names_file_line_and_column(files, tmp_path, capsys):
    lines = files["responses"].read_text().splitlines()
    header = lines[0].split(",")
    row = lines[6].split(",")
    row[header.index("q3")] = "7"
    lines[6] = ",".join(row)
    files["responses"].write_text("\n".join(lines) + "\n")
    status = _run(files, tmp_path)
    _assert_refused(capsys, tmp_path, status, f"{files['responses']}, line 7, column 'q3'", "'7'")


def test_missing_column_is_refused(files, tmp_path, capsys):
    frame = pd.read_csv(files["responses"]).drop(columns=["sex"])
    frame.to_csv(files["responses"], index=False)
    _assert_refused(
        capsys,
        tmp_path,
        _run(files, tmp_path),
        str(files["responses"]),
        "line 1",
        "missing column 'sex'",
    )


def test_margin_totals_that_disagree_point_at_the_margins_file(files, tmp_path, capsys):
    margins = pd.read_csv(files["margins"])
    margins.loc[(margins["commune"] == "C03") & (margins["level"] == "60+"), "count"] += 7
    margins.to_csv(files["margins"], index=False)
    _assert_refused(
        capsys,
        tmp_path,
        _run(files, tmp_path),
        str(files["margins"]),
        "commune 'C03'",
        "margin totals disagree",
    )


def test_level_lacking_from_margins_points_at_the_responses_line(files, tmp_path, capsys):
    frame = pd.read_csv(files["responses"])
    frame.loc[10, "age_group"] = "90+"
    frame.to_csv(files["responses"], index=False)
    _assert_refused(
        capsys,
        tmp_path,
        _run(files, tmp_path),
        f"{files['responses']}, line 12, column 'age_group'",
        "age_group=90+ occurs in the data but is not in the margins",
    )


def test_bad_number_in_margins_names_line_and_column(files, tmp_path, capsys):
    margins = pd.read_csv(files["margins"]).astype({"count": object})
    margins.loc[3, "count"] = "many"
    margins.to_csv(files["margins"], index=False)
    _assert_refused(
        capsys, tmp_path, _run(files, tmp_path), f"{files['margins']}, line 5, column 'count'"
    )


@pytest.mark.parametrize(
    "argv_extra, fragment",
    [
        (["--ci", "bayes"], "--ci"),
        (["--target", "commune:prop_sat:high"], "target 'high' is not a number"),
        (["--trim", "3,1"], "--trim"),
    ],
)
def test_bad_options_exit_2_with_one_message(files, tmp_path, capsys, argv_extra, fragment):
    _assert_refused(capsys, tmp_path, _run(files, tmp_path, *argv_extra), fragment)


def test_missing_file_and_unknown_output_format(files, tmp_path, capsys):
    files["responses"] = tmp_path / "nope.csv"
    _assert_refused(capsys, tmp_path, _run(files, tmp_path), "nope.csv", "file not found")
    _assert_refused(capsys, tmp_path, _run(files, tmp_path, out="out.json"), "use a .csv or .xlsx")


def test_python_dash_m_entry_point(files, tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "analysis",
            "--responses",
            str(files["responses"]),
            "--design",
            "stratified",
            "--weighting",
            "poststratify",
            "--out",
            str(tmp_path / "out.csv"),
        ],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == "error: --weighting poststratify needs --cells FILE"
    assert not (tmp_path / "out.csv").exists()


def test_small_communes_do_not_stop_the_run_unless_asked(files, tmp_path, capsys):
    frame = pd.read_csv(files["responses"])
    frame.loc[frame["commune"] == "C02", "hamlet"] = "H1"  # one sampled hamlet
    frame = frame[~((frame["commune"] == "C04") & (frame["age_group"] == "18-29"))]  # an empty age group
    frame.to_csv(files["responses"], index=False)
    assert _run(files, tmp_path) == 0
    table = pd.read_csv(tmp_path / "out.csv", dtype={"area": str}, keep_default_na=False)
    notes = table[table["level"] == "commune"].groupby("area")["collapse"].first()
    assert notes["C04"] == "merged age groups 18-29/30-44" and notes["C01"] == ""
    (tmp_path / "out.csv").unlink()
    _assert_refused(capsys, tmp_path, _run(files, tmp_path, "--lonely-psu", "fail"), "commune 'C02'", "one hamlet")
    _assert_refused(capsys, tmp_path, _run(files, tmp_path, "--no-collapse"), "commune 'C04'", "no respondents")


def test_interval_methods_are_options(files, tmp_path):
    widths = {}
    for ci in ("beta", "logit", "t", "normal"):
        assert _run(files, tmp_path, "--ci", ci, out=f"{ci}.csv") == 0
        table = pd.read_csv(tmp_path / f"{ci}.csv")
        means = table[table["measure"] == "mean"]
        widths[ci] = (means["ci_hi"] - means["ci_lo"]).to_numpy()
    assert np.allclose(widths["logit"], widths["t"]) and not np.allclose(widths["beta"], widths["t"])
    assert (widths["normal"] < widths["t"]).all()


def test_jackknife_variance_is_an_option_of_the_clustered_design(files, tmp_path, capsys):
    assert _run(files, tmp_path, "--variance", "jkn", out="jkn.csv") == 0
    assert _run(files, tmp_path, out="lin.csv") == 0
    jkn, lin = (pd.read_csv(tmp_path / f"{name}.csv") for name in ("jkn", "lin"))
    assert (jkn["estimate"].fillna(-1) == lin["estimate"].fillna(-1)).all()
    assert not np.allclose(jkn["se"], lin["se"], equal_nan=True)
    argv = ["--responses", str(files["responses"]), "--design", "stratified", "--weighting", "none",
            "--variance", "jkn", "--out", str(tmp_path / "out.csv")]
    _assert_refused(capsys, tmp_path, main(argv), "need the clustered design")


def test_hamlet_counts_shrink_the_variance_of_communes_mostly_sampled(files, tmp_path, capsys):
    frame = pd.read_csv(files["responses"])
    sampled = frame.groupby("commune")["hamlet"].nunique()
    pd.DataFrame({"commune": sampled.index, "hamlets": sampled.to_numpy() + 1}).to_csv(
        tmp_path / "hamlets.csv", index=False)
    assert _run(files, tmp_path, "--hamlet-counts", str(tmp_path / "hamlets.csv"), out="fpc.csv") == 0
    assert _run(files, tmp_path, out="plain.csv") == 0
    fpc, plain = (pd.read_csv(tmp_path / f"{n}.csv") for n in ("fpc", "plain"))
    assert (fpc["se"] <= plain["se"] + 1e-15).all() and (fpc["se"] < plain["se"]).any()
    pd.DataFrame({"commune": ["C01"], "hamlets": ["many"]}).to_csv(tmp_path / "hamlets.csv", index=False)
    _assert_refused(capsys, tmp_path, _run(files, tmp_path, "--hamlet-counts", str(tmp_path / "hamlets.csv")),
                    "hamlets.csv, line 2, column 'hamlets'")


def test_several_designs_and_weightings_in_one_run_read_the_responses_once(files, tmp_path, monkeypatch):
    import analysis.cli as cli

    reads = []
    real_read = cli.read_table
    monkeypatch.setattr(cli, "read_table", lambda path, **kw: reads.append(str(path)) or real_read(path, **kw))
    argv = ["--responses", str(files["responses"]), "--margins", str(files["margins"]),
            "--design", "stratified,clustered", "--weighting", "none,rake", "--out", str(tmp_path / "all.csv")]
    assert main(argv) == 0
    assert reads.count(str(files["responses"])) == 1
    stacked = pd.read_csv(tmp_path / "all.csv", dtype={"area": str})
    assert set(zip(stacked["design"], stacked["weighting"], strict=True)) == {
        ("stratified", "none"), ("stratified", "rake"), ("clustered", "none"), ("clustered", "rake")}
    assert main([*argv[:6], "--design", "clustered", "--weighting", "rake", "--out", str(tmp_path / "one.csv")]) == 0
    one = pd.read_csv(tmp_path / "one.csv", dtype={"area": str})
    part = stacked[(stacked["design"] == "clustered") & (stacked["weighting"] == "rake")].reset_index(drop=True)
    pd.testing.assert_frame_equal(part.drop(columns=["design", "weighting"]), one)


def test_several_configurations_refuse_side_outputs(files, tmp_path, capsys):
    status = _run(files, tmp_path, "--design", "stratified,clustered", "--weights-out", str(tmp_path / "w.csv"))
    _assert_refused(capsys, tmp_path, status, "need a single --design and --weighting")


def test_the_bootstrap_is_reproducible_from_its_seed(files, tmp_path):
    for out in ("a.csv", "b.csv"):
        assert _run(files, tmp_path, "--variance", "bootstrap", "--replicates", "40", "--seed", "5", out=out) == 0
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
