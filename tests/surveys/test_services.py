"""Service rules, without HTTP: validation per question type, states, versions, duplicates, retention."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import bindparam, select, text

from core.db import UtcDateTime
from surveys.errors import (
    AnswerErrors,
    FormAlreadySubmitted,
    LinkChanged,
    SurveyError,
    SurveyUnavailable,
)
from surveys.models import (
    Channel,
    CriteriaSet,
    Question,
    QuestionType,
    Response,
    SurveyStatus,
    survey_state,
)
from surveys.respond.answers import answers_fingerprint, validate_answers
from surveys.respond.store import purge_client_hashes, record_response, store_response
from surveys.services.surveys import create_survey_from_template
from tests.surveys.conftest import valid_answers

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def test_both_criteria_sets_have_19_criteria_and_2022_renames_3_11_12_13(session):
    sets = {s.code: s for s in session.scalars(select(CriteriaSet))}
    old, new = sets["qd1980-2016"], sets["qd318-2022"]
    assert len(old.criteria) == len(new.criteria) == 19
    renamed = {c.number for c, d in zip(old.criteria, new.criteria, strict=True) if c.name != d.name}
    assert renamed == {3, 11, 12, 13}
    assert new.criteria[10].name == "Nghèo đa chiều"


def test_template_from_the_2016_set_maps_one_item_per_criterion(session, officer, areas):
    old = session.scalar(select(CriteriaSet).where(CriteriaSet.code == "qd1980-2016"))
    survey = create_survey_from_template(session, officer, criteria_set=old, communes=[areas["29578"]])
    mapped = [q.criterion.number for q in survey.current_version.questions if q.criterion]
    assert mapped == list(range(1, 20))
    roles = {q.weighting_role.value for q in survey.current_version.questions if q.weighting_role}
    assert roles == {"sex", "age_group", "hamlet", "household_rep"}
    titles = [s.title for s in survey.current_version.sections]
    assert "Dân biết, dân bàn, dân kiểm tra, dân thụ hưởng" in titles


def test_template_needs_communes_in_scope(session, officer, areas, criteria_2022):
    outside = areas["29641"]
    with pytest.raises(SurveyError) as refused:
        create_survey_from_template(session, officer, criteria_set=criteria_2022, communes=[outside])
    assert str(refused.value) == f"{outside.name} nằm ngoài địa bàn của bạn."  # the name already says "Xã"
    with pytest.raises(SurveyError):
        create_survey_from_template(session, officer, criteria_set=criteria_2022, communes=[])


def test_states_follow_status_and_schedule(survey):
    assert survey_state(survey, NOW) == "open"
    survey.opens_at = NOW + timedelta(hours=1)
    assert survey_state(survey, NOW) == "not_yet"
    survey.opens_at, survey.closes_at = None, NOW
    assert survey_state(survey, NOW) == "closed"
    survey.closes_at, survey.status = None, SurveyStatus.DRAFT
    assert survey_state(survey, NOW) == "draft"


def test_not_yet_open_and_closed_store_nothing(session, survey, link):
    survey.opens_at = NOW + timedelta(days=1)
    with pytest.raises(SurveyUnavailable) as not_yet:
        record_response(session, link, valid_answers(survey), channel=Channel.LINK, now=NOW)
    assert not_yet.value.state == "not_yet"
    survey.opens_at, survey.status = None, SurveyStatus.CLOSED
    with pytest.raises(SurveyUnavailable):
        record_response(session, link, valid_answers(survey), channel=Channel.QR, now=NOW)
    # A paper sheet filled in before the close may still be typed in afterwards.
    record_response(session, link, valid_answers(survey), channel=Channel.PAPER, serial="S1", now=NOW)
    assert session.scalars(select(Response)).one().channel == Channel.PAPER


def custom_question(session, survey, kind, **kwargs):
    version = survey.current_version
    session.add(
        Question(version=version, section=version.sections[-1], position=99, code="q99", text="?", type=kind, **kwargs)
    )
    session.flush()
    session.expire(version, ["questions"])


@pytest.mark.parametrize(
    ("kind", "kwargs", "value", "ok"),
    [
        (QuestionType.NUMBER, {"min_value": 1, "max_value": 20}, ["7"], "7"),
        (QuestionType.NUMBER, {"min_value": 1, "max_value": 20}, ["21"], None),
        (QuestionType.NUMBER, {}, ["bảy"], None),
        (
            QuestionType.MULTIPLE,
            {"options": [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}]},
            ["b", "a"],
            "a;b",
        ),
        (QuestionType.MULTIPLE, {"options": [{"value": "a", "label": "A"}]}, ["a", "z"], None),
        (QuestionType.SHORT_TEXT, {}, ["x" * 200], "x" * 200),
        (QuestionType.SHORT_TEXT, {}, ["x" * 201], None),
        (QuestionType.SHORT_TEXT, {}, ["a\x00b"], None),
        (QuestionType.SATISFACTION, {"allow_dont_know": True}, ["0"], "0"),
        (QuestionType.SATISFACTION, {"allow_dont_know": False}, ["0"], None),
    ],
)
def test_each_question_type_accepts_only_valid_answers(session, survey, link, kind, kwargs, value, ok):
    custom_question(session, survey, kind, **kwargs)
    answers = valid_answers(survey) | {"q99": value}
    if ok is None:
        with pytest.raises(AnswerErrors) as refused:
            validate_answers(survey.current_version, link.area, answers)
        assert set(refused.value.errors) == {"q99"}
    else:
        assert validate_answers(survey.current_version, link.area, answers)["q99"] == ok


def test_unknown_fields_are_ignored_and_optional_blank_is_not_stored(survey, link):
    values = validate_answers(survey.current_version, link.area, valid_answers(survey) | {"q29": [""], "evil": ["1"]})
    assert "evil" not in values and "q29" not in values


def test_the_answers_fingerprint_never_changes_so_forms_sent_before_an_upgrade_still_match():
    # Pinned: stored hashes are compared with new ones (possible duplicates).
    assert answers_fingerprint({"q02": "Đường xấu", "q01": "4"}) == (
        "1f94e86be7aa5aac818305cdff34aa62fd9fe71bf5d63912ab91e71b6e2c75ab"
    )


def test_a_write_that_rechecks_its_link_stores_nothing_once_the_survey_closed_since_the_link_was_read(
    session, survey, link
):
    # Closed behind the loaded objects' back, as by another worker a moment ago.
    session.execute(text("UPDATE surveys SET status = 'closed' WHERE id = :id"), {"id": survey.id})
    with pytest.raises(LinkChanged):
        store_response(session, link, valid_answers(survey), channel=Channel.QR, nonce="n-1", recheck_link=True)
    assert session.scalars(select(Response)).all() == []
    # Without the recheck the link is taken as given (staff entry reads it in the same transaction).
    store_response(session, link, valid_answers(survey), channel=Channel.QR, nonce="n-2")
    assert len(session.scalars(select(Response)).all()) == 1


@pytest.mark.parametrize(
    ("column", "offset", "stored"),
    [
        ("closes_at", timedelta(0), False),  # closing at this very moment: closed
        ("closes_at", timedelta(seconds=1), True),
        ("opens_at", timedelta(0), True),  # opening at this very moment: open
        ("opens_at", timedelta(seconds=1), False),
    ],
)
def test_the_write_keeps_the_same_opening_hours_as_survey_state(session, survey, link, column, offset, stored):
    set_behind_the_objects = text(f"UPDATE surveys SET {column} = :at WHERE id = :id").bindparams(
        bindparam("at", type_=UtcDateTime)
    )
    session.execute(set_behind_the_objects, {"at": NOW + offset, "id": survey.id})

    def submit():
        return store_response(session, link, valid_answers(survey), channel=Channel.QR, now=NOW, recheck_link=True)

    if stored:
        submit()
    else:
        with pytest.raises(LinkChanged):
            submit()
    assert len(session.scalars(select(Response)).all()) == int(stored)
    session.refresh(survey)
    assert (survey_state(survey, NOW) == "open") is stored


def test_a_write_that_rechecks_its_link_refuses_a_hamlet_retired_since_it_was_read(session, survey, link):
    session.execute(text("UPDATE areas SET valid_to = :day WHERE code = '29578-01'"), {"day": date(2026, 11, 1)})
    with pytest.raises(LinkChanged):
        store_response(session, link, valid_answers(survey, "29578-01"), channel=Channel.QR, recheck_link=True)
    assert session.scalars(select(Response)).all() == []


def test_same_client_different_answers_is_not_a_duplicate(session, survey, link):
    first = valid_answers(survey)
    second = first | {"q05": ["2"]}
    a = record_response(session, link, first, channel=Channel.QR, client_hash="h1")
    b = record_response(session, link, second, channel=Channel.QR, client_hash="h1")
    c = record_response(session, link, first, channel=Channel.QR, client_hash="h2")
    d = record_response(session, link, first, channel=Channel.QR, client_hash="h1")
    assert [a.is_possible_duplicate, b.is_possible_duplicate, c.is_possible_duplicate, d.is_possible_duplicate] == [
        False,
        False,
        False,
        True,
    ]


def test_a_used_form_token_stores_nothing_more_whatever_is_sent_with_it(session, survey, link):
    record_response(session, link, valid_answers(survey), channel=Channel.QR, nonce="n-1", client_hash="h1")
    with pytest.raises(FormAlreadySubmitted):
        record_response(
            session, link, valid_answers(survey) | {"q05": ["1"]}, channel=Channel.QR, nonce="n-1", client_hash="h2"
        )
    assert len(session.scalars(select(Response)).all()) == 1
    # another token from the same client with the same answers is stored, flagged for review
    again = record_response(session, link, valid_answers(survey), channel=Channel.QR, nonce="n-2", client_hash="h1")
    assert again.is_possible_duplicate


def test_retention_purges_old_client_hashes_only(session, survey, link):
    old = record_response(
        session, link, valid_answers(survey), channel=Channel.QR, client_hash="h", now=NOW - timedelta(days=40)
    )
    new = record_response(
        session, link, valid_answers(survey), channel=Channel.QR, client_hash="h", now=NOW - timedelta(days=5)
    )
    assert purge_client_hashes(session, timedelta(days=30), now=NOW) == 1
    session.refresh(old)
    session.refresh(new)
    assert old.client_hash is None and new.client_hash == "h"


def test_a_survey_created_by_an_admin_is_managed_by_the_district_officers(session, areas, criteria_2022, officer):
    from core.models import Role
    from surveys.services.access import can_manage
    from tests.factories import make_user

    admin = make_user(session, role=Role.ADMIN, email="admin@example.vn")
    other = make_user(session, role=Role.OFFICER, area_code="858", email="o858@example.vn")
    survey = create_survey_from_template(
        session, admin, criteria_set=criteria_2022, communes=[areas["29578"], areas["29581"]]
    )
    assert survey.owner_area.code == "857"
    assert can_manage(officer, survey) and not can_manage(other, survey)
