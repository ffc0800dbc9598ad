"""`flask seed-demo` on a fresh database: the platform as it is today, with a survey held before the reform."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from core.demo import DEMO_COMMUNES_2025, MARCH_2025
from core.models import AreaLevel, today_in_vietnam
from surveys.demo import DEMO_RESPONSES, DEMO_TITLE, EARLIER_CLOSES, EARLIER_OPENS, EARLIER_TITLE
from surveys.models import DuplicateReview, Response, Survey, SurveyStatus, survey_state
from surveys.services.indices_page import indices_page
from tests.surveys.conftest import valid_answers


@pytest.fixture
def seeded(app, runner):
    """The output of `flask seed-demo`, run twice as `make run` may."""
    for _ in range(2):
        with app.app_context():  # seed-demo is a plain click command (no app context of its own)
            result = runner.invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output
    return result.output


def responses_of(session, survey):
    return session.scalars(select(Response).where(Response.survey_id == survey.id)).all()


def test_a_newcomer_answers_the_open_demo_survey_at_once(seeded, session, client):
    survey = session.scalars(select(Survey).where(Survey.title == DEMO_TITLE)).one()
    for link in survey.areas:
        assert f"/s/{link.code}  {link.area.name}" in seeded  # printed again on the second run
        page = client.get(f"/s/{link.code}").get_data(as_text=True)
        hamlets = re.findall(rf'value="({link.area.code}-\d\d)"', page)
        assert hamlets, f"{link.area.name}: the form offers no hamlet"
        token = re.search(r'name="token" value="([^"]+)"', page).group(1)
        answer = client.post(f"/s/{link.code}", data=valid_answers(survey, hamlet=hamlets[-1]) | {"token": token})
        assert answer.status_code == 303, answer.get_data(as_text=True)
        assert "Cảm ơn" in client.get(answer.headers["Location"]).get_data(as_text=True)
    assert len(responses_of(session, survey)) == DEMO_RESPONSES + len(survey.areas)


def test_the_demo_holds_a_survey_open_today_and_one_held_before_the_reform_once_each(seeded, session):
    assert session.scalar(select(func.count()).select_from(Survey)) == 2
    assert session.scalar(select(func.count()).select_from(Response)) == 2 * DEMO_RESPONSES
    assert "bcd.vinhlong@demo.ntm.vn" in seeded and "Demo draft for comments: /d/" in seeded


def test_the_open_demo_survey_is_on_todays_communes_owned_by_the_province(seeded, session):
    survey = session.scalars(select(Survey).where(Survey.title == DEMO_TITLE)).one()
    assert survey_state(survey) == "open"
    assert sorted(link.area.code for link in survey.areas) == sorted(DEMO_COMMUNES_2025)
    today = today_in_vietnam()
    assert all(link.area.is_valid_on(today) and link.area.parent.level == AreaLevel.PROVINCE for link in survey.areas)
    assert all(link.area.unit_type == "xa" for link in survey.areas)  # NTM is assessed for xã
    assert survey.owner_area.code == "86" and survey.owner_area.is_valid_on(today)
    assert survey.created_by.email == "bcd.vinhlong@demo.ntm.vn"
    responses = responses_of(session, survey)
    assert len(responses) == DEMO_RESPONSES
    assert [r.duplicate_review for r in responses if r.is_possible_duplicate] == [DuplicateReview.PENDING]


def test_the_earlier_demo_survey_was_held_on_long_ho_before_the_reform_and_is_closed(seeded, session):
    survey = session.scalars(select(Survey).where(Survey.title == EARLIER_TITLE)).one()
    assert survey.status == SurveyStatus.CLOSED and survey.created_by.email == "bcd.longho@demo.ntm.vn"
    assert len(survey.areas) == 14  # every xã of Long Hồ (the thị trấn is not an NTM unit)
    assert {link.area.valid_to for link in survey.areas} == {MARCH_2025}
    assert {link.area.district.name for link in survey.areas} == {"Huyện Long Hồ"}
    responses = responses_of(session, survey)
    assert len(responses) == DEMO_RESPONSES
    assert all(EARLIER_OPENS <= r.submitted_at < EARLIER_CLOSES for r in responses)
    assert len({r.hamlet_id for r in responses}) >= 10
    assert not any(r.is_possible_duplicate for r in responses)


def test_the_analysis_pages_have_data_on_both_sides_of_the_reform(app, seeded, session):
    earlier = session.scalars(select(Survey).where(Survey.title == EARLIER_TITLE)).one()
    current = session.scalars(select(Survey).where(Survey.title == DEMO_TITLE)).one()
    with app.test_request_context():
        before = indices_page(session, earlier, earlier.areas)
        after = indices_page(session, current, current.areas)
    assert before.problem is None and after.problem is None
    assert {bar.level for bar in before.chart.bars} == {"commune", "district", "overall"}
    assert {bar.level for bar in after.chart.bars} == {"commune", "overall"}
    assert after.chart.bars[-1].label == "Tỉnh Vĩnh Long"


