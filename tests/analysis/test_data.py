"""Input validation: each problem is reported with its source, line and column."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from analysis import InputError, compute_indices, read_table, write_table
from analysis.data import validate_item_weights, validate_margins, validate_responses


def test_answers_are_coded_with_blank_and_na_as_not_answered(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("id,commune,q1,q2\n1,A,4,NA\n2,A,,5\n3, A ,1,n/a\n")
    resp = validate_responses(read_table(path), source=str(path))
    assert resp.items == ("q1", "q2")
    np.testing.assert_array_equal(resp.codes, [[4, 0], [0, 5], [1, 0]])
    assert list(resp.frame["commune"]) == ["A", "A", "A"]


@pytest.mark.parametrize("value", ["6", "0", "2.5", "good"])
def test_an_answer_outside_the_scale_is_located(tmp_path, value):
    path = tmp_path / "r.csv"
    path.write_text(f"id,commune,q1\n1,A,4\n2,A,{value}\n")
    with pytest.raises(InputError) as err:
        validate_responses(read_table(path), source="r.csv")
    assert (err.value.source, err.value.line, err.value.column) == ("r.csv", 3, "q1")
    assert str(err.value).startswith(
        f"r.csv, line 3, column 'q1': value '{value}' is not an answer 1–5"
    )


def test_empty_commune_and_duplicate_id_are_located():
    frame = pd.DataFrame({"id": ["a", "b", "c"], "commune": ["A", "", "A"], "q1": [1, 2, 3]})
    with pytest.raises(InputError, match=r"line 3, column 'commune': empty value"):
        validate_responses(frame)
    frame = pd.DataFrame({"id": ["a", "b", "a"], "commune": ["A", "A", "A"], "q1": [1, 2, 3]})
    with pytest.raises(InputError, match=r"line 4, column 'id': duplicate id 'a'"):
        validate_responses(frame)


def test_xlsx_input_reads_like_csv(tmp_path):
    frame = pd.DataFrame({"id": [1, 2], "commune": ["A", "A"], "q1": [4, None]})
    path = tmp_path / "r.xlsx"
    frame.to_excel(path, index=False)
    resp = validate_responses(read_table(path))
    np.testing.assert_array_equal(resp.codes[:, 0], [4, 0])


def test_margins_and_item_weights_are_checked():
    margins = pd.DataFrame(
        {"commune": ["A", "A"], "variable": ["sex", "sex"], "level": ["F", "F"], "count": [1, 2]}
    )
    with pytest.raises(InputError, match=r"<margins>, line 3: duplicate margin A/sex/F"):
        validate_margins(margins)
    weights = pd.DataFrame({"item": ["q1", "q9"], "weight": [1, 1]})
    with pytest.raises(InputError, match=r"line 3, column 'item': item 'q9' is not an item column"):
        validate_item_weights(weights, ["q1", "q2"])


def test_item_weight_groups_give_group_composites():
    frame = pd.DataFrame(
        {"commune": ["A"] * 4, "q1": [1, 2, 3, 4], "q2": [5, 5, 4, 4], "q3": [2, 2, 3, 3]}
    )
    weights = pd.DataFrame(
        {"item": ["q1", "q2", "q3"], "weight": [1, 1, 2], "group": ["g1", "g1", "g2"]}
    )
    table = compute_indices(
        frame, ["q1", "q2", "q3"], item_weights=weights, thresholds=None
    ).to_frame()
    means = table[(table["measure"] == "mean") & (table["level"] == "commune")].set_index("item")[
        "estimate"
    ]
    assert means["composite_g1"] == pytest.approx((2.5 + 4.5) / 2)
    assert means["composite_g2"] == pytest.approx(2.5)


def test_csv_export_round_trips_every_digit():
    table = pd.DataFrame({"level": ["overall"], "estimate": [0.1 + 0.2]})
    buf = io.StringIO()
    write_table(table, buf)
    assert pd.read_csv(io.StringIO(buf.getvalue()))["estimate"].iloc[0] == 0.1 + 0.2


def test_numeric_codes_match_across_tables_whatever_their_dtype():
    # GSO commune codes: floats in a sheet with blanks, integers in the population table
    frame = pd.DataFrame(
        {"commune": [29770.0, 29770.0, 29770.0], "sex": ["F", "M", "M"], "q1": [4, 5, 3]}
    )
    cells = pd.DataFrame({"commune": [29770, 29770], "sex": ["F", "M"], "count": [50, 50]})
    result = compute_indices(frame, ["q1"], weighting="poststratify", cells=cells, thresholds=None)
    np.testing.assert_allclose(result.weights.final, [50, 25, 25])
    assert "29770" in set(result.to_frame()["area"])
