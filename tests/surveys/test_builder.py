"""The builder through the Flask client: create from the template, edit, reorder, open, close, scope."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.models import Role
from surveys.models import Survey, SurveyStatus
from surveys.services import record_response
from tests.factories import make_user
from tests.surveys.conftest import valid_answers


def test_officer_creates_a_survey_from_the_template_in_one_form(client, auth, session, officer, areas, criteria_2022):
    auth.login(officer.email)
    form = client.get("/surveys/new").get_data(as_text=True)
    assert "Xã Đồng Phú" in form and "Xã Chánh An" not in form  # only communes in scope
    page = client.post("/surveys/new", data={
        "title": "Phiếu thử", "criteria_set": criteria_2022.id,
        "communes": [areas["29578"].id, areas["29581"].id],
    })
    assert page.status_code == 302
    survey = session.scalars(select(Survey)).one()
    assert survey.status == SurveyStatus.DRAFT
    assert {sa.area.code for sa in survey.areas} == {"29578", "29581"}
    questions = survey.current_version.questions
    assert [q.code for q in questions] == [f"q{n:02d}" for n in range(1, len(questions) + 1)]
    assert sum(1 for q in questions if q.criterion) == 19
    show = client.get(page.headers["Location"]).get_data(as_text=True)
    assert "Dân kiểm tra" in show and "/s/" in show


def test_officer_cannot_pick_a_commune_outside_the_district(client, auth, session, officer, areas, criteria_2022):
    auth.login(officer.email)
    page = client.post("/surveys/new", data={
        "title": "Phiếu thử", "criteria_set": criteria_2022.id, "communes": [areas["29641"].id]})
    assert page.status_code == 200
    assert session.scalars(select(Survey)).first() is None


def test_officer_of_another_district_can_neither_see_nor_edit(client, auth, session, survey):
    other = make_user(session, role=Role.OFFICER, area_code="858", email="officer858@example.vn")
    session.commit()
    auth.login(other.email)
    assert survey.title not in client.get("/surveys/").get_data(as_text=True)
    assert client.get(f"/surveys/{survey.id}").status_code == 404
    assert client.post(f"/surveys/{survey.id}/status", data={"status": "closed"}).status_code == 404
    assert client.get(f"/surveys/{survey.id}/export.csv").status_code == 404
    assert client.post(f"/surveys/{survey.id}/questions/q05", data={"text": "x"}).status_code == 404
    session.refresh(survey)
    assert survey.status == SurveyStatus.OPEN


def test_analyst_reads_but_cannot_close(client, auth, session, survey):
    analyst = make_user(session, role=Role.ANALYST, email="analyst@example.vn")
    session.commit()
    auth.login(analyst.email)
    assert client.get(f"/surveys/{survey.id}").status_code == 200
    assert client.post(f"/surveys/{survey.id}/status", data={"status": "closed"}).status_code == 403


def test_close_and_reopen(client, auth, session, officer, survey):
    auth.login(officer.email)
    client.post(f"/surveys/{survey.id}/status", data={"status": "closed"})
    session.refresh(survey)
    assert survey.status == SurveyStatus.CLOSED
    client.post(f"/surveys/{survey.id}/status", data={"status": "open"})
    session.refresh(survey)
    assert survey.status == SurveyStatus.OPEN


def test_editing_before_responses_changes_the_version_in_place(client, auth, session, officer, survey):
    auth.login(officer.email)
    client.post(f"/surveys/{survey.id}/questions/q05", data={"text": "Câu mới", "required": "y"})
    session.expire_all()
    assert len(survey.versions) == 1
    assert survey.current_version.questions[4].text == "Câu mới"


def test_editing_after_responses_creates_a_new_version_and_old_answers_keep_theirs(client, auth, session, officer, survey, link):
    with client.application.app_context():
        old = record_response(session, link, valid_answers(survey), channel="link")
    session.commit()
    old_text = survey.current_version.questions[4].text
    auth.login(officer.email)
    client.post(f"/surveys/{survey.id}/questions/q05", data={"text": "Câu đã sửa"})
    session.expire_all()
    assert [v.number for v in survey.versions] == [1, 2]
    assert old.version.number == 1
    assert old.version.questions[4].text == old_text
    assert survey.current_version.questions[4].text == "Câu đã sửa"


def test_reorder_swaps_neighbours_within_a_section(client, auth, session, officer, survey):
    auth.login(officer.email)
    before = [q.text for q in survey.current_version.questions]
    client.post(f"/surveys/{survey.id}/questions/q06/move", data={"dir": "up"})
    session.expire_all()
    after = [q.text for q in survey.current_version.questions]
    assert after[4] == before[5] and after[5] == before[4]


def test_preview_has_no_submit_button(client, auth, officer, survey):
    auth.login(officer.email)
    html = client.get(f"/surveys/{survey.id}/preview").get_data(as_text=True)
    assert "Bản xem trước" in html and "Gửi phiếu" not in html


def test_home_page_lists_open_surveys_with_each_commune_link(client, survey, link):
    html = client.get("/").get_data(as_text=True)
    assert survey.title in html
    assert f"/s/{link.code}" in html


def test_dashboard_links_to_the_builder(client, auth, officer):
    auth.login(officer.email)
    html = client.get("/dashboard").get_data(as_text=True)
    assert "/surveys/new" in html



def test_schedule_in_local_time_makes_the_survey_not_yet_open(client, auth, session, officer, survey, link):
    auth.login(officer.email)
    page = client.post(f"/surveys/{survey.id}/edit", data={
        "title": "Phiếu mới", "introduction": "Xin chào", "opens_at": "2099-01-01T07:00", "closes_at": "2099-02-01T17:00"})
    assert page.status_code == 302
    session.refresh(survey)
    assert survey.title == "Phiếu mới"
    assert survey.opens_at.isoformat() == "2099-01-01T00:00:00+00:00"  # 07:00 in Việt Nam is 00:00 UTC
    closed = client.get(f"/s/{link.code}")
    assert closed.status_code == 403 and "chưa mở" in closed.get_data(as_text=True)
    bad = client.post(f"/surveys/{survey.id}/edit", data={
        "title": "Phiếu mới", "opens_at": "2099-02-01T07:00", "closes_at": "2099-01-01T17:00"})
    assert "Thời điểm đóng phải sau thời điểm mở." in bad.get_data(as_text=True)


def test_officer_adds_a_choice_question_at_the_end_of_a_section(client, auth, session, officer, survey, link):
    auth.login(officer.email)
    last = len(survey.current_version.questions)
    page = client.post(f"/surveys/{survey.id}/questions/new", data={
        "section": 1, "text": "Ông/bà biết thông tin qua kênh nào?", "type": "multiple",
        "options": "loa=Loa truyền thanh\nhop=Họp ấp\nZalo", "criterion": 0})
    assert page.status_code == 302
    session.expire_all()
    questions = survey.current_version.questions
    new = next(q for q in questions if q.text.startswith("Ông/bà biết thông tin"))
    assert new.code == f"q{last + 1:02d}"
    assert new.section.position == 1 and new.section.questions[-1] is new
    assert [o["value"] for o in new.options] == ["loa", "hop", "3"]
    html = client.get(f"/s/{link.code}").get_data(as_text=True)
    assert html.index("Ông/bà biết thông tin") < html.index("Tiêu chí 1 –")  # still inside its section


def test_a_choice_question_needs_two_options(client, auth, session, officer, survey):
    auth.login(officer.email)
    page = client.post(f"/surveys/{survey.id}/questions/new", data={
        "section": 3, "text": "?", "type": "single", "options": "Một", "criterion": 0})
    assert "ít nhất hai lựa chọn" in page.get_data(as_text=True)


def test_deleting_after_responses_keeps_the_old_version_whole(client, auth, session, officer, survey, link):
    with client.application.app_context():
        record_response(session, link, valid_answers(survey), channel="link")
    session.commit()
    auth.login(officer.email)
    client.post(f"/surveys/{survey.id}/questions/q29/delete")
    client.post(f"/surveys/{survey.id}/questions/q01/delete")  # a weighting question: refused
    session.expire_all()
    assert [v.number for v in survey.versions] == [1, 2]
    assert "q29" in {q.code for q in survey.versions[0].questions}
    codes = {q.code for q in survey.current_version.questions}
    assert "q29" not in codes and "q01" in codes


def test_moving_needs_a_direction_and_a_known_question(client, auth, session, officer, survey):
    auth.login(officer.email)
    first = survey.current_version.questions[0].code
    assert client.post(f"/surveys/{survey.id}/questions/{first}/move", data={}).status_code == 400
    assert client.post(f"/surveys/{survey.id}/questions/{first}/move", data={"dir": "sideways"}).status_code == 400
    client.post(f"/surveys/{survey.id}/questions/q99/move", data={"dir": "down"})
    session.expire_all()
    assert [q.code for q in survey.current_version.questions][0] == first
    assert len(survey.versions) == 1


@pytest.mark.parametrize("lines", [["A", "a"], ["1=Có", "2=Có"]])
def test_choices_with_the_same_wording_are_refused(lines):
    from surveys.builder import parse_options
    from surveys.errors import SurveyError

    with pytest.raises(SurveyError, match="cùng nội dung"):
        parse_options(lines)


def test_distinct_choices_get_numbered_values():
    from surveys.builder import parse_options

    assert parse_options(["Có", "Không"]) == [{"value": "1", "label": "Có"}, {"value": "2", "label": "Không"}]
