"""Survey fixtures: a survey from the NTM template over two communes of district 857."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.areas import find_unit, import_areas
from core.models import Role
from surveys.models import CriteriaSet, Survey, SurveyStatus
from surveys.services.builder import QuestionFields, change_question
from surveys.services.surveys import create_survey_from_template, find_question
from tests.factories import build_area_tree, make_user


@pytest.fixture
def officer(session: Session, areas: dict[str, Any]) -> Any:
    """A steering officer of district 857 (Long Hồ)."""
    user = make_user(session, role=Role.OFFICER, area_code="857", email="officer857@example.vn")
    session.commit()
    return user


@pytest.fixture
def criteria_2022(session: Session) -> CriteriaSet:
    """QĐ 318/QĐ-TTg, seeded by the migration."""
    return session.scalar(select(CriteriaSet).where(CriteriaSet.code == "qd318-2022"))


def build_survey(
    session: Session, officer: Any, areas: dict[str, Any], criteria: CriteriaSet, *, status=SurveyStatus.OPEN
) -> Survey:
    """A template survey over communes 29578 and 29581."""
    survey = create_survey_from_template(
        session, officer, criteria_set=criteria, communes=[areas["29578"], areas["29581"]]
    )
    survey.status = status
    session.commit()
    return survey


@pytest.fixture
def survey(session: Session, officer: Any, areas: dict[str, Any], criteria_2022: CriteriaSet) -> Survey:
    """An open survey from the template."""
    return build_survey(session, officer, areas, criteria_2022)


@pytest.fixture
def link(survey: Survey) -> Any:
    """The short link of commune 29578 (Xã Đồng Phú)."""
    return next(sa for sa in survey.areas if sa.area.code == "29578")


def valid_answers(survey: Survey, hamlet: str = "29578-01") -> dict[str, list[str]]:
    """A complete, valid set of answers for the current version."""
    answers: dict[str, list[str]] = {}
    for q in survey.current_version.questions:
        role = q.weighting_role.value if q.weighting_role else None
        if role == "hamlet":
            answers[q.code] = [hamlet]
        elif q.options:
            answers[q.code] = [q.options[0]["value"]]
        elif q.type.value == "satisfaction5":
            answers[q.code] = ["4"]
        elif q.type.value == "satisfied":
            answers[q.code] = ["1"]
        else:
            answers[q.code] = ["Đường ấp cần thêm đèn."]
    return answers


def open_survey(live_server) -> str:
    """Arrange an open survey on the served database; return the commune's short link."""
    with live_server.app.app_context():
        session = live_server.session()
        areas = build_area_tree(session)
        officer = make_user(session, role=Role.OFFICER, area_code="857")
        criteria = session.scalar(select(CriteriaSet).where(CriteriaSet.code == "qd318-2022"))
        survey = create_survey_from_template(session, officer, criteria_set=criteria, communes=[areas["29578"]])
        survey.status = SurveyStatus.OPEN
        code = survey.areas[0].code
        session.commit()
        session.close()
    return f"{live_server.url}/s/{code}"


def fields_of(question, **changes) -> QuestionFields:
    """The question as the edit form would post it unchanged, with ``changes`` applied."""
    values = {
        "text": question.text, "type": question.type, "required": question.required,
        "options": [f"{o['value']}={o['label']}" for o in question.options], "min_value": question.min_value,
        "max_value": question.max_value, "criterion_id": question.criterion_id,
        "weighting_role": question.weighting_role, "allow_dont_know": question.allow_dont_know,
    }
    return QuestionFields(**(values | changes))


def reword(session: Session, survey: Survey, actor: Any, code: str, text: str, required: bool = True) -> Any:
    """Change a question's wording (and whether it is required) through the builder."""
    question = find_question(survey.current_version, code)
    return change_question(session, survey, actor, code, fields_of(question, text=text, required=required))


# Two tiers, as since 1 July 2025: communes hang directly under their province.
TWO_TIER_CSV = """level,code,name,parent_code,households
province,87,Tỉnh Đồng Tháp,,
commune,30001,Xã Mỹ Hiệp,87,
commune,30002,Xã Mỹ Thọ,87,
hamlet,30001-01,Ấp Mỹ Phú,30001,400
hamlet,30001-02,Ấp Mỹ Lợi,30001,350
hamlet,30002-01,Ấp Mỹ Thuận,30002,300
"""


@pytest.fixture
def two_tier_survey(session: Session, criteria_2022: CriteriaSet) -> Survey:
    """An open survey on two communes of a province without districts, owned by the province's officer."""
    import_areas(session, TWO_TIER_CSV)
    officer = make_user(session, role=Role.OFFICER, area_code="87", email="officer87@example.vn")
    communes = [find_unit(session, "30001"), find_unit(session, "30002")]
    survey = create_survey_from_template(session, officer, criteria_set=criteria_2022, communes=communes)
    survey.status = SurveyStatus.OPEN
    session.commit()
    return survey
