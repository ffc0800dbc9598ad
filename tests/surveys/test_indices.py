"""The weighted indices page: the survey's answers go through ``analysis`` and come back as
tables, a chart and downloads, within the user's scope."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from openpyxl import load_workbook

import analysis
from core.models import Role
from surveys.models import QuestionType
from surveys.respond.store import record_response
from surveys.services.indices import IndicesUnavailable, compute_survey_indices, rating_data
from surveys.template import DONT_KNOW
from tests.factories import make_organisation, make_user
from tests.surveys.conftest import valid_answers

# Answers to the first satisfaction item in each commune; the rest answer 4.
FIRST_ITEM = {"29578": ["5", "4", "2", DONT_KNOW], "29581": ["1", "4", "3"]}


@pytest.fixture
def answered(app, session, survey):
    """Seven responses: four in Đồng Phú (one "don't know"), three in Bình Hòa Phước."""
    first = next(q.code for q in survey.current_version.questions if q.type is QuestionType.SATISFACTION)
    hamlets = {"29578": "29578-01", "29581": "29581-01"}
    with app.app_context():
        for link in survey.areas:
            for value in FIRST_ITEM[link.area.code]:
                answers = valid_answers(survey, hamlet=hamlets[link.area.code]) | {first: [value]}
                record_response(session, link, answers, channel="link")
    session.commit()
    return first


def test_dont_know_is_a_missing_answer_and_communes_know_their_district(session, survey, answered):
    data = rating_data(session, survey, survey.areas)
    first = data.frame.set_index("commune")[answered]
    assert first.loc["29578"].isna().sum() == 1
    assert set(data.frame["district"]) == {"857"}
    assert answered in data.items


def test_share_satisfied_per_commune_counts_only_those_who_answered(session, survey, answered):
    table = compute_survey_indices(rating_data(session, survey, survey.areas))
    share = table[(table["item"] == answered) & (table["measure"] == "prop_sat")].set_index("area")["estimate"]
    assert share["29578"] == pytest.approx(2 / 3)  # 5 and 4 of 5, 4, 2 (don't know left out)
    assert share["29581"] == pytest.approx(1 / 3)
    assert share["ALL"] == pytest.approx(3 / 6)


def test_analyst_sees_table_and_chart_and_downloads(client, auth, session, survey, answered):
    make_user(session, role=Role.ANALYST, email="analyst@tinh.vn")
    session.commit()
    auth.login("analyst@tinh.vn")
    page = client.get(f"/surveys/{survey.id}/indices?weighting=hamlet").get_data(as_text=True)
    assert "Xã Đồng Phú" in page and "Huyện Long Hồ" in page and "Toàn bộ địa bàn" in page
    assert "chỉ các xã bạn được xem" not in page  # the analyst sees every commune
    assert "<svg" in page and "Khoảng tin cậy 95%" in page
    csv = client.get(f"/surveys/{survey.id}/indices.csv").get_data(as_text=True)
    assert csv.lstrip("\ufeff").startswith("level,area,item,measure,estimate,se,ci_lo,ci_hi")
    workbook = load_workbook(io.BytesIO(client.get(f"/surveys/{survey.id}/indices.xlsx").data))
    assert workbook.active["A1"].value == "level"


def test_a_viewer_of_some_communes_sees_district_and_total_named_as_theirs_alone(
    client, auth, session, areas, survey, answered
):
    organisation = make_organisation(session, areas["29578"])
    make_user(session, role=Role.ORGANISATION, area_code="29578", organisation=organisation, email="mttq@example.vn")
    session.commit()
    auth.login("mttq@example.vn")
    page = client.get(f"/surveys/{survey.id}/indices").get_data(as_text=True)
    assert "Huyện Long Hồ (chỉ các xã bạn được xem)" in page and "Các xã bạn được xem" in page
    assert "Toàn bộ địa bàn" not in page and "Xã Bình Hòa Phước" not in page


def test_officer_of_another_district_cannot_see_the_indices(client, auth, session, survey, answered):
    make_user(session, role=Role.OFFICER, area_code="858", email="o858@example.vn")
    session.commit()
    auth.login("o858@example.vn")
    assert client.get(f"/surveys/{survey.id}/indices").status_code == 404
    assert client.get(f"/surveys/{survey.id}/indices.csv").status_code == 404


def test_without_answers_the_page_explains_instead_of_failing(client, auth, officer, survey):
    auth.login(officer.email)
    response = client.get(f"/surveys/{survey.id}/indices")
    assert response.status_code == 200
    assert "Chưa tính được chỉ số" in response.get_data(as_text=True)
    refused = client.get(f"/surveys/{survey.id}/indices.csv")
    assert refused.status_code == 409 and refused.headers["Content-Type"] == "text/plain; charset=utf-8"


def test_old_design_and_weighting_links_still_open_the_page_computed_with_the_plan(
    client, auth, officer, survey, answered
):
    auth.login(officer.email)
    response = client.get(f"/surveys/{survey.id}/indices?design=bogus&weighting=x")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"Kế hoạch phân tích: survey{survey.id}-default v1" in page
    assert "Phương pháp (kế hoạch phân tích" in page  # the method paragraph, in Vietnamese


def test_one_hamlet_per_commune_no_longer_stops_the_run(client, auth, session, officer, survey, answered):
    auth.login(officer.email)
    page = client.get(f"/surveys/{survey.id}/indices").get_data(as_text=True)
    assert "Chưa tính được chỉ số" not in page and "<svg" in page  # clustered by default, lonely hamlets adjusted


def test_a_plan_that_refuses_lonely_hamlets_is_explained_by_name(app, session, officer, survey, answered):
    with app.test_request_context(), pytest.raises(IndicesUnavailable) as refused:
        compute_survey_indices(rating_data(session, survey, survey.areas),
                               analysis.AnalysisPlan(lonely_psu="fail"), survey.areas)
    assert "Xã Đồng Phú chỉ có người trả lời ở một ấp" in str(refused.value)
    assert "respondents" not in str(refused.value)


def test_without_households_of_every_answering_hamlet_the_weights_say_where_they_came_from(
    client, auth, session, areas, officer, survey, answered
):
    auth.login(officer.email)
    page = client.get(f"/surveys/{survey.id}/indices").get_data(as_text=True)
    assert "Trọng số thiết kế: số hộ của ấp ÷ số người trả lời của ấp." in page
    areas["29578-01"].households = None  # areas imported without household counts
    session.commit()
    page = client.get(f"/surveys/{survey.id}/indices").get_data(as_text=True)
    assert "Trọng số thiết kế: chưa có số liệu dân số: mọi người trả lời có trọng số bằng 1." in page


def test_a_commune_whose_interval_clears_the_target_is_shown_as_meeting_it(session, survey, app):
    from surveys.services.indices import RatingData
    from surveys.services.indices_page import composite_bars

    frame = pd.DataFrame(
        {"id": range(60), "district": "857", "commune": ["29578"] * 30 + ["29581"] * 30,
         "hamlet": "h", "q05": [5.0] * 29 + [4.0] + [1.0, 2.0, 5.0] * 10}
    )
    data = RatingData(frame=frame, items=["q05"], item_labels={}, hamlet_households=pd.DataFrame())
    table = compute_survey_indices(data)
    bars = {bar.label: bar for bar in composite_bars(table, {})}
    assert bars["29578"].meets_target is True
    assert bars["29581"].meets_target is False
    assert set(table["meets_target"].map(type)) <= {bool, type(None)}


def test_the_chart_draws_each_levels_target_across_that_levels_bars_only(app, session, survey, answered):
    from surveys.services.indices_page import BAR_HEIGHT, indices_page

    with app.test_request_context():
        chart = indices_page(session, survey, survey.areas).chart
    assert [bar.level for bar in chart.bars] == ["commune", "commune", "district", "overall"]
    # 80 % for the two communes, 90 % for the district (QĐ 320/QĐ-TTg), none for the whole area
    assert {line.target: (line.x, line.top, line.bottom) for line in chart.targets} == {
        0.8: (80.0, 0, 2 * BAR_HEIGHT),
        0.9: (90.0, 2 * BAR_HEIGHT, 3 * BAR_HEIGHT),
    }


# --- without a district level (the two-tier system since 1 July 2025) ------------------------------------------


@pytest.fixture
def two_tier_answered(app, session, two_tier_survey):
    """Three responses in Mỹ Hiệp (two hamlets), two in Mỹ Thọ."""
    hamlets = {"30001": ["30001-01", "30001-02", "30001-01"], "30002": ["30002-01", "30002-01"]}
    with app.app_context():
        for link in two_tier_survey.areas:
            for hamlet in hamlets[link.area.code]:
                record_response(session, link, valid_answers(two_tier_survey, hamlet=hamlet), channel="link")
    session.commit()
    return two_tier_survey


def test_communes_without_a_district_are_reported_as_communes_and_their_province(app, session, two_tier_answered):
    from surveys.services.indices_page import indices_page

    survey = two_tier_answered
    data = rating_data(session, survey, survey.areas)
    assert "district" not in data.frame.columns  # the province is no district
    with app.test_request_context():
        page = indices_page(session, survey, survey.areas)
    assert [(bar.level, bar.label) for bar in page.chart.bars] == [
        ("commune", "Xã Mỹ Hiệp"), ("commune", "Xã Mỹ Thọ"), ("overall", "Tỉnh Đồng Tháp"),
    ]
    # Only the communes' 80 %: no district, so no 90 % target anywhere.
    assert [line.target for line in page.chart.targets] == [0.8]
    assert [row.target for row in page.areas] == [0.8, 0.8, None]
    assert set(page.table["level"]) == {"commune", "overall"}


def test_the_indices_page_of_a_survey_without_districts_names_no_district(client, auth, two_tier_answered):
    auth.login("officer87@example.vn")
    page = client.get(f"/surveys/{two_tier_answered.id}/indices").get_data(as_text=True)
    assert "Tỉnh Đồng Tháp" in page and "Xã Mỹ Thọ" in page
    assert "huyện" not in page
