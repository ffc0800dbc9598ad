"""Survey services: plain functions, session first; they flush, the caller commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from core.links import new_short_code
from core.models import Area, AreaLevel, Role, User, record_audit, visible_areas
from surveys.errors import SurveyError
from surveys.models import (
    CriteriaSet,
    Question,
    Response,
    Section,
    Survey,
    SurveyArea,
    SurveyStatus,
    SurveyVersion,
)
from surveys.services.access import can_follow, visible_communes
from surveys.template import TEMPLATE_INTRODUCTION, TEMPLATE_TITLE, template_sections

# --- creating and editing ---------------------------------------------------


def create_survey_from_template(
    session: Session,
    actor: User,
    *,
    criteria_set: CriteriaSet,
    communes: Sequence[Area],
    title: str = TEMPLATE_TITLE,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
) -> Survey:
    """A draft survey with the NTM template's questions for ``communes``."""
    if not communes:
        raise SurveyError(_("Chọn ít nhất một xã."))
    for commune in communes:
        if commune.level != AreaLevel.COMMUNE or not actor.can_see(commune):
            raise SurveyError(_("%(name)s nằm ngoài địa bàn của bạn.", name=commune.name))
    survey = Survey(
        title=title,
        introduction=TEMPLATE_INTRODUCTION,
        owner_area=actor.area if actor.role == Role.OFFICER else _common_ancestor(session, communes),
        criteria_set=criteria_set,
        created_by=actor,
        opens_at=opens_at,
        closes_at=closes_at,
    )
    session.add(survey)
    version = SurveyVersion(survey=survey, number=1)
    session.add(version)
    by_number = {c.number: c for c in criteria_set.criteria}
    sections = template_sections([(c.number, c.name) for c in criteria_set.criteria])
    position = 0
    for section_position, spec in enumerate(sections):
        section = Section(version=version, position=section_position, title=spec.title)
        session.add(section)
        for q in spec.questions:
            position += 1
            session.add(
                Question(
                    version=version,
                    section=section,
                    position=position,
                    code=f"q{position:02d}",
                    text=q.text,
                    type=q.type,
                    required=q.required,
                    allow_dont_know=q.allow_dont_know,
                    options=[{"value": v, "label": label} for v, label in q.options],
                    min_value=q.min_value,
                    max_value=q.max_value,
                    max_length=q.max_length,
                    criterion=by_number.get(q.criterion_number) if q.criterion_number else None,
                    weighting_role=q.weighting_role,
                )
            )
    for commune in communes:
        session.add(SurveyArea(survey=survey, area=commune, code=new_short_code(session, SurveyArea.code, 6)))
    session.flush()
    record_audit(session, actor, "survey.create", survey, criteria_set=criteria_set.code)
    return survey


def _common_ancestor(session: Session, areas: Sequence[Area]) -> Area | None:
    """The lowest area containing all of ``areas`` (their district, say), so its officers manage the survey."""
    paths = [a.path.strip("/").split("/") for a in areas]
    common = []
    for parts in zip(*paths, strict=False):
        if len(set(parts)) != 1:
            break
        common.append(parts[0])
    return session.get(Area, int(common[-1])) if common and common[-1].isdigit() else None


def list_surveys_for(session: Session, user: User) -> list[Survey]:
    """Surveys the user manages or follows, newest first."""
    surveys = session.scalars(select(Survey).order_by(Survey.created_at.desc(), Survey.id.desc()))
    return [s for s in surveys if can_follow(user, s)]


def has_responses(session: Session, version: SurveyVersion) -> bool:
    """True once any response answered this version (its questions are then frozen)."""
    return bool(session.scalar(select(exists().where(Response.version_id == version.id))))


def editable_version(session: Session, survey: Survey, actor: User) -> SurveyVersion:
    """The current version if no one answered it yet, else a fresh copy to edit."""
    current = survey.current_version
    if not has_responses(session, current):
        return current
    version = SurveyVersion(survey=survey, number=current.number + 1)
    session.add(version)
    for old_section in current.sections:
        section = Section(version=version, position=old_section.position, title=old_section.title)
        session.add(section)
        for q in old_section.questions:
            session.add(
                Question(
                    version=version,
                    section=section,
                    **{c: getattr(q, c) for c in QUESTION_COPY_COLUMNS},
                )
            )
    session.flush()
    session.refresh(survey)
    record_audit(session, actor, "survey.new_version", survey, number=version.number)
    return version


QUESTION_COPY_COLUMNS = (
    "position", "code", "text", "type", "required", "allow_dont_know", "options",
    "min_value", "max_value", "max_length", "criterion_id", "weighting_role",
)


def find_question(version: SurveyVersion, code: str) -> Question:
    """The question with ``code`` in ``version``."""
    for question in version.questions:
        if question.code == code:
            return question
    raise SurveyError(_("Không có câu hỏi %(code)s.", code=code))


def move_question(session: Session, survey: Survey, actor: User, code: str, step: int) -> None:
    """Swap a question with its neighbour (step -1 up, +1 down) within its section."""
    if survey.status == SurveyStatus.CLOSED:
        raise SurveyError(_("Phiếu đã đóng, không sửa được."))
    # Neither an unknown code nor a move past the section's end may start a new version.
    current = find_question(survey.current_version, code)
    other_index = current.section.questions.index(current) + step
    if not 0 <= other_index < len(current.section.questions):
        return
    version = editable_version(session, survey, actor)
    question = find_question(version, code)
    other = question.section.questions[other_index]
    question.position, other.position = other.position, question.position
    session.flush()
    session.expire(question.section, ["questions"])
    session.expire(version, ["questions"])
    record_audit(session, actor, "survey.move_question", survey, code=code, step=step)


def update_details(
    session: Session, survey: Survey, actor: User, *, title: str, introduction: str,
    opens_at: datetime | None, closes_at: datetime | None,
) -> None:
    """Change what residents read above the questions and when the survey takes answers."""
    if survey.status == SurveyStatus.CLOSED:
        raise SurveyError(_("Phiếu đã đóng, không sửa được."))
    survey.title = title.strip()
    survey.introduction = introduction.strip()
    survey.opens_at, survey.closes_at = opens_at, closes_at
    session.flush()
    record_audit(session, actor, "survey.edit", survey)


def set_status(session: Session, survey: Survey, actor: User, status: SurveyStatus) -> None:
    """Open a draft or closed survey, or close an open one."""
    if status == SurveyStatus.OPEN and survey.status == SurveyStatus.OPEN:
        return
    survey.status = status
    session.flush()
    record_audit(session, actor, f"survey.{status.value}", survey)


def count_responses(session: Session, survey: Survey, viewer: User) -> int:
    """How many responses of the survey ``viewer`` may see (those of the communes in their scope)."""
    return response_counts(session, [survey], viewer)[survey.id]


def response_counts(session: Session, surveys: Sequence[Survey], viewer: User) -> dict[int, int]:
    """Survey id -> how many of its responses ``viewer`` may see, for a list of surveys in one query.

    An organisation following a district-wide survey sees its commune's count, not the survey's total.
    """
    visible = {survey.id: {link.area_id for link in visible_communes(viewer, survey)} for survey in surveys}
    counted = (
        select(Response.survey_id, Response.commune_id, func.count())
        .where(Response.survey_id.in_(visible)).group_by(Response.survey_id, Response.commune_id)
    )
    counts = dict.fromkeys(visible, 0)
    for survey_id, commune_id, n in session.execute(counted):
        if commune_id in visible[survey_id]:
            counts[survey_id] += n
    return counts


def criteria_sets(session: Session) -> list[CriteriaSet]:
    """Every criteria set, newest period first."""
    return list(session.scalars(select(CriteriaSet).order_by(CriteriaSet.period.desc())))


def communes_in_scope(session: Session, user: User) -> list[Area]:
    """Communes the user may survey."""
    return visible_areas(session, user, AreaLevel.COMMUNE)


