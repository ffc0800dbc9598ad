"""Population margins: one parser for the CLI and the upload page, audited loads, raking on the
indices page, and a clear message (never a 500) when the sample cannot be raked."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import func, select

import analysis
from core.models import AuditEntry, Role
from surveys.models import QuestionType, WeightingRole
from surveys.respond.store import record_response
from surveys.services.indices import IndicesUnavailable, compute_survey_indices, rating_data
from surveys.services.margins import load_margins, parse_margins
from surveys.services.paper import ImportRefused
from tests.core.test_uploads import with_sheet_data
from tests.factories import make_organisation, make_user
from tests.surveys.conftest import valid_answers

GOOD = (
    "variable,category,share\nsex,nam,0.49\nsex,nu,0.51\n"
    "age_group,18-29,0.2\nage_group,30-44,0.3\nage_group,45-59,0.3\nage_group,60+,0.2\n"
)


def refused(survey, text: str, filename: str = "m.csv") -> list[tuple[int, str, str]]:
    with pytest.raises(ImportRefused) as caught:
        parse_margins(survey, filename, text.encode())
    return [(p.row, p.column, p.message) for p in caught.value.problems]


def test_a_good_file_gives_shares_per_variable(app, survey):
    with app.test_request_context():
        margins = parse_margins(survey, "m.csv", GOOD.encode())
    assert margins["sex"] == {"nam": 0.49, "nu": 0.51}
    assert margins["age_group"]["60+"] == 0.2


def test_counts_become_shares_and_a_decimal_comma_is_read(app, survey):
    with app.test_request_context():
        assert parse_margins(survey, "m.csv", b"variable;category;count\nsex;nam;300\nsex;nu;700\n")["sex"] == {
            "nam": 0.3,
            "nu": 0.7,
        }
        assert parse_margins(survey, "m.csv", b'variable,category,share\nsex,nam,"0,49"\nsex,nu,"0,51"\n')["sex"] == {
            "nam": 0.49,
            "nu": 0.51,
        }


def test_an_xlsx_file_is_read_like_a_csv(app, survey):
    workbook = Workbook()
    for row in (["variable", "category", "count"], ["sex", "nam", 480], ["sex", "nu", 520]):
        workbook.active.append(row)
    data = io.BytesIO()
    workbook.save(data)
    with app.test_request_context():
        assert parse_margins(survey, "m.xlsx", data.getvalue())["sex"] == {"nam": 0.48, "nu": 0.52}


@pytest.mark.parametrize(
    ("text", "row", "column", "words"),
    [
        ("variable,category\nsex,nam\n", 1, "share", "Thiếu cột"),
        ("variable,category,share\nincome,x,1\n", 2, "variable", "“income” không có"),
        (
            "variable,category,share\nsex,nam,0.5\nsex,khac,0.5\n",
            3,
            "category",
            "“khac” không có trong câu hỏi sex; dùng: nam, nu",
        ),
        ("variable,category,share\nsex,nam,0.5\nsex,nam,0.5\n", 3, "category", "bị lặp"),
        ("variable,category,share\nsex,nam,-0.1\nsex,nu,1.1\n", 2, "share", "từ 0 đến 1"),
        ("variable,category,share\nsex,nam,abc\nsex,nu,0.5\n", 2, "share", "từ 0 đến 1"),
        ("variable,category,count\nsex,nam,-3\nsex,nu,5\n", 2, "count", "không âm"),
        ('variable,category,count\nsex,nam,"1,200"\nsex,nu,5\n', 2, "count", "số nguyên không âm"),
        # "1.234" is how Vietnamese writes 1234: read as 1.234 people it would shrink the group a thousandfold.
        ("variable,category,count\nsex,nam,1.234\nsex,nu,987\n", 2, "count", "không có dấu phân cách"),
        ("variable,category,share\nsex,nam,0.49\nsex,nu,0.41\n", 3, "share", "cộng lại bằng 0,9, phải bằng 1"),
        # A group left out would make every respondent in it unweightable.
        ("variable,category,share\nsex,nam,1\n", 2, "category", "Thiếu nhóm “nu” của sex"),
        ("variable,category,count\nsex,nam,0\nsex,nu,0\n", 3, "count", "bằng 0"),
        ("variable,category,share\n", 2, "", "không có dòng dữ liệu"),
    ],
)
def test_each_bad_input_is_named_by_row_and_column(app, survey, text, row, column, words):
    with app.test_request_context():
        problems = refused(survey, text)
    assert any(p[:2] == (row, column) and words in p[2] for p in problems), problems


def test_an_empty_file_is_refused_with_one_message(app, survey):
    with app.test_request_context():
        assert refused(survey, "") == [(0, "", "Tệp trống.")]


def test_blank_rows_at_the_end_of_an_xlsx_sheet_are_skipped(app, survey):
    """Excel keeps formatted empty rows in the sheet; a CSV's blank lines were already skipped."""
    workbook = Workbook()
    for row in (["variable", "category", "share"], ["sex", "nam", 0.49], ["sex", "nu", 0.51]):
        workbook.active.append(row)
    workbook.active["A9"].font = Font(bold=True)
    data = io.BytesIO()
    workbook.save(data)
    with app.test_request_context():
        assert parse_margins(survey, "m.xlsx", data.getvalue())["sex"] == {"nam": 0.49, "nu": 0.51}


def test_categories_must_be_the_weighting_questions_choices(app, session, survey):
    """The survey's own choice values decide: rename the sex question's codes and the old file fails."""
    question = next(q for q in survey.current_version.questions if q.weighting_role is WeightingRole.SEX)
    question.options = [{"value": "m", "label": "Nam"}, {"value": "f", "label": "Nữ"}]
    session.flush()
    with app.test_request_context():
        assert [p[1] for p in refused(survey, "variable,category,share\nsex,nam,0.5\nsex,nu,0.5\n")] == [
            "category",
            "category",
        ]


def test_a_refused_load_keeps_the_old_margins_and_leaves_no_audit(app, session, survey):
    survey.margins = {"sex": {"nam": 0.5, "nu": 0.5}}
    with app.test_request_context(), pytest.raises(ImportRefused):
        load_margins(session, survey, None, "bad.csv", b"variable,category,share\nsex,nam,2\n")
    assert survey.margins == {"sex": {"nam": 0.5, "nu": 0.5}}
    assert (
        session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "survey.load_margins"))
        == 0
    )


def test_huge_counts_are_refused_rather_than_overflowing_or_rounding_to_zero(app, survey):
    for count in ("9" * 400, "1" + "0" * 10):  # a float overflows; a billion-plus is a typing error
        assert refused(survey, f"variable,category,count\nsex,nam,{count}\nsex,nu,5\n")[0][:2] == (2, "count")
    # Two 308-digit counts once summed to infinity and were stored as shares {nam: 0.0, nu: 0.0}.
    problems = refused(survey, f"variable,category,count\nsex,nam,{'9' * 308}\nsex,nu,{'9' * 308}\n")
    assert [(row, column) for row, column, _ in problems] == [(2, "count"), (3, "count")]
    assert "1000000000" in problems[0][2]
    with app.test_request_context():
        assert parse_margins(survey, "m.csv", b"variable,category,count\nsex,nam,1000000000\nsex,nu,0\n")["sex"] == {
            "nam": 1.0, "nu": 0.0}


def test_a_file_of_a_million_rows_is_refused_at_the_limit(app, survey):
    with pytest.raises(ImportRefused) as caught:
        parse_margins(survey, "m.xlsx", with_sheet_data(b"<row><c><v>1</v></c></row>" * 1_000_000))
    assert "hơn 1000 dòng" in caught.value.problems[0].message


def test_a_csv_cell_past_the_csv_modules_limit_is_a_message(app, survey):
    with app.test_request_context():
        problems = refused(survey, 'variable,category,count\nsex,"' + "n" * 140_000 + '",1\n')
    assert "CSV" in problems[0][2]


# --- the upload page -------------------------------------------------------------------------


def upload(client, survey, text: str, name: str = "dan-so.csv"):
    return client.post(f"/surveys/{survey.id}/margins", data={"file": (io.BytesIO(text.encode()), name)},
                       content_type="multipart/form-data")


def test_officer_loads_margins_and_the_monitor_compares_the_sample(client, auth, session, officer, survey, link):
    record_response(session, link, valid_answers(survey), channel="qr")
    session.commit()
    auth.login(officer.email)
    assert "variable,category,share" in client.get(f"/surveys/{survey.id}/margins-template.csv").get_data(as_text=True)
    response = upload(client, survey, GOOD)
    assert response.status_code == 302
    monitor = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "49,0%" in monitor and "100,0%" in monitor  # population share beside the sample's (all "nam")
    assert "officer857@example.vn" in monitor  # who loaded them
    page = client.get(f"/surveys/{survey.id}/margins").get_data(as_text=True)
    assert "dan-so.csv" in page and "Thay bằng tệp khác" in page
    assert "60 trở lên (60+)" in page  # the choice as residents read it, beside the code the file uses


def test_a_bad_file_is_refused_with_row_and_column_and_nothing_changes(client, auth, session, officer, survey):
    survey.margins = {"sex": {"nam": 0.5, "nu": 0.5}}
    session.commit()
    auth.login(officer.email)
    response = upload(client, survey, "variable,category,share\nsex,nam,0.5\nsex,ba,0.5\n")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Tệp chưa được nạp" in page and "“ba” không có trong câu hỏi sex" in page
    assert '<td class="num" data-label="Dòng">3</td><td data-label="Cột">category</td>' in page
    session.refresh(survey)
    assert survey.margins == {"sex": {"nam": 0.5, "nu": 0.5}}


@pytest.mark.parametrize("role", [Role.ORGANISATION, Role.ANALYST])
def test_organisations_and_analysts_see_the_margins_but_cannot_change_them(client, auth, session, areas, survey, role):
    survey.margins = {"sex": {"nam": 0.5, "nu": 0.5}}
    org = make_organisation(session, areas["29578"]) if role is Role.ORGANISATION else None
    make_user(session, role=role, area_code="29578" if org else None, organisation=org, email="viewer@example.vn")
    session.commit()
    auth.login("viewer@example.vn")
    page = client.get(f"/surveys/{survey.id}/margins").get_data(as_text=True)
    assert "50,0%" in page and 'type="file"' not in page
    assert upload(client, survey, GOOD).status_code == 403
    session.refresh(survey)
    assert survey.margins == {"sex": {"nam": 0.5, "nu": 0.5}}


def test_an_officer_of_another_district_cannot_see_the_margins(client, auth, session, survey):
    make_user(session, role=Role.OFFICER, area_code="858", email="o858@example.vn")
    session.commit()
    auth.login("o858@example.vn")
    assert client.get(f"/surveys/{survey.id}/margins").status_code == 404
    assert upload(client, survey, GOOD).status_code == 404


# --- raking on the indices page ---------------------------------------------------------------


def codes(survey) -> tuple[str, str, str]:
    questions = survey.current_version.questions
    first = next(q.code for q in questions if q.type is QuestionType.SATISFACTION)
    sex = next(q.code for q in questions if q.weighting_role is WeightingRole.SEX)
    age = next(q.code for q in questions if q.weighting_role is WeightingRole.AGE_GROUP)
    return first, sex, age


def answer(session, survey, people: dict[str, list[tuple[str, str, str]]]) -> None:
    """people: commune code -> (sex, age group, first item) per respondent."""
    first, sex, age = codes(survey)
    hamlets = {"29578": "29578-01", "29581": "29581-01"}
    for link in survey.areas:
        for s, a, value in people[link.area.code]:
            answers = valid_answers(survey, hamlet=hamlets[link.area.code]) | {sex: [s], age: [a], first: [value]}
            record_response(session, link, answers, channel="link")
    session.commit()


UNWEIGHTED = analysis.AnalysisPlan(design_weights="one", calibration="none")


def share_satisfied(session, survey, plan=None, population=None):
    table = compute_survey_indices(rating_data(session, survey, survey.areas), plan, survey.areas, population)
    first = codes(survey)[0]
    rows = table[(table["item"] == first) & (table["measure"] == "prop_sat")]
    return rows.set_index("area")["estimate"], table


# Đồng Phú over-represents satisfied men (6 of 8); Bình Hòa Phước is balanced.
LOPSIDED = {
    "29578": [("nam", "18-29", "5")] * 6 + [("nu", "18-29", "1")] * 2,
    "29581": [("nam", "18-29", "5")] * 2 + [("nu", "18-29", "1")] * 2,
}


def test_raking_to_sex_shares_pulls_an_over_sampled_group_back(app, session, survey):
    answer(session, survey, LOPSIDED)
    survey.margins = {"sex": {"nam": 0.5, "nu": 0.5}, "age_group": {"18-29": 1.0}}
    session.commit()
    with app.test_request_context():
        unweighted, _ = share_satisfied(session, survey, UNWEIGHTED)
        raked, table = share_satisfied(session, survey)  # the default plan rakes
    assert unweighted["29578"] == pytest.approx(0.75)
    assert raked["29578"] == pytest.approx(0.5)  # men and women weigh half each, as in the population
    assert raked["29581"] == pytest.approx(unweighted["29581"])  # already balanced
    assert raked["ALL"] < unweighted["ALL"]
    assert set(table["plan"]) == {"default v1"}
    overall = table[
        (table["level"] == "overall") & (table["item"] == codes(survey)[0]) & (table["measure"] == "prop_sat")
    ]
    assert overall["n_eff_kish"].iloc[0] < 12  # unequal weights cost precision


def test_the_province_wide_shares_are_used_only_as_a_labelled_fallback(client, auth, session, officer, survey):
    answer(session, survey, LOPSIDED)
    auth.login(officer.email)
    page = client.get(f"/surveys/{survey.id}/indices").get_data(as_text=True)
    assert "chưa có số liệu dân số phù hợp: lần tính này không hiệu chỉnh" in page
    assert "phương án dự phòng" not in page
    survey.margins = {"sex": {"nam": 0.5, "nu": 0.5}}
    session.commit()
    page = client.get(f"/surveys/{survey.id}/indices").get_data(as_text=True)
    assert "Hiệu chỉnh theo tỷ lệ dân số toàn tỉnh (trang Tỷ lệ dân số), áp cho từng xã" in page
    assert "Cỡ mẫu hiệu dụng" in page and "deff" in page
    csv = client.get(f"/surveys/{survey.id}/indices.csv").get_data(as_text=True)
    header, first_row = csv.lstrip("\ufeff").splitlines()[:2]
    assert header.endswith(",collapse,plan") and "n_eff_kish" in header and "verdict" in header
    assert first_row.endswith(f",survey{survey.id}-default v1")


def test_a_population_group_without_respondents_is_collapsed_and_said(client, auth, session, officer, survey):
    answer(session, survey, LOPSIDED)
    survey.margins = {"age_group": {"18-29": 0.8, "60+": 0.2}}  # nobody aged 60+ answered
    session.commit()
    auth.login(officer.email)
    response = client.get(f"/surveys/{survey.id}/indices")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Chưa tính được chỉ số" not in page
    assert "chỉ dùng trọng số thiết kế" in page  # the commune's row says what was done, in Vietnamese


def test_without_collapsing_a_population_group_without_respondents_is_explained(app, session, survey):
    answer(session, survey, LOPSIDED)
    survey.margins = {"age_group": {"18-29": 0.8, "60+": 0.2}}
    session.commit()
    with app.test_request_context(), pytest.raises(IndicesUnavailable) as refused:
        share_satisfied(session, survey, analysis.AnalysisPlan(collapse=False))
    # Names, not codes: the commune and the weighting question's wording and choice.
    assert "Xã Đồng Phú không có người trả lời nào thuộc nhóm “Nhóm tuổi: 60 trở lên”" in str(refused.value)


def test_raking_that_cannot_converge_says_so(app, session, survey):
    # Every man is 18–29 and every woman 30–44, so the sex and age shares contradict each other.
    people = [("nam", "18-29", "5")] * 3 + [("nu", "30-44", "1")] * 3
    answer(session, survey, {"29578": people, "29581": people})
    survey.margins = {"sex": {"nam": 0.5, "nu": 0.5}, "age_group": {"18-29": 0.3, "30-44": 0.7}}
    session.commit()
    with app.test_request_context(), pytest.raises(IndicesUnavailable, match="không hội tụ"):
        share_satisfied(session, survey, analysis.AnalysisPlan(collapse=False))
