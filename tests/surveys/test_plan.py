"""A survey's analysis plan: edited by those who manage the survey, every save a new version, downloaded as the
file the command line reads, and the page's numbers equal to the command line's on the same plan and data."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import load_workbook

import analysis
from analysis.cli import main as analysis_cli
from core.models import Role
from surveys.models import SurveyPlan
from tests.factories import make_user
from tests.surveys.test_indices import answered  # noqa: F401  (fixture)

FORM = {
    "design": "clustered", "design_weights": "auto", "calibration": "rake", "collapse": "y",
    "satisfied_min": "4", "dissatisfied_max": "2", "commune_target": "75", "district_target": "90",
    "district_until": "2025-06-30", "min_n_eff": "20", "ci": "beta", "lonely_psu": "adjust",
    "variance": "linearization",
}


def test_a_survey_nobody_planned_uses_the_statistically_right_defaults(client, auth, officer, survey):
    auth.login(officer.email)
    plan = analysis.load_plan(client.get(f"/surveys/{survey.id}/plan.json").get_data(as_text=True))
    assert plan.name == f"survey{survey.id}-default"
    assert (plan.design, plan.calibration, plan.ci, plan.lonely_psu) == ("auto", "rake", "beta", "adjust")


def test_every_save_is_a_new_version_and_the_old_ones_stay(client, auth, session, officer, survey):
    auth.login(officer.email)
    page = client.get(f"/surveys/{survey.id}/plan").get_data(as_text=True)
    assert "mặc định, chưa lưu" in page and 'name="commune_target"' in page
    assert client.post(f"/surveys/{survey.id}/plan", data=FORM).status_code == 302
    assert client.post(f"/surveys/{survey.id}/plan", data=FORM | {"commune_target": "85"}).status_code == 302
    assert [p.version for p in session.query(SurveyPlan).filter_by(survey_id=survey.id)] == [1, 2]
    first = analysis.load_plan(client.get(f"/surveys/{survey.id}/plan-v1.json").get_data(as_text=True))
    current = analysis.load_plan(client.get(f"/surveys/{survey.id}/plan.json").get_data(as_text=True))
    assert first.label == f"survey{survey.id} v1" and current.label == f"survey{survey.id} v2"
    assert [(t.level, t.value) for t in first.targets] == [("commune", 0.75), ("district", 0.9)]
    assert current.targets[0].value == pytest.approx(0.85) and current.min_n_eff == 20
    assert client.get(f"/surveys/{survey.id}/plan-v3.json").status_code == 404
    page = client.get(f"/surveys/{survey.id}/indices").get_data(as_text=True)
    assert f"Kế hoạch phân tích: survey{survey.id} v2" in page


def test_choices_that_do_not_make_a_plan_are_refused_and_nothing_is_saved(client, auth, session, officer, survey):
    auth.login(officer.email)
    response = client.post(f"/surveys/{survey.id}/plan", data=FORM | {"dissatisfied_max": "4"})
    assert response.status_code == 200
    assert "Ngưỡng “không hài lòng” phải nhỏ hơn ngưỡng “hài lòng”." in response.get_data(as_text=True)
    response = client.post(f"/surveys/{survey.id}/plan", data=FORM | {"trim_low": "0.3"})
    assert "Nhập cả hai cận để cắt trọng số" in response.get_data(as_text=True)
    assert session.query(SurveyPlan).count() == 0


def test_followers_read_the_plan_but_only_managers_save_it(client, auth, session, survey):
    make_user(session, role=Role.ANALYST, email="analyst@tinh.vn")
    make_user(session, role=Role.OFFICER, area_code="858", email="o858@example.vn")
    session.commit()
    auth.login("analyst@tinh.vn")
    page = client.get(f"/surveys/{survey.id}/plan")
    assert page.status_code == 200 and 'name="commune_target"' not in page.get_data(as_text=True)
    assert client.post(f"/surveys/{survey.id}/plan", data=FORM).status_code == 403
    auth.login("o858@example.vn")
    for url in ("plan", "plan.json", "indices-data.zip"):
        assert client.get(f"/surveys/{survey.id}/{url}").status_code == 404
    assert session.query(SurveyPlan).count() == 0


def test_the_command_line_gives_the_pages_numbers_to_the_last_digit(client, auth, session, officer, survey,
                                                                     answered, tmp_path):  # noqa: F811
    survey.margins = {"sex": {"nam": 0.5, "nu": 0.5}}  # the fallback margins go into the data too
    session.commit()
    auth.login(officer.email)
    client.post(f"/surveys/{survey.id}/plan", data=FORM | {"lonely_psu": "average", "min_n_eff": "2"})
    page_csv, cli_csv, command = page_and_cli(client, survey, tmp_path)
    assert "--margins" in command
    assert cli_csv == page_csv
    assert f",survey{survey.id} v1" in page_csv
    page = client.get(f"/surveys/{survey.id}/indices").get_data(as_text=True)
    assert page.count(f"survey{survey.id} v1") == 5  # the plan box, the method, the chart and both tables


def page_and_cli(client, survey, folder) -> tuple[str, str, list[str]]:
    """The page's CSV, and the CLI's table from the downloaded files run with the command they come with."""
    page_csv = client.get(f"/surveys/{survey.id}/indices.csv").get_data(as_text=True).lstrip("\ufeff")
    with zipfile.ZipFile(io.BytesIO(client.get(f"/surveys/{survey.id}/indices-data.zip").data)) as archive:
        archive.extractall(folder)
        command = archive.read("README.txt").decode().replace("\\\n", " ").split()
        assert archive.read("method.txt").decode().startswith("Phương pháp (kế hoạch phân tích")
    assert command[:3] == ["python", "-m", "analysis"]
    out = folder / "indices.csv"
    args = [str(folder / a) if a.endswith((".json", ".csv")) else a for a in command[3:]]
    assert analysis_cli(args[:-1] + [str(out)]) == 0
    return page_csv, out.read_text(), command


def test_the_workbook_names_the_plan_and_carries_the_method_and_the_verdicts_in_words(
    client, auth, officer, survey, answered  # noqa: F811
):
    auth.login(officer.email)
    book = load_workbook(io.BytesIO(client.get(f"/surveys/{survey.id}/indices.xlsx").data))
    method = [row[0].value for row in book["method"].iter_rows(min_row=2)]
    assert method[0] == f"survey{survey.id}-default v1" and method[1].startswith("Phương pháp")
    header = [cell.value for cell in book["indices"][1]]
    verdicts = {row[header.index("verdict_text")] for row in book["indices"].iter_rows(min_row=2, values_only=True)}
    assert verdicts <= {"đạt", "không đạt", "chưa kết luận được", "không đủ số phiếu", None}
    assert "không đủ số phiếu" in verdicts  # seven answers are not enough to judge a commune


def test_districts_and_the_province_weigh_communes_by_population_not_sample(
    app, session, areas, survey, answered  # noqa: F811
):
    from surveys.services.indices import compute_survey_indices, rating_data

    areas["29578-01"].households = 4000  # ten times the other commune's hamlet, same number of respondents
    session.commit()
    with app.test_request_context():
        table = compute_survey_indices(rating_data(session, survey, survey.areas), None, survey.areas)
    share = table[(table["item"] == answered) & (table["measure"] == "prop_sat")].set_index("area")["estimate"]
    # Đồng Phú: 4 respondents weigh 4000 / 4 each, 2 of the 3 who answered satisfied;
    # Bình Hòa Phước: 3 respondents weigh 300 / 3 each, 1 of 3 satisfied. By sample size it would read 3 / 6.
    assert share["ALL"] == pytest.approx((1000 * 2 + 100 * 1) / (1000 * 3 + 100 * 3))
    assert share["857"] == pytest.approx(share["ALL"])


def test_an_english_reader_gets_the_method_and_the_verdicts_in_english(
    client, auth, officer, survey, answered  # noqa: F811
):
    auth.login(officer.email)
    client.get("/lang/en")
    page = client.get(f"/surveys/{survey.id}/indices").get_data(as_text=True)
    assert f"Method (analysis plan “survey{survey.id}-default v1”)." in page
    assert "Analysis plan: survey" in page and "not enough responses" in page
    assert "Phương pháp (kế hoạch" not in page
