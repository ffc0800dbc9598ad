"""A survey's own population figures: uploaded per kind with line-numbered checks, kept as versions, and used
by the indices (design weights from hamlet figures, raking to per-commune margins) before any fallback."""

from __future__ import annotations

import io

import pytest

from core.models import Role
from surveys.models import SurveyPopulation
from tests.factories import make_user
from tests.surveys.test_margins import LOPSIDED, answer, share_satisfied
from tests.surveys.test_plan import page_and_cli

MARGINS = """commune,variable,level,count
29578,sex,nam,500
29578,sex,nu,500
29578,age_group,18-29,1000
29581,sex,nam,300
29581,sex,nu,300
29581,age_group,18-29,600
"""


def upload(client, survey, kind: str, text: str, name: str = "population.csv"):
    return client.post(f"/surveys/{survey.id}/population",
                       data={"kind": kind, "file": (io.BytesIO(text.encode()), name)},
                       content_type="multipart/form-data")


def test_template_lists_the_surveys_communes_and_categories(client, auth, officer, survey):
    auth.login(officer.email)
    text = client.get(f"/surveys/{survey.id}/population-template-margins.csv").get_data(as_text=True)
    lines = text.lstrip("\ufeff").splitlines()
    assert lines[0] == "commune,variable,level,count" and "29578,sex,nu," in lines
    hamlets = client.get(f"/surveys/{survey.id}/population-template-hamlets.csv").get_data(as_text=True)
    assert "29578,29578-02," in hamlets
    assert client.get(f"/surveys/{survey.id}/population-template-other.csv").status_code == 404
    assert client.get(f"/surveys/{survey.id}/population-template-cells.xlsx").status_code == 200


def test_every_load_is_a_new_version_and_the_old_ones_stay(client, auth, session, officer, survey):
    auth.login(officer.email)
    assert upload(client, survey, "margins", MARGINS).status_code == 302
    assert upload(client, survey, "margins", MARGINS.replace("500", "400").replace("1000", "800")).status_code == 302
    loads = session.query(SurveyPopulation).filter_by(survey_id=survey.id).order_by(SurveyPopulation.version).all()
    assert [(p.kind, p.version) for p in loads] == [("margins", 1), ("margins", 2)]
    assert loads[0].rows[0] == {"commune": "29578", "variable": "sex", "level": "nam", "count": 500.0}
    page = client.get(f"/surveys/{survey.id}/population").get_data(as_text=True)
    assert page.count(">population.csv</td>") == 2  # both versions listed


def test_a_bad_file_names_each_line_and_column_and_nothing_is_kept(client, auth, session, officer, survey):
    auth.login(officer.email)
    bad = MARGINS.replace("29581,sex,nam,300", "29641,sex,nam,300").replace("29578,sex,nu,500", "29578,sex,x,5.5")
    response = upload(client, survey, "margins", bad)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Xã “29641” không thuộc phiếu khảo sát này." in page  # line 5
    assert "Nhóm “x” không có trong câu hỏi sex" in page and "Số người phải là số nguyên không âm" in page
    fewer_by_age = MARGINS.replace("29578,age_group,18-29,1000", "29578,age_group,18-29,900")
    unequal = upload(client, survey, "margins", fewer_by_age)
    assert "Các tổng của xã 29578 không bằng nhau: age_group = 900, sex = 1000." in unequal.get_data(as_text=True)
    assert session.query(SurveyPopulation).count() == 0


def test_followers_see_the_loads_but_only_managers_upload(client, auth, session, survey):
    make_user(session, role=Role.ANALYST, email="analyst@tinh.vn")
    session.commit()
    auth.login("analyst@tinh.vn")
    assert client.get(f"/surveys/{survey.id}/population").status_code == 200
    assert upload(client, survey, "margins", MARGINS).status_code == 403
    assert session.query(SurveyPopulation).count() == 0


def test_per_commune_margins_replace_the_province_wide_fallback(client, auth, app, session, officer, survey):
    answer(session, survey, LOPSIDED)
    survey.margins = {"sex": {"nam": 0.9, "nu": 0.1}}  # the fallback would keep the men's weight
    session.commit()
    auth.login(officer.email)
    upload(client, survey, "margins", MARGINS)
    with app.test_request_context():
        from surveys.services.population import current_population

        share, _ = share_satisfied(session, survey, population=current_population(session, survey))
    assert share["29578"] == pytest.approx(0.5)  # raked to 500 men and 500 women
    page = client.get(f"/surveys/{survey.id}/indices").get_data(as_text=True)
    assert "phiên bản 1" in page and "phương án dự phòng" not in page


def test_hamlet_figures_loaded_for_the_survey_come_before_the_areas(client, auth, session, officer, survey):
    answer(session, survey, LOPSIDED)
    auth.login(officer.email)
    hamlets = "commune,hamlet,population\n29578,29578-01,1500\n29581,29581-01,800\n"
    assert upload(client, survey, "hamlets", hamlets).status_code == 302
    page = client.get(f"/surveys/{survey.id}/indices").get_data(as_text=True)
    assert "dân số (hoặc số hộ) của ấp đã nạp cho phiếu này ÷ số người trả lời của ấp" in page


def test_the_command_line_gives_the_pages_numbers_with_the_surveys_own_figures(
    client, auth, session, officer, survey, tmp_path
):
    answer(session, survey, LOPSIDED)
    auth.login(officer.email)
    upload(client, survey, "margins", MARGINS)
    upload(client, survey, "hamlets", "commune,hamlet,population\n29578,29578-01,1500\n29581,29581-01,800\n")
    page_csv, cli_csv, command = page_and_cli(client, survey, tmp_path)
    assert "--margins" in command and cli_csv == page_csv
