"""Survey services: plain functions, session first; they flush, the caller commits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import (
    Boolean,
    Connection,
    Integer,
    Select,
    bindparam,
    exists,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session, aliased, joinedload

from core.db import utc_now
from core.links import new_short_code
from core.models import Area, AreaLevel, Role, User, record_audit, visible_areas
from surveys.answers import answers_fingerprint, validate_answers
from surveys.errors import (
    AnswerErrors,
    FormAlreadySubmitted,
    LinkChanged,
    SurveyError,
    SurveyUnavailable,
)
from surveys.formcache import VersionSpec
from surveys.models import (
    Channel,
    CriteriaSet,
    DuplicateReview,
    Question,
    Response,
    Section,
    SubmissionToken,
    Survey,
    SurveyArea,
    SurveyStatus,
    SurveyVersion,
    WeightingRole,
)
from surveys.services.access import can_follow, visible_communes
from surveys.template import TEMPLATE_INTRODUCTION, TEMPLATE_TITLE, template_sections

SERIAL_MAX_LENGTH = Response.__table__.c.serial.type.length  # a paper sheet's number


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


def survey_state(survey: Survey, now: datetime | None = None) -> str:
    """"open", or why not: "draft", "not_yet" or "closed"."""
    now = now or utc_now()
    if survey.status == SurveyStatus.DRAFT:
        return "draft"
    if survey.status == SurveyStatus.CLOSED or (survey.closes_at and now >= survey.closes_at):
        return "closed"
    if survey.opens_at and now < survey.opens_at:
        return "not_yet"
    return "open"


def list_open_surveys(session: Session, now: datetime | None = None) -> list[Survey]:
    """Surveys residents can answer right now."""
    surveys = session.scalars(
        select(Survey).where(Survey.status == SurveyStatus.OPEN).order_by(Survey.id)
    )
    return [s for s in surveys if survey_state(s, now) == "open"]


def find_link(session: Session, code: str) -> SurveyArea | None:
    """The survey × commune behind a short code, with its survey, commune and hamlets (two SELECTs).

    The questions are not loaded: the respondent form reads them through ``surveys.formcache``;
    ``survey.current_version`` still loads them on first use for staff pages.
    """
    return session.scalar(_link_query(code))


@dataclass(frozen=True, slots=True)
class HamletView:
    """A hamlet as the respondent form needs it (same names as ``Area``)."""

    id: int
    code: str
    name: str
    valid_to: date | None


@dataclass(frozen=True, slots=True)
class CommuneView:
    """A commune and its hamlets, read for one request."""

    id: int
    code: str
    name: str
    children: tuple[HamletView, ...]


@dataclass(frozen=True, slots=True)
class SurveyView:
    """What the respondent form needs of a survey (same names as ``Survey``)."""

    id: int
    title: str
    introduction: str
    status: SurveyStatus
    opens_at: datetime | None
    closes_at: datetime | None


@dataclass(frozen=True, slots=True)
class LinkView:
    """A survey × commune link as plain data, read for one request or reused for at most
    SURVEY_PAGE_MAX_AGE (``views._recent_link``; a submission's write checks it again)."""

    id: int
    code: str
    survey_id: int
    area_id: int
    survey: SurveyView
    area: CommuneView


def find_respondent_link(session: Session, code: str) -> tuple[LinkView, tuple[int, datetime]] | None:
    """The link behind a short code and the (id, created_at) of its survey's current version.

    One SELECT of plain columns (link, survey, commune, current version, one row per hamlet):
    the hot path of every respondent request builds no ORM objects.
    """
    rows = session.connection().execute(_RESPONDENT_LINK, {"code": code.lower()}).all()
    if not rows:
        return None
    row = rows[0]
    hamlets = tuple(HamletView(*r[13:]) for r in rows if r[13] is not None)
    survey = SurveyView(row[2], row[4], row[5] or "", row[6], row[7], row[8])
    commune = CommuneView(row[3], row[9], row[10], hamlets)
    return LinkView(row[0], row[1], row[2], row[3], survey, commune), (row[11], row[12])


_LATEST_NUMBER = (
    select(func.max(SurveyVersion.number))
    .where(SurveyVersion.survey_id == SurveyArea.survey_id)
    .correlate(SurveyArea)
    .scalar_subquery()
)
# Built once: on the hot path, building and compiling statements cost more than running them.
# One row per hamlet of the commune (one row with NULL hamlet columns if it has none).
_Hamlet = aliased(Area)
_RESPONDENT_LINK = (
    select(
        SurveyArea.id, SurveyArea.code, SurveyArea.survey_id, SurveyArea.area_id,
        Survey.title, Survey.introduction, Survey.status, Survey.opens_at, Survey.closes_at,
        Area.code, Area.name, SurveyVersion.id, SurveyVersion.created_at,
        _Hamlet.id, _Hamlet.code, _Hamlet.name, _Hamlet.valid_to,
    )
    .join(Survey, Survey.id == SurveyArea.survey_id)
    .join(Area, Area.id == SurveyArea.area_id)
    .join(SurveyVersion, (SurveyVersion.survey_id == SurveyArea.survey_id) & (SurveyVersion.number == _LATEST_NUMBER))
    .outerjoin(_Hamlet, _Hamlet.parent_id == SurveyArea.area_id)
    .where(SurveyArea.code == bindparam("code"))
    .order_by(_Hamlet.code)
)


def _link_query(code: str) -> Select[tuple[SurveyArea]]:
    return (
        select(SurveyArea)
        .where(SurveyArea.code == code.lower())
        .options(joinedload(SurveyArea.survey), joinedload(SurveyArea.area).selectinload(Area.children))
    )


# --- responses ----------------------------------------------------------------


def find_response_by_nonce(session: Session, nonce: str) -> Response | None:
    """The response a form token was already used for, if any."""
    return session.scalar(
        select(Response).join(SubmissionToken).where(SubmissionToken.nonce == nonce)
    )


_NONCE_USED = select(exists().where(SubmissionToken.__table__.c.nonce == bindparam("nonce")))


def nonce_used(session: Session, nonce: str) -> bool:
    """True once a form token has stored its response (one indexed lookup, no ORM object)."""
    return bool(session.connection().execute(_NONCE_USED, {"nonce": nonce}).scalar())


def record_response(
    session: Session,
    link: SurveyArea | LinkView,
    submitted: Mapping[str, Sequence[str]],
    **kwargs: Any,
) -> Response:
    """Validate and store one response with its answers (flushed, not committed); see ``store_response``."""
    return session.get_one(Response, store_response(session, link, submitted, **kwargs))


def store_response(
    session: Session,
    link: SurveyArea | LinkView,
    submitted: Mapping[str, Sequence[str]],
    *,
    channel: Channel,
    nonce: str | None = None,
    client_hash: str | None = None,
    serial: str | None = None,
    entered_by: User | None = None,
    now: datetime | None = None,
    version: SurveyVersion | VersionSpec | None = None,
    recheck_link: bool = False,
) -> int:
    """Validate and store one response with its token and answers; return its id.

    Written on the session's connection, in its transaction (the caller commits). On
    PostgreSQL everything is one statement, which the respondent form runs without a
    transaction around it (``core.db.begin_single_write``): add no second write there. Raises
    ``FormAlreadySubmitted`` when ``nonce`` already stored a response (nothing written).
    ``version`` is the survey's current version, already loaded (the respondent form passes
    the cached ``VersionSpec``); by default it is read from ``link.survey``.

    ``recheck_link``: ``link`` and ``version`` may be a copy read a moment ago (the respondent
    form's, ``SURVEY_PAGE_MAX_AGE``). The write then checks, as it writes, that the link still
    exists, its survey is open and ``version`` is still its current one, and raises
    ``LinkChanged`` (nothing written) if not.
    """
    now = now or utc_now()
    nonce = nonce or None  # an empty token is no token, on both paths below
    survey = link.survey
    state = survey_state(survey, now)
    transcribed = channel in (Channel.PAPER, Channel.MEETING)
    # Paper forms collected before closing may still be entered after it.
    if state != "open" and not (transcribed and state == "closed"):
        raise SurveyUnavailable(state)
    version = version or survey.current_version
    values = validate_answers(version, link.area, submitted, transcribed=transcribed)
    if serial is not None:
        serial = serial.strip()
        if not serial:
            raise AnswerErrors({"serial": _("Vui lòng nhập số phiếu.")})
        if len(serial) > SERIAL_MAX_LENGTH:
            raise AnswerErrors({"serial": _("Số phiếu dài tối đa %(n)d ký tự.", n=SERIAL_MAX_LENGTH)})
        taken = select(exists().where(Response.survey_id == survey.id, Response.serial == serial))
        if session.scalar(taken):
            raise AnswerErrors({"serial": _("Số phiếu %(serial)s đã được nhập.", serial=serial)})
    hamlet = _hamlet_of(version, link.area, values)
    session.flush()  # anything pending in the session goes first (a no-op on the respondent form)
    response = {
        "survey_id": survey.id,
        "version_id": version.id,
        "commune_id": link.area_id,
        "hamlet_id": hamlet.id if hamlet else None,
        "channel": Channel(channel),
        "serial": serial,
        "submitted_at": now,
        "client_hash": client_hash,
        "answers_hash": answers_fingerprint(values),
        "answers": values,
        "entered_by_id": entered_by.id if entered_by else None,
        "import_batch_id": None,
    }
    connection = session.connection()
    recheck = {"recheck_link": recheck_link, "link_id": link.id}
    if connection.dialect.name == "postgresql":
        response_id, link_open = connection.execute(
            _STORE_RESPONSE_AT_ONCE, response | recheck | {"nonce": nonce, "pending": DuplicateReview.PENDING},
        ).one()
        if not link_open:
            raise LinkChanged
    else:
        if recheck_link and not connection.execute(_LINK_STILL_OPEN, response | recheck).scalar():
            raise LinkChanged
        response_id = _store_step_by_step(connection, response, nonce)
    if response_id is None:
        raise FormAlreadySubmitted
    return response_id


def _hamlet_of(version: SurveyVersion | VersionSpec, commune: Area, values: Mapping[str, str]) -> Area | None:
    for question in version.questions:
        if question.weighting_role == WeightingRole.HAMLET and question.code in values:
            return next((h for h in commune.children if h.code == values[question.code]), None)
    return None


def _store_step_by_step(connection: Connection, response: dict[str, Any], nonce: str | None) -> int | None:
    """``store_response``'s writes as separate statements (SQLite); None if ``nonce`` was used."""
    already_stored, flagged = _earlier_submissions(connection, response, nonce)
    if already_stored:
        return None
    response_id = connection.execute(
        _INSERT_RESPONSE,
        response | {"is_possible_duplicate": flagged, "duplicate_review": DuplicateReview.PENDING if flagged else None},
    ).scalar_one()
    if nonce:
        connection.execute(_INSERT_TOKEN, {"nonce": nonce, "response_id": response_id, "used_at": response["submitted_at"]})
    return response_id


_INSERT_RESPONSE = insert(Response.__table__).returning(Response.__table__.c.id)
_INSERT_TOKEN = insert(SubmissionToken.__table__)


def _earlier_submissions(connection: Connection, response: Mapping[str, Any], nonce: str | None) -> tuple[bool, bool]:
    """(this form's token already stored a response, the same client already sent these answers here).

    Both in one SELECT. The second flags the response for review; it never drops it, because
    a client hash alone is no evidence (a family or a village shares one mobile address).
    """
    if not nonce and not response["client_hash"]:
        return False, False
    token_used, same_answers = connection.execute(_EARLIER_SUBMISSIONS, dict(response, nonce=nonce)).one()
    return bool(token_used), bool(same_answers)


_responses = Response.__table__.c
_EARLIER_SUBMISSIONS = select(
    exists().where(SubmissionToken.__table__.c.nonce == bindparam("nonce")),
    exists().where(
        _responses.survey_id == bindparam("survey_id"),
        _responses.commune_id == bindparam("commune_id"),
        _responses.client_hash == bindparam("client_hash"),
        _responses.answers_hash == bindparam("answers_hash"),
    ),
)

# The link a submission was validated against is still the one to store it under: the link
# exists, its survey is open (as ``survey_state`` says), ``version_id`` is its latest version
# and the hamlet chosen is still a current hamlet of the commune (as ``answers.hamlet_options``).
_LINK_OPEN_WITH_VERSION = """EXISTS (
    SELECT 1 FROM survey_areas link JOIN surveys survey ON survey.id = link.survey_id
    WHERE link.id = :link_id AND survey.status = 'open'
      AND (survey.opens_at IS NULL OR survey.opens_at <= :submitted_at)
      AND (survey.closes_at IS NULL OR survey.closes_at > :submitted_at)
      AND :version_id = (SELECT latest.id FROM survey_versions latest WHERE latest.survey_id = survey.id
                         ORDER BY latest.number DESC LIMIT 1)
      AND (:hamlet_id IS NULL OR EXISTS (
          SELECT 1 FROM areas hamlet
          WHERE hamlet.id = :hamlet_id AND hamlet.parent_id = link.area_id AND hamlet.valid_to IS NULL)))"""
_RECHECK_PARAMETERS = (
    bindparam("link_id", type_=Integer),
    bindparam("submitted_at", type_=_responses.submitted_at.type),
    bindparam("version_id", type_=_responses.version_id.type),
    bindparam("hamlet_id", type_=_responses.hamlet_id.type),
)
_LINK_STILL_OPEN = text(f"SELECT {_LINK_OPEN_WITH_VERSION}").bindparams(*_RECHECK_PARAMETERS)

# PostgreSQL: the same checks and writes as _store_step_by_step in one statement, which
# PostgreSQL runs as one snapshot. Each round trip is paid again on every submission, on the
# client and on the server (benchmarks/survey_load.py). Nothing is inserted when the token
# was used; two requests racing with the same token both insert, and the unique nonce
# refuses the second (IntegrityError, handled by the caller). The statement text and its
# parameters are the same for every response, so psycopg keeps it prepared.
_STORE_RESPONSE_AT_ONCE = text(f"""
WITH link AS (
    SELECT NOT :recheck_link OR {_LINK_OPEN_WITH_VERSION} AS still_open
), new_response AS (
    INSERT INTO survey_responses (
        survey_id, version_id, commune_id, hamlet_id, channel, serial, submitted_at, client_hash,
        answers_hash, answers, is_possible_duplicate, duplicate_review, entered_by_id, import_batch_id)
    SELECT :survey_id, :version_id, :commune_id, :hamlet_id, :channel, :serial, :submitted_at, :client_hash,
        :answers_hash, :answers, earlier.same_answers, CASE WHEN earlier.same_answers THEN :pending END,
        :entered_by_id, :import_batch_id
    FROM (SELECT EXISTS (
        SELECT FROM survey_responses
        WHERE survey_id = :survey_id AND commune_id = :commune_id
          AND client_hash = :client_hash AND answers_hash = :answers_hash) AS same_answers) AS earlier, link
    WHERE link.still_open AND NOT EXISTS (SELECT FROM survey_submission_tokens WHERE nonce = :nonce)
    RETURNING id
), new_token AS (
    INSERT INTO survey_submission_tokens (nonce, response_id, used_at)
    SELECT :nonce, id, :submitted_at FROM new_response WHERE :nonce IS NOT NULL
)
SELECT (SELECT id FROM new_response), still_open FROM link
""").bindparams(
    *(bindparam(name, type_=_responses[name].type) for name in (
        "survey_id", "version_id", "commune_id", "hamlet_id", "channel", "serial", "submitted_at", "client_hash",
        "answers_hash", "answers", "entered_by_id", "import_batch_id")),
    bindparam("pending", type_=_responses.duplicate_review.type),
    bindparam("nonce", type_=SubmissionToken.__table__.c.nonce.type),
    bindparam("recheck_link", type_=Boolean),
    bindparam("link_id", type_=Integer),
).columns(id=Integer, still_open=Boolean)


def purge_client_hashes(session: Session, older_than: timedelta, now: datetime | None = None) -> int:
    """Forget the client hashes of responses older than ``older_than``; return how many."""
    cutoff = (now or utc_now()) - older_than
    result = session.execute(
        update(Response)
        .where(Response.client_hash.is_not(None), Response.submitted_at < cutoff)
        .values(client_hash=None)
    )
    session.flush()
    return result.rowcount or 0


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


