"""The builder: create from the template, edit questions and sections, reorder, open, close, scope.

Service-level tests call ``surveys.services.builder`` directly; the others go through the Flask client.
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from core.models import AuditEntry, Role
from surveys.errors import SurveyError
from surveys.exports import export_header, iter_export_rows, question_codes
from surveys.models import Channel, QuestionType, Survey, SurveyStatus, WeightingRole
from surveys.respond.store import record_response
from surveys.services.builder import (
    NewQuestion,
    add_question,
    add_section,
    change_question,
    delete_section,
    move_question_to_section,
    move_section,
    parse_options,
    rename_section,
)
from surveys.services.monitor import fieldwork
from tests.factories import make_organisation, make_user
from tests.surveys.conftest import build_survey, fields_of, valid_answers

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


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


def test_the_survey_list_counts_each_surveys_responses(app, client, auth, session, officer, areas, criteria_2022, link):
    empty = build_survey(session, officer, areas, criteria_2022)
    with app.app_context():
        for _ in range(2):
            record_response(session, link, valid_answers(link.survey), channel=Channel.LINK)
    session.commit()
    auth.login(officer.email)
    page = client.get("/surveys/").get_data(as_text=True)
    rows = re.findall(r'href="/surveys/(\d+)">.*?<td class="num">(\d+)</td>', page)
    assert dict(rows) == {str(link.survey_id): "2", str(empty.id): "0"}


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


def test_editing_after_responses_creates_a_new_version_and_old_answers_keep_theirs(
    client, auth, session, officer, survey, link
):
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
    page = client.post(
        f"/surveys/{survey.id}/edit",
        data={
            "title": "Phiếu mới",
            "introduction": "Xin chào",
            "opens_at": "2099-01-01T07:00",
            "closes_at": "2099-02-01T17:00",
        },
    )
    assert page.status_code == 302
    session.refresh(survey)
    assert survey.title == "Phiếu mới"
    assert survey.opens_at.isoformat() == "2099-01-01T00:00:00+00:00"  # 07:00 in Việt Nam is 00:00 UTC
    closed = client.get(f"/s/{link.code}")
    assert closed.status_code == 403 and "chưa mở" in closed.get_data(as_text=True)
    bad = client.post(f"/surveys/{survey.id}/edit", data={
        "title": "Phiếu mới", "opens_at": "2099-02-01T07:00", "closes_at": "2099-01-01T17:00"})
    assert "Thời điểm đóng phải sau thời điểm mở." in bad.get_data(as_text=True)


@pytest.mark.parametrize("moment", ["0001-01-01T00:00", "1999-12-31T23:59", "2101-01-01T00:00"])
def test_a_schedule_outside_2000_to_2100_is_a_message_not_a_500(
    client, auth, session, officer, areas, criteria_2022, survey, moment
):
    auth.login(officer.email)
    page = client.post(f"/surveys/{survey.id}/edit", data={"title": "Phiếu mới", "opens_at": moment})
    assert page.status_code == 200 and "từ năm 2000 đến năm 2100" in page.get_data(as_text=True)
    page = client.post(f"/surveys/{survey.id}/edit", data={"title": "Phiếu mới", "closes_at": moment})
    assert page.status_code == 200 and "từ năm 2000 đến năm 2100" in page.get_data(as_text=True)
    session.refresh(survey)
    assert survey.title != "Phiếu mới" and survey.opens_at is None
    page = client.post("/surveys/new", data={
        "title": "Phiếu thử", "criteria_set": criteria_2022.id, "communes": [areas["29578"].id], "closes_at": moment})
    assert page.status_code == 200 and "từ năm 2000 đến năm 2100" in page.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Survey)) == 1


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
    with pytest.raises(SurveyError, match="cùng nội dung"):
        parse_options(lines)


def test_distinct_choices_get_numbered_values():
    assert parse_options(["Có", "Không"]) == [{"value": "1", "label": "Có"}, {"value": "2", "label": "Không"}]


# --- the full builder: editing questions, sections, weighting rules, scope -------------------


def question(survey, code, version=None):
    return next(q for q in (version or survey.current_version).questions if q.code == code)


def answer(app, session, survey, link):
    with app.app_context():
        response = record_response(session, link, valid_answers(survey), channel="link")
    session.commit()
    return response


def test_changing_the_type_after_responses_gives_a_new_code_in_a_new_version(app, session, officer, survey, link):
    old = answer(app, session, survey, link)
    position = question(survey, "q05").position
    with app.app_context():
        edited = change_question(session, survey, officer, "q05", fields_of(
            question(survey, "q05"), type=QuestionType.NUMBER, min_value=0, max_value=10))
    session.commit()
    session.expire_all()
    assert [v.number for v in survey.versions] == [1, 2]
    assert edited.code == "q30" and edited.type == QuestionType.NUMBER and edited.position == position
    assert "q05" not in {q.code for q in survey.current_version.questions}
    assert question(survey, "q05", survey.versions[0]).type == QuestionType.SATISFACTION
    # the old response keeps the version, and so the question, it answered
    assert old.version_id == survey.versions[0].id and "q05" in old.answers


def test_export_and_monitor_read_each_response_by_the_codes_of_its_own_version(app, session, officer, survey, link):
    old = answer(app, session, survey, link)
    with app.app_context():
        change_question(session, survey, officer, "q05", fields_of(
            question(survey, "q05"), type=QuestionType.NUMBER, min_value=0, max_value=10))
        session.commit()
        session.expire_all()
        new = record_response(session, link, valid_answers(survey) | {"q30": ["7"]}, channel="link")
        session.commit()
        codes = question_codes(survey)
        rows = {row[0]: dict(zip(export_header(survey), row, strict=True))
                for row in iter_export_rows(session, survey.id, codes, [link.area_id])}
        sexes = fieldwork(session, survey, [link], VIETNAM).composition["sex"]
    assert (rows[old.id]["q05"], rows[old.id]["q30"]) == ("4", None)
    assert (rows[new.id]["q05"], rows[new.id]["q30"]) == (None, "7")
    assert sum(n for n, _share, _margin in sexes.values()) == 2  # the sex question of both versions


def test_wording_criterion_required_and_dont_know_keep_the_code(app, session, officer, survey, link, criteria_2022):
    answer(app, session, survey, link)
    before = question(survey, "q05")
    with app.app_context():
        edited = change_question(session, survey, officer, "q05", fields_of(
            before, text="Dân biết (đã sửa)", required=False, allow_dont_know=False,
            criterion_id=criteria_2022.criteria[2].id))
    session.commit()
    session.expire_all()
    assert edited.code == "q05" and len(survey.versions) == 2
    assert (edited.text, edited.required, edited.allow_dont_know) == ("Dân biết (đã sửa)", False, False)
    assert edited.criterion.number == 3
    assert question(survey, "q05", survey.versions[0]).text == before.text


def test_choice_labels_keep_the_code_but_changed_values_get_a_new_one(app, session, officer, survey, link):
    with app.app_context():
        add_question(session, survey, officer, NewQuestion(
            section_position=3, text="Ông/bà có tham gia họp ấp không?", type=QuestionType.SINGLE,
            options=["1=Có", "2=Không"]))
    session.commit()
    answer(app, session, survey, link)
    with app.app_context():
        relabelled = change_question(session, survey, officer, "q30", fields_of(
            question(survey, "q30"), options=["2=Không tham gia", "1=Có tham gia"]))
        assert relabelled.code == "q30"
        revalued = change_question(session, survey, officer, "q30", fields_of(
            question(survey, "q30"), options=["1=Có", "2=Không", "3=Thỉnh thoảng"]))
    session.commit()
    assert revalued.code == "q31"
    assert [o["value"] for o in question(survey, "q30", survey.versions[0]).options] == ["1", "2"]


def test_before_any_response_a_changed_type_keeps_the_code_and_the_version(app, session, officer, survey):
    with app.app_context():
        edited = change_question(session, survey, officer, "q29", fields_of(
            question(survey, "q29"), type=QuestionType.SHORT_TEXT))
    session.commit()
    assert edited.code == "q29" and len(survey.versions) == 1


def test_an_edit_that_changes_nothing_starts_no_new_version(app, session, officer, survey, link):
    answer(app, session, survey, link)
    with app.app_context():
        change_question(session, survey, officer, "q02", fields_of(question(survey, "q02")))
    assert len(survey.versions) == 1


@pytest.mark.parametrize(("code", "changes", "message"), [
    ("q02", {"options": ["nam=Nam", "nu=Nữ", "khac=Khác"]}, "phải giữ đúng các mã lựa chọn nam, nu"),
    ("q03", {"options": ["tre=Dưới 45", "gia=Từ 45"]}, "phải giữ đúng các mã lựa chọn"),
    ("q02", {"type": QuestionType.MULTIPLE}, "phải là câu chọn một"),
    ("q02", {"weighting_role": None}, "không bỏ hay đổi vai trò"),
    ("q04", {"weighting_role": WeightingRole.SEX}, "không bỏ hay đổi vai trò"),
    ("q01", {"options": ["1=Ấp 1", "2=Ấp 2"]}, "lấy từ danh sách ấp của xã"),
    ("q29", {"type": QuestionType.SINGLE, "options": ["nam=Nam", "nu=Nữ"], "weighting_role": WeightingRole.SEX},
     "Phiếu đã có câu hỏi “Giới tính”"),
])
def test_weighting_questions_keep_what_the_analysis_relies_on(app, session, officer, survey, code, changes, message):
    before = question(survey, code)
    snapshot = (before.type, list(before.options), before.weighting_role)
    with app.app_context(), pytest.raises(SurveyError, match=message):
        change_question(session, survey, officer, code, fields_of(before, **changes))
    session.rollback()
    after = question(survey, code)
    assert (after.type, list(after.options), after.weighting_role) == snapshot


def test_weighting_labels_may_be_reworded(app, session, officer, survey):
    with app.app_context():
        edited = change_question(session, survey, officer, "q02", fields_of(
            question(survey, "q02"), text="Giới tính của ông/bà", options=["nu=Nữ", "nam=Nam giới"]))
    assert edited.code == "q02" and edited.options[1] == {"value": "nam", "label": "Nam giới"}


@pytest.mark.parametrize(("changes", "message"), [
    ({"text": "   "}, "Vui lòng nhập nội dung câu hỏi"),
    ({"type": QuestionType.NUMBER, "min_value": 10, "max_value": 1}, "không lớn hơn"),
    ({"type": QuestionType.NUMBER, "max_value": 10**12}, "trong khoảng"),
    ({"type": QuestionType.SINGLE, "options": ["Chỉ một"]}, "ít nhất hai lựa chọn"),
    ({"type": QuestionType.SINGLE, "options": ["1=Có", "1=Không"]}, "Mã lựa chọn bị trùng"),
    ({"criterion_id": -1}, "không thuộc bộ tiêu chí"),
])
def test_bad_input_is_refused_and_nothing_changes(app, session, officer, survey, link, changes, message):
    answer(app, session, survey, link)
    with app.app_context(), pytest.raises(SurveyError, match=message):
        change_question(session, survey, officer, "q05", fields_of(question(survey, "q05"), **changes))
    assert len(survey.versions) == 1  # refused before any new version was started


def test_sections_are_added_renamed_moved_and_deleted_when_empty(app, session, officer, survey):
    codes = [q.code for q in survey.current_version.questions]
    with app.app_context():
        added = add_section(session, survey, officer, "  Ý kiến về môi trường ")
        assert (added.position, added.title) == (4, "Ý kiến về môi trường")
        rename_section(session, survey, officer, 4, "Môi trường")
        move_section(session, survey, officer, 3, +1)  # the closing section goes below the new one
        with pytest.raises(SurveyError, match="còn 2 câu hỏi"):
            delete_section(session, survey, officer, 4)
        with pytest.raises(SurveyError, match="tên phần"):
            rename_section(session, survey, officer, 0, " ")
        delete_section(session, survey, officer, 3)
    session.commit()
    session.expire_all()
    assert [s.title for s in survey.current_version.sections][-1] == "Đánh giá chung và góp ý"
    assert "Môi trường" not in [s.title for s in survey.current_version.sections]
    assert [q.code for q in survey.current_version.questions] == codes and len(survey.versions) == 1


def test_moving_a_section_moves_its_questions_and_keeps_their_codes(app, session, officer, survey, link):
    answer(app, session, survey, link)
    with app.app_context():
        move_section(session, survey, officer, 0, +1)  # respondent information after the four blocks
        move_section(session, survey, officer, 0, -1)  # already first: nothing happens
    session.commit()
    session.expire_all()
    assert len(survey.versions) == 2
    ordered = [q.code for q in survey.current_version.questions]
    assert ordered[:8] == ["q05", "q06", "q07", "q08", "q01", "q02", "q03", "q04"]
    assert [q.position for q in survey.current_version.questions] == list(range(1, len(ordered) + 1))
    assert [q.code for q in survey.versions[0].questions][:4] == ["q01", "q02", "q03", "q04"]


def test_moving_a_question_to_another_section_puts_it_last_there(app, session, officer, survey, link):
    answer(app, session, survey, link)
    with app.app_context():
        move_question_to_section(session, survey, officer, "q29", 1)
        with pytest.raises(SurveyError, match="Không có phần"):
            move_question_to_section(session, survey, officer, "q28", 9)
    session.commit()
    session.expire_all()
    moved = question(survey, "q29")
    assert moved.section.position == 1 and moved.section.questions[-1] is moved
    assert [q.code for q in survey.current_version.questions][4:9] == ["q05", "q06", "q07", "q08", "q29"]
    assert question(survey, "q29", survey.versions[0]).section.position == 3


def test_a_closed_survey_refuses_every_builder_change(app, session, officer, survey):
    survey.status = SurveyStatus.CLOSED
    session.commit()
    with app.app_context():
        for change in (
            lambda: change_question(session, survey, officer, "q05", fields_of(question(survey, "q05"), text="x")),
            lambda: add_section(session, survey, officer, "Phần mới"),
            lambda: rename_section(session, survey, officer, 0, "Phần mới"),
            lambda: move_section(session, survey, officer, 0, 1),
            lambda: delete_section(session, survey, officer, 0),
            lambda: move_question_to_section(session, survey, officer, "q29", 0),
        ):
            with pytest.raises(SurveyError, match="đã đóng"):
                change()
    assert len(survey.versions) == 1


def test_every_builder_change_is_audited(app, session, officer, survey):
    with app.app_context():
        change_question(session, survey, officer, "q05", fields_of(question(survey, "q05"), text="Dân biết"))
        add_section(session, survey, officer, "Phần mới")
        rename_section(session, survey, officer, 4, "Phần khác")
        move_question_to_section(session, survey, officer, "q29", 4)
        move_section(session, survey, officer, 4, -1)
        move_question_to_section(session, survey, officer, "q29", 0)
        delete_section(session, survey, officer, 3)
    actions = list(session.scalars(select(AuditEntry.action).where(AuditEntry.object_id == survey.id)))
    for action in ("edit_question", "add_section", "rename_section", "move_question", "move_section", "delete_section"):
        assert f"survey.{action}" in actions


# --- the same through the pages ----------------------------------------------------------------


def test_survey_page_shows_vietnamese_labels_not_internal_codes(client, auth, officer, survey):
    auth.login(officer.email)
    html = client.get(f"/surveys/{survey.id}").get_data(as_text=True)
    assert "Thang hài lòng 5 mức" in html and "biến gia quyền: Giới tính" in html and "Nhóm tuổi" in html
    for internal in ("satisfaction5", "age_group", "household_rep", "long_text", ": sex"):
        assert internal not in html
    assert "q05" in html  # question codes stay: exports use them


def test_edit_form_is_filled_with_the_question_and_changes_it_fully(client, auth, session, officer, survey, link, app):
    answer(app, session, survey, link)
    auth.login(officer.email)
    form = client.get(f"/surveys/{survey.id}/questions/q04").get_data(as_text=True)
    assert "co=Có" in form and "Đại diện hộ" in form
    page = client.post(f"/surveys/{survey.id}/questions/q29", data={
        "text": "Ông/bà góp bao nhiêu ngày công?", "type": "number", "min_value": "0", "max_value": "365",
        "criterion": 0, "weighting_role": ""})
    assert page.status_code == 302 and page.headers["Location"].endswith("#q30")
    session.expire_all()
    edited = question(survey, "q30")
    assert (edited.type, edited.min_value, edited.max_value) == (QuestionType.NUMBER, 0, 365)
    assert question(survey, "q29", survey.versions[0]).type == QuestionType.LONG_TEXT


def test_breaking_a_weighting_question_through_the_page_explains_and_changes_nothing(
    client, auth, session, officer, survey
):
    auth.login(officer.email)
    page = client.post(f"/surveys/{survey.id}/questions/q02", data={
        "text": "Giới tính", "type": "single", "required": "y", "options": "1=Nam\n2=Nữ",
        "criterion": 0, "weighting_role": "sex"})
    assert page.status_code == 200
    assert "phải giữ đúng các mã lựa chọn nam, nu" in page.get_data(as_text=True)
    session.expire_all()
    assert [o["value"] for o in question(survey, "q02").options] == ["nam", "nu"]


def test_sections_through_the_page(client, auth, session, officer, survey):
    auth.login(officer.email)
    assert client.post(f"/surveys/{survey.id}/sections", data={"title": "Môi trường"}).status_code == 302
    client.post(f"/surveys/{survey.id}/sections/4/rename", data={"title": "Cảnh quan, môi trường"})
    client.post(f"/surveys/{survey.id}/questions/q29/section", data={"section": 4})
    client.post(f"/surveys/{survey.id}/sections/4/move", data={"dir": "up"})
    refused = client.post(f"/surveys/{survey.id}/sections/3/delete", follow_redirects=True).get_data(as_text=True)
    assert "còn 1 câu hỏi" in refused
    bad = client.post(f"/surveys/{survey.id}/sections", data={"title": ""}, follow_redirects=True)
    assert "Vui lòng nhập tên phần." in bad.get_data(as_text=True)
    session.expire_all()
    titles = [s.title for s in survey.current_version.sections]
    assert titles[3:] == ["Cảnh quan, môi trường", "Đánh giá chung và góp ý"]
    assert survey.current_version.sections[3].questions[0].code == "q29"
    client.post(f"/surveys/{survey.id}/questions/q29/section", data={"section": 4})
    client.post(f"/surveys/{survey.id}/sections/3/delete")
    session.expire_all()
    assert len(survey.current_version.sections) == 4
    assert client.post(f"/surveys/{survey.id}/sections/0/move", data={}).status_code == 400
    assert client.post(f"/surveys/{survey.id}/questions/q29/section", data={}).status_code == 400


def test_builder_pages_are_scoped_to_managers(client, auth, session, survey):
    other = make_user(session, role=Role.OFFICER, area_code="858", email="officer858@example.vn")
    analyst = make_user(session, role=Role.ANALYST, email="analyst@example.vn")
    session.commit()
    posts = [
        ("/sections", {"title": "x"}), ("/sections/0/rename", {"title": "x"}), ("/sections/0/delete", {}),
        ("/sections/0/move", {"dir": "down"}), ("/questions/q29/section", {"section": 0}),
        ("/questions/q05", {"text": "x", "type": "number"}),
    ]
    for user, status in ((other, 404), (analyst, 403)):
        auth.login(user.email)
        for path, data in posts:
            assert client.post(f"/surveys/{survey.id}{path}", data=data).status_code == status, (user.email, path)
        auth.logout()
    session.expire_all()
    assert len(survey.current_version.sections) == 4 and question(survey, "q05").type == QuestionType.SATISFACTION


def test_builder_forms_need_the_csrf_token(client, auth, session, officer, survey):
    auth.login(officer.email)
    client.application.config["WTF_CSRF_ENABLED"] = True
    assert client.post(f"/surveys/{survey.id}/sections", data={"title": "Phần mới"}).status_code == 400
    session.expire_all()
    assert len(survey.current_version.sections) == 4


@pytest.mark.parametrize("path", ["", "/monitor", "/margins", "/duplicates", "/indices", "/edit"])
def test_a_survey_id_too_large_for_the_database_is_not_found(client, auth, officer, survey, path):
    auth.login(officer.email)
    assert client.get(f"/surveys/{2**63}{path}").status_code == 404
    assert client.get(f"/surveys/{2**31}{path}").status_code == 404  # PostgreSQL's integer overflows here


def test_a_refused_builder_button_lands_on_its_message_not_below_it(client, auth, officer, survey):
    """On a phone the flashed refusal sits at the top: jumping to the section would hide it."""
    auth.login(officer.email)
    refused = client.post(f"/surveys/{survey.id}/sections/0/delete")
    assert refused.status_code == 302 and "#" not in refused.location
    done = client.post(f"/surveys/{survey.id}/sections", data={"title": "Môi trường"})
    assert done.location.endswith("#sections")


def test_section_titles_with_control_characters_are_refused(client, auth, session, officer, survey):
    auth.login(officer.email)
    before = [s.title for s in survey.current_version.sections]
    for url in (f"/surveys/{survey.id}/sections", f"/surveys/{survey.id}/sections/0/rename"):
        page = client.post(url, data={"title": "Môi\x0btrường"}, follow_redirects=True)
        assert "ký tự điều khiển" in page.get_data(as_text=True)
    session.expire_all()
    assert [s.title for s in survey.current_version.sections] == before


def test_section_title_boxes_are_full_size_text_inputs(client, auth, officer, survey):
    """The stylesheet sizes text boxes by type: a bare <input> was tiny on a phone."""
    auth.login(officer.email)
    html = client.get(f"/surveys/{survey.id}").get_data(as_text=True)
    assert '<input type="text" id="title-0"' in html and '<input type="text" id="new-section"' in html


def test_the_builder_numbers_questions_on_across_sections_like_the_residents_form(client, auth, officer, survey):
    auth.login(officer.email)
    html = client.get(f"/surveys/{survey.id}").get_data(as_text=True)
    sizes = [len(s.questions) for s in survey.current_version.sections]
    starts = [int(n) for n in re.findall(r'<ol class="sv-questions" start="(\d+)">', html)]
    assert starts == [1 + sum(sizes[:i]) for i in range(len(sizes))] and starts[1] == 5  # not 1 again in each section


def test_an_organisation_counts_and_previews_only_its_own_commune(app, client, auth, session, areas, survey, link):
    other = next(sa for sa in survey.areas if sa.area.code == "29581")
    with app.app_context():
        record_response(session, link, valid_answers(survey), channel=Channel.LINK)
        for _ in range(2):
            record_response(session, other, valid_answers(survey, "29581-01"), channel=Channel.LINK)
    organisation = make_organisation(session, areas["29581"])
    user = make_user(
        session, role=Role.ORGANISATION, area_code="29581", organisation=organisation, email="hnd@example.vn"
    )
    session.commit()
    auth.login(user.email)
    listed = client.get("/surveys/").get_data(as_text=True)
    assert re.findall(r'href="/surveys/(\d+)">.*?<td class="num">(\d+)</td>', listed) == [(str(survey.id), "2")]
    shown = client.get(f"/surveys/{survey.id}").get_data(as_text=True)
    assert "3 phiếu" not in shown and "2 phiếu" in shown
    preview = client.get(f"/surveys/{survey.id}/preview").get_data(as_text=True)
    assert "Ấp Bình Thuận" in preview and "Ấp Phú Mỹ" not in preview
