"""Review of possible duplicates: listing beside the earlier responses, scope, decisions, the numbers."""

from __future__ import annotations

import csv
import io
import re
import sqlite3
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from sqlalchemy import func, select

from core.models import AuditEntry, Role
from surveys.errors import SurveyError
from surveys.exports import FIXED_COLUMNS, iter_export_rows, question_codes
from surveys.models import Channel, DuplicateReview, Response
from surveys.respond.store import record_response
from surveys.services.duplicates import decide_duplicates, list_flagged
from surveys.services.indices import rating_data
from surveys.services.monitor import fieldwork
from tests.conftest import alembic_config
from tests.factories import make_organisation, make_user
from tests.surveys.conftest import build_survey, valid_answers

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def send(session, link, survey, client="phone-1", hamlet="29578-01", **changes):
    """One QR response from ``client``; ``changes`` replace answers (q05=["2"])."""
    answers = valid_answers(survey, hamlet) | changes
    return record_response(session, link, answers, channel=Channel.QR, client_hash=client)


@pytest.fixture
def pair(app, session, survey, link):
    """A response and the same form sent again from the same phone (flagged)."""
    with app.app_context():
        first, again = send(session, link, survey), send(session, link, survey)
    session.commit()
    return first, again


def scope(survey):
    return [sa.area_id for sa in survey.areas]


def audit_count(session):
    return session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.action.like("survey.duplicate.%"))
    )


# --- listing ------------------------------------------------------------------


def test_a_flagged_response_waits_for_review_beside_the_response_it_repeats(app, session, survey, pair):
    first, again = pair
    assert (first.is_possible_duplicate, first.duplicate_review) == (False, None)
    assert (again.is_possible_duplicate, again.duplicate_review) == (True, DuplicateReview.PENDING)
    with app.app_context():
        page = list_flagged(session, survey, scope(survey))
    assert [item.response.id for item in page.items] == [again.id]
    [similar] = page.items[0].similar
    assert (similar.response.id, similar.same_client, similar.same_answers) == (first.id, True, True)
    assert page.items[0].rows and not any(row.differs for row in page.items[0].rows)
    assert page.counts == {DuplicateReview.PENDING: 1, DuplicateReview.KEPT: 0, DuplicateReview.EXCLUDED: 0}


def test_closest_matches_come_first_and_strangers_are_left_out(app, session, survey, link):
    with app.app_context():
        other_phone = send(session, link, survey, client="phone-2")  # same answers from another phone
        stranger = send(session, link, survey, client="phone-3", q05=["2"])  # other phone, other answers
        other_answers = send(session, link, survey, q05=["1"])  # same phone, other answers: not flagged
        original = send(session, link, survey)
        again = send(session, link, survey)
        page = list_flagged(session, survey, scope(survey))
        matches = [(s.response.id, s.same_client, s.same_answers) for s in page.items[0].similar]
    assert [item.response.id for item in page.items] == [again.id] and not other_answers.is_possible_duplicate
    assert matches == [(original.id, True, True), (other_answers.id, True, False), (other_phone.id, False, True)]
    assert stranger.id not in [m[0] for m in matches]


def test_answers_are_shown_side_by_side_with_their_labels_and_differences(app, session, survey, link):
    with app.app_context():
        first = send(session, link, survey)
        changed = send(session, link, survey, q05=["2"])
        again = send(session, link, survey)
        [item] = list_flagged(session, survey, scope(survey)).items
    assert [s.response.id for s in item.similar] == [first.id, changed.id]
    rows = {row.code: row for row in item.rows}
    assert rows["q05"].differs and rows["q05"].values == ("Hài lòng", "Hài lòng", "Không hài lòng")
    assert not rows["q06"].differs
    assert item.response.id == again.id and len(rows) == len(again.answers)


def test_listing_is_limited_to_the_given_communes_and_paged(app, session, survey, link, pair, monkeypatch):
    other = next(sa for sa in survey.areas if sa.area.code == "29581")
    with app.app_context():
        assert list_flagged(session, survey, [other.area_id]).items == []
        send(session, link, survey)  # a third identical form: flagged too
        monkeypatch.setattr("surveys.services.duplicates.PAGE_SIZE", 1)
        first_page = list_flagged(session, survey, scope(survey))
        second_page = list_flagged(session, survey, scope(survey), page=2)
    assert first_page.has_next and not second_page.has_next
    assert first_page.items[0].response.id == pair[1].id
    assert second_page.items[0].response.id > pair[1].id


# --- decisions ----------------------------------------------------------------


def test_excluding_then_changing_ones_mind_is_recorded_and_audited(app, session, officer, survey, pair):
    _first, again = pair
    with app.app_context():
        decide_duplicates(
            session, survey, [again.id], "excluded", actor=officer, commune_ids=scope(survey), note=" Gửi hai lần "
        )
        assert (again.duplicate_review, again.duplicate_reviewed_by_id, again.duplicate_review_note) == (
            DuplicateReview.EXCLUDED, officer.id, "Gửi hai lần")
        assert again.duplicate_reviewed_at is not None
        decide_duplicates(session, survey, [str(again.id)], "kept", actor=officer, commune_ids=scope(survey))
    assert again.duplicate_review == DuplicateReview.KEPT and again.duplicate_review_note == ""
    entries = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.object_id == again.id, AuditEntry.object_type == "survey_responses")
        .order_by(AuditEntry.id)
    ).all()
    assert [(e.action, e.details["before"], e.details["after"], e.reason) for e in entries] == [
        ("survey.duplicate.excluded", "pending", "excluded", "Gửi hai lần"),
        ("survey.duplicate.kept", "excluded", "kept", ""),
    ]
    assert session.get(Response, again.id) is not None  # never deleted


def test_several_responses_are_decided_at_once(app, session, officer, survey, link, pair):
    with app.app_context():
        third = send(session, link, survey)
        decided = decide_duplicates(
            session, survey, [third.id, pair[1].id], "excluded", actor=officer, commune_ids=scope(survey)
        )
    assert [r.id for r in decided] == [pair[1].id, third.id]
    assert {pair[1].duplicate_review, third.duplicate_review} == {DuplicateReview.EXCLUDED}
    assert audit_count(session) == 2


def other_survey_response(app, session, officer, areas, criteria_2022):
    other = build_survey(session, officer, areas, criteria_2022)
    other_link = next(sa for sa in other.areas if sa.area.code == "29578")
    with app.app_context():
        send(session, other_link, other)
        response = send(session, other_link, other)
    session.commit()
    return response.id


@pytest.mark.parametrize(
    "ids, decision, message",
    [
        ("unknown", "excluded", "Không có phiếu nghi trùng số 999999 trong phiếu khảo sát này."),
        ("other_survey", "excluded", "Không có phiếu nghi trùng số"),
        ("not_flagged", "kept", "Không có phiếu nghi trùng số"),
        ("with_unknown", "excluded", "Không có phiếu nghi trùng số 999999"),
        ("words", "excluded", "Không có phiếu nghi trùng số abc"),
        ("huge", "excluded", "Không có phiếu nghi trùng số 99999999999"),
        ("none", "excluded", "Hãy chọn ít nhất một phiếu."),
        ("too_many", "excluded", "Mỗi lần chọn tối đa 200 phiếu."),
        ("flagged", "delete", "Hãy chọn giữ lại hoặc loại khỏi số liệu."),
        ("flagged", "pending", "Hãy chọn giữ lại hoặc loại khỏi số liệu."),
    ],
)
def test_bad_input_is_refused_with_a_message_and_changes_nothing(
    app, session, officer, areas, criteria_2022, survey, pair, ids, decision, message
):
    first, again = pair
    chosen = {
        "unknown": [999999],
        "other_survey": lambda: [other_survey_response(app, session, officer, areas, criteria_2022)],
        "not_flagged": [first.id],
        "with_unknown": [again.id, 999999],
        "words": ["abc"],
        "huge": ["99999999999"],
        "none": [],
        "too_many": [again.id] * 201,
        "flagged": [again.id],
    }[ids]
    chosen = chosen() if callable(chosen) else chosen
    with app.app_context(), pytest.raises(SurveyError, match=message):
        decide_duplicates(session, survey, chosen, decision, actor=officer, commune_ids=scope(survey))
    session.rollback()
    assert session.get(Response, again.id).duplicate_review == DuplicateReview.PENDING
    assert audit_count(session) == 0


def test_a_note_longer_than_the_column_is_refused(app, session, officer, survey, pair):
    with app.app_context(), pytest.raises(SurveyError, match="Ghi chú dài tối đa 500 ký tự."):
        decide_duplicates(
            session, survey, [pair[1].id], "kept", actor=officer, commune_ids=scope(survey), note="x" * 501
        )


def test_a_note_with_control_characters_is_refused(app, session, officer, survey, pair):
    with app.app_context(), pytest.raises(SurveyError, match="ký tự điều khiển"):
        decide_duplicates(
            session, survey, [pair[1].id], "kept", actor=officer, commune_ids=scope(survey), note="Trùng\x0bphiếu"
        )
    session.rollback()
    assert session.get(Response, pair[1].id).duplicate_review == DuplicateReview.PENDING


def test_only_those_who_manage_the_survey_decide(app, session, areas, survey, pair):
    organisation = make_organisation(session, areas["29578"])
    member = make_user(session, role=Role.ORGANISATION, area_code="29578", organisation=organisation)
    with app.app_context(), pytest.raises(SurveyError, match="Chỉ quản trị viên và cán bộ Ban Chỉ đạo"):
        decide_duplicates(session, survey, [pair[1].id], "excluded", actor=member, commune_ids=scope(survey))


# --- the numbers --------------------------------------------------------------


def test_an_excluded_duplicate_leaves_monitor_and_indices_but_stays_in_the_export(
    app, session, officer, survey, link, pair
):
    with app.app_context():
        send(session, link, survey, client="phone-2", q05=["5"])
        kept = send(session, link, survey, client="phone-2", q05=["5"])
        decide_duplicates(session, survey, [kept.id], "kept", actor=officer, commune_ids=scope(survey))
        before = fieldwork(session, survey, survey.areas, VIETNAM)
        decide_duplicates(session, survey, [pair[1].id], "excluded", actor=officer, commune_ids=scope(survey))
        after = fieldwork(session, survey, survey.areas, VIETNAM)
        frame = rating_data(session, survey, survey.areas).frame
    assert (before.total, after.total) == (4, 3)
    assert sum(after.by_channel.values()) == sum(after.by_day.values()) == 3
    assert sum(r.responses for r in after.coverage if r.level == "commune") == 3
    assert sum(n for n, _share, _margin in after.composition["sex"].values()) == 3
    assert (after.possible_duplicates, after.pending_review, after.excluded_duplicates) == (2, 0, 1)
    assert pair[1].id not in set(frame["id"]) and kept.id in set(frame["id"])  # kept ones count
    rows = list(iter_export_rows(session, survey.id, question_codes(survey), scope(survey)))
    review = FIXED_COLUMNS.index("duplicate_review")
    assert {row[0]: row[review] for row in rows} == {
        pair[0].id: None,
        pair[1].id: "excluded",
        kept.id - 1: None,
        kept.id: "kept",
    }


# --- pages ----------------------------------------------------------------------


def org_member(session, areas):
    organisation = make_organisation(session, areas["29578"])
    user = make_user(
        session, role=Role.ORGANISATION, area_code="29578", organisation=organisation, email="mttq-dup@example.vn"
    )
    session.commit()
    return user


def test_the_page_is_linked_and_shows_the_pair_side_by_side(client, auth, officer, survey, pair):
    auth.login(officer.email)
    assert f"/surveys/{survey.id}/duplicates" in client.get(f"/surveys/{survey.id}").get_data(as_text=True)
    monitor = client.get(f"/surveys/{survey.id}/monitor").get_data(as_text=True)
    assert f"/surveys/{survey.id}/duplicates" in monitor and "1 chờ xem xét" in monitor
    html = client.get(f"/surveys/{survey.id}/duplicates").get_data(as_text=True)
    assert f"Phiếu số {pair[1].id}" in html and f"Phiếu số {pair[0].id}" in html
    assert "cùng máy, cùng câu trả lời" in html and "Mọi câu trả lời đều giống nhau." in html
    assert 'name="decision" value="excluded"' in html and 'form="bulk"' in html


@pytest.mark.parametrize("query", ["status=deleted", "page=-3", "page=abc", "page=99999999999999999999999"])
def test_odd_filters_fall_back_to_a_page_that_renders(client, auth, officer, survey, pair, query):
    auth.login(officer.email)
    assert client.get(f"/surveys/{survey.id}/duplicates?{query}").status_code == 200


def test_an_officer_excludes_from_the_page_and_sees_it_under_its_status(client, auth, session, officer, survey, pair):
    auth.login(officer.email)
    done = client.post(
        f"/surveys/{survey.id}/duplicates",
        data={"response": [pair[1].id], "decision": "excluded", "note": "Bấm gửi hai lần"},
    )
    assert done.status_code == 303
    session.expire_all()
    assert session.get(Response, pair[1].id).duplicate_review == DuplicateReview.EXCLUDED
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Đã ghi quyết định cho 1 phiếu" in page and "Không có phiếu nghi trùng nào ở mục này." in page
    excluded = client.get(f"/surveys/{survey.id}/duplicates?status=excluded").get_data(as_text=True)
    assert f"Phiếu số {pair[1].id}" in excluded and "Bấm gửi hai lần" in excluded and officer.email in excluded
    export = client.get(f"/surveys/{survey.id}/export.csv").data.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(export)))
    assert [(int(r["response_id"]), r["duplicate_review"]) for r in rows] == [
        (pair[0].id, ""),
        (pair[1].id, "excluded"),
    ]


@pytest.mark.parametrize(
    "data, message",
    [
        ({"response": ["999999"], "decision": "excluded"}, "Không có phiếu nghi trùng số 999999"),
        ({"response": ["x1"], "decision": "excluded"}, "Không có phiếu nghi trùng số x1"),
        ({"decision": "excluded"}, "Hãy chọn ít nhất một phiếu."),
        ({"response": ["PAIR"], "decision": "xoá"}, "Hãy chọn giữ lại hoặc loại khỏi số liệu."),
        ({"response": ["PAIR"], "decision": "kept", "note": "x" * 501}, "Ghi chú dài tối đa 500 ký tự."),
    ],
)
def test_a_bad_request_from_the_page_shows_why_and_changes_nothing(
    client, auth, session, officer, survey, pair, data, message
):
    auth.login(officer.email)
    data = data | ({"response": [str(pair[1].id)]} if data.get("response") == ["PAIR"] else {})
    refused = client.post(f"/surveys/{survey.id}/duplicates", data=data)
    assert refused.status_code == 400
    assert message in refused.get_data(as_text=True)
    session.expire_all()
    assert session.get(Response, pair[1].id).duplicate_review == DuplicateReview.PENDING
    assert audit_count(session) == 0


def test_a_response_of_another_survey_is_refused_from_the_page(
    client, auth, session, officer, areas, criteria_2022, app, survey, pair
):
    foreign = other_survey_response(app, session, officer, areas, criteria_2022)
    auth.login(officer.email)
    refused = client.post(f"/surveys/{survey.id}/duplicates", data={"response": [foreign], "decision": "excluded"})
    assert refused.status_code == 400 and f"Không có phiếu nghi trùng số {foreign}" in refused.get_data(as_text=True)
    session.expire_all()
    assert session.get(Response, foreign).duplicate_review == DuplicateReview.PENDING


def test_another_districts_officer_sees_nothing(client, auth, session, areas, survey, pair):
    stranger = make_user(session, role=Role.OFFICER, area_code="858", email="officer858@example.vn")
    session.commit()
    auth.login(stranger.email)
    assert client.get(f"/surveys/{survey.id}/duplicates").status_code == 404
    assert (
        client.post(
            f"/surveys/{survey.id}/duplicates", data={"response": [pair[1].id], "decision": "excluded"}
        ).status_code
        == 404
    )
    session.expire_all()
    assert session.get(Response, pair[1].id).duplicate_review == DuplicateReview.PENDING


@pytest.mark.parametrize("who", ["organisation", "commune_officer", "analyst"])
def test_organisations_commune_officers_and_analysts_read_but_do_not_decide(
    client, auth, session, areas, survey, pair, who
):
    user = {
        "organisation": lambda: org_member(session, areas),
        "commune_officer": lambda: make_user(session, role=Role.OFFICER, area_code="29578", email="xa@example.vn"),
        "analyst": lambda: make_user(session, role=Role.ANALYST, email="analyst-dup@example.vn"),
    }[who]()
    session.commit()
    auth.login(user.email)
    page = client.get(f"/surveys/{survey.id}/duplicates")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f"Phiếu số {pair[1].id}" in html and "Bạn chỉ xem được." in html and 'name="decision"' not in html
    assert (
        client.post(
            f"/surveys/{survey.id}/duplicates", data={"response": [pair[1].id], "decision": "excluded"}
        ).status_code
        == 403
    )
    session.expire_all()
    assert session.get(Response, pair[1].id).duplicate_review == DuplicateReview.PENDING


def test_the_organisation_sees_only_its_communes_flagged_responses(app, client, auth, session, areas, survey, pair):
    other = next(sa for sa in survey.areas if sa.area.code == "29581")
    with app.app_context():
        send(session, other, survey, client="phone-9", hamlet="29581-01")
        elsewhere = send(session, other, survey, client="phone-9", hamlet="29581-01")
    session.commit()
    auth.login(org_member(session, areas).email)
    html = client.get(f"/surveys/{survey.id}/duplicates?status=all").get_data(as_text=True)
    assert f"Phiếu số {pair[1].id}" in html and f"Phiếu số {elsewhere.id}" not in html


class TestCsrf:
    @pytest.fixture
    def app_config(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_a_decision_needs_the_pages_token(self, client, session, officer, survey, pair):
        with client.session_transaction() as browser:
            browser["_user_id"], browser["_fresh"] = str(officer.id), True
        data = {"response": [pair[1].id], "decision": "excluded"}
        assert client.post(f"/surveys/{survey.id}/duplicates", data=data).status_code == 400
        session.expire_all()
        assert session.get(Response, pair[1].id).duplicate_review == DuplicateReview.PENDING
        page = client.get(f"/surveys/{survey.id}/duplicates").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        assert client.post(f"/surveys/{survey.id}/duplicates", data=data | {"csrf_token": token}).status_code == 303


# --- migration ----------------------------------------------------------------


def test_the_migration_keeps_existing_responses_and_marks_flagged_ones_pending(tmp_path):
    """On SQLite the revision rebuilds survey_responses, which answers and tokens refer to."""
    path = tmp_path / "before.sqlite3"
    config = alembic_config(f"sqlite:///{path}")
    command.upgrade(config, "0003_feedback")
    with sqlite3.connect(path) as db:
        db.executescript("""
            INSERT INTO areas (id, code, name, unit_type, level, path, valid_from)
                VALUES (1, '29578', 'Xã Đồng Phú', 'xa', 'commune', '/1/', '2020-01-01');
            INSERT INTO surveys (id, title, introduction, status, margins, created_at)
                VALUES (1, 'S', '', 'open', '{}', '2026-01-01 00:00:00');
            INSERT INTO survey_versions (id, survey_id, number, created_at) VALUES (1, 1, 1, '2026-01-01 00:00:00');
            INSERT INTO survey_sections (id, version_id, position, title) VALUES (1, 1, 0, 'A');
            INSERT INTO survey_questions
                (id, version_id, section_id, position, code, text, type, required, allow_dont_know, options)
                VALUES (1, 1, 1, 1, 'q01', 'Q', 'satisfaction5', 0, 0, '[]');
            INSERT INTO survey_responses (id, survey_id, version_id, commune_id, channel, submitted_at, client_hash,
                                          answers_hash, is_possible_duplicate)
                VALUES (1, 1, 1, 1, 'qr', '2026-01-01 00:00:00', 'h', 'a', 0),
                       (2, 1, 1, 1, 'qr', '2026-01-01 00:01:00', 'h', 'a', 1);
            INSERT INTO survey_answers (response_id, question_id, value) VALUES (1, 1, '4'), (2, 1, '4');
            INSERT INTO survey_submission_tokens (nonce, response_id, used_at) VALUES ('n1', 1, '2026-01-01 00:00:00');
        """)
    db.close()
    command.upgrade(config, "0004_duplicate_review")
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT id, duplicate_review FROM survey_responses ORDER BY id").fetchall() == [
            (1, None),
            (2, "pending"),
        ]
        assert db.execute("SELECT count(*) FROM survey_answers").fetchone() == (2,)
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    db.close()
    command.downgrade(config, "0003_feedback")
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM survey_responses").fetchone() == (2,)
    db.close()
