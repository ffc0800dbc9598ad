"""Storing one response with its answers and its one-time token: checked and written at once.

The resident's form, staff entering a paper sheet and the demo data all store through
``store_response``. The checks run first in Python (the survey is open, the answers valid);
then, on PostgreSQL, one statement checks what a recent copy of the link may have missed,
writes the response and its token and flags a possible duplicate. SQLite runs the same
SQLAlchemy expressions as separate statements inside its write transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import (
    Boolean,
    Connection,
    Executable,
    Integer,
    TextClause,
    TextualSelect,
    bindparam,
    case,
    column,
    exists,
    insert,
    literal,
    not_,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql.base import PGDialect
from sqlalchemy.orm import Session

from core.db import utc_now
from core.models import Area, User
from surveys.errors import AnswerErrors, FormAlreadySubmitted, LinkChanged, SurveyUnavailable
from surveys.models import (
    Channel,
    DuplicateReview,
    Response,
    SubmissionToken,
    Survey,
    SurveyArea,
    SurveyVersion,
    WeightingRole,
    survey_state,
)
from surveys.respond.answers import answers_fingerprint, validate_answers
from surveys.respond.links import CommuneView, LinkView
from surveys.respond.questions import VersionSpec

SERIAL_MAX_LENGTH = Response.__table__.c.serial.type.length  # a paper sheet's number


@dataclass(frozen=True, slots=True)
class NewResponse:
    """The columns of ``Response`` a submission writes, by name; the statements below are built from them."""

    survey_id: int
    version_id: int
    commune_id: int
    hamlet_id: int | None
    channel: Channel
    serial: str | None
    submitted_at: datetime
    client_hash: str | None
    answers_hash: str
    answers: dict[str, str]
    entered_by_id: int | None
    import_batch_id: int | None

    def values(self) -> dict[str, Any]:
        """{column name: value}, the parameters of the statements below."""
        return {name: getattr(self, name) for name in WRITTEN}


WRITTEN = tuple(f.name for f in fields(NewResponse))


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

    Written on the session's connection, in its transaction (the caller commits). On PostgreSQL
    everything is one statement, which the respondent form runs without a transaction around it
    (``core.db.begin_single_write``): add no second write there. Raises ``FormAlreadySubmitted``
    when ``nonce`` already stored a response (nothing written). ``version`` is the survey's
    current version, already loaded (the respondent form passes the cached ``VersionSpec``); by
    default it is read from ``link.survey``.

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
        serial = _checked_serial(session, survey.id, serial)
    hamlet = _hamlet_of(version, link.area, values)
    session.flush()  # anything pending in the session goes first (a no-op on the respondent form)
    response = NewResponse(
        survey_id=survey.id, version_id=version.id, commune_id=link.area_id, hamlet_id=hamlet.id if hamlet else None,
        channel=Channel(channel), serial=serial, submitted_at=now, client_hash=client_hash,
        answers_hash=answers_fingerprint(values), answers=values, entered_by_id=entered_by.id if entered_by else None,
        import_batch_id=None,
    )
    parameters = response.values() | {"nonce": nonce, "recheck_link": recheck_link, "link_id": link.id}
    connection = session.connection()
    store = _store_at_once if connection.dialect.name == "postgresql" else _store_step_by_step
    response_id = store(connection, parameters)
    if response_id is None:
        raise FormAlreadySubmitted
    return response_id


def record_response(
    session: Session, link: SurveyArea | LinkView, submitted: Mapping[str, Sequence[str]], **kwargs: Any
) -> Response:
    """Validate and store one response with its answers (flushed, not committed); see ``store_response``."""
    return session.get_one(Response, store_response(session, link, submitted, **kwargs))


def _checked_serial(session: Session, survey_id: int, serial: str) -> str:
    """A paper sheet's number, stripped, or AnswerErrors if it is empty, too long or already entered."""
    serial = serial.strip()
    if not serial:
        raise AnswerErrors({"serial": _("Vui lòng nhập số phiếu.")})
    if len(serial) > SERIAL_MAX_LENGTH:
        raise AnswerErrors({"serial": _("Số phiếu dài tối đa %(n)d ký tự.", n=SERIAL_MAX_LENGTH)})
    if session.scalar(select(exists().where(Response.survey_id == survey_id, Response.serial == serial))):
        raise AnswerErrors({"serial": _("Số phiếu %(serial)s đã được nhập.", serial=serial)})
    return serial


def _hamlet_of(version: SurveyVersion | VersionSpec, commune: Area | CommuneView, values: Mapping[str, str]) -> Any:
    """The hamlet the answers name (a current or past hamlet of ``commune``), or None."""
    for question in version.questions:
        if question.weighting_role == WeightingRole.HAMLET and question.code in values:
            return next((h for h in commune.children if h.code == values[question.code]), None)
    return None


def nonce_used(session: Session, nonce: str) -> bool:
    """True once a form token has stored its response (one indexed lookup, no ORM object)."""
    return bool(session.connection().execute(_NONCE_USED_QUERY, {"nonce": nonce}).scalar())


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


# --- the statements, built once from the models --------------------------------------------
# Building and compiling statements cost more than running them on this path.

_responses = Response.__table__.c
_new = {name: bindparam(name, type_=_responses[name].type) for name in WRITTEN}
_nonce = bindparam("nonce", type_=SubmissionToken.__table__.c.nonce.type)
_link_id = bindparam("link_id", type_=Integer)

_NONCE_USED = exists().where(SubmissionToken.nonce == _nonce)
# The same client already sent these answers for this commune: the response is flagged for
# review, never dropped, because a client hash alone is no evidence (a family or a village
# shares one mobile address).
_SAME_ANSWERS = exists().where(*(_responses[name] == _new[name] for name in (
    "survey_id", "commune_id", "client_hash", "answers_hash")))
_LATEST_VERSION = (
    select(SurveyVersion.id).where(SurveyVersion.survey_id == Survey.id)
    .order_by(SurveyVersion.number.desc()).limit(1).scalar_subquery()
)
_hamlet = Area.__table__.alias("hamlet")
# The link a submission was validated against is still the one to store it under: the link
# exists, its survey is open (the model's rule, ``OpeningHours``), ``version_id`` is its latest
# version and the hamlet chosen is still a current hamlet of the commune (as ``answers.hamlet_options``).
_LINK_STILL_OPEN = exists().where(
    SurveyArea.id == _link_id,
    Survey.id == SurveyArea.survey_id,
    Survey.is_open_at(_new["submitted_at"]),
    _new["version_id"] == _LATEST_VERSION,
    or_(_new["hamlet_id"].is_(None), exists().where(
        _hamlet.c.id == _new["hamlet_id"], _hamlet.c.parent_id == SurveyArea.area_id, _hamlet.c.valid_to.is_(None),
    )),
)

# SQLite: the checks and writes one by one, in the write transaction the caller began.
_NONCE_USED_QUERY = select(_NONCE_USED)
_LINK_STILL_OPEN_QUERY = select(_LINK_STILL_OPEN)
_EARLIER_SUBMISSIONS = select(_NONCE_USED.label("token_used"), _SAME_ANSWERS.label("same_answers"))
_INSERT_RESPONSE = insert(Response.__table__).returning(_responses.id)
_INSERT_TOKEN = insert(SubmissionToken.__table__)


def _store_step_by_step(connection: Connection, parameters: dict[str, Any]) -> int | None:
    """``store_response``'s checks and writes as separate statements; None if the nonce was used."""
    if parameters["recheck_link"] and not connection.execute(_LINK_STILL_OPEN_QUERY, parameters).scalar():
        raise LinkChanged
    nonce = parameters["nonce"]
    earlier = connection.execute(_EARLIER_SUBMISSIONS, parameters).one() if nonce or parameters["client_hash"] else None
    if earlier is not None and earlier.token_used:
        return None
    flagged = earlier is not None and bool(earlier.same_answers)
    response_id = connection.execute(
        _INSERT_RESPONSE,
        {name: parameters[name] for name in WRITTEN}
        | {"is_possible_duplicate": flagged, "duplicate_review": DuplicateReview.PENDING if flagged else None},
    ).scalar_one()
    if nonce:
        token = {"nonce": nonce, "response_id": response_id, "used_at": parameters["submitted_at"]}
        connection.execute(_INSERT_TOKEN, token)
    return response_id


def _compiled_once(statement: Executable) -> TextClause:
    """``statement`` compiled for PostgreSQL once, kept as text with its typed parameters.

    Running a SQLAlchemy statement walks its whole tree on every call to find its compiled form
    in the cache; text is found by its string. The text is the same for every response, so
    psycopg keeps it prepared.
    """
    compiled = statement.compile(dialect=PGDialect(paramstyle="named"))  # no driver: no casts, :name parameters
    parameters = {name: bindparam(name, value=bind.value, type_=bind.type)
                  for bind, name in compiled.bind_names.items()}
    # A cast's colons (answers::JSON) are no parameter: escaped for text().
    return text(compiled.string.replace("::", r"\:\:")).bindparams(*parameters.values())


def _store_at_once_statement() -> TextualSelect:
    """PostgreSQL: the same checks and writes as ``_store_step_by_step`` in one statement.

    PostgreSQL runs it as one snapshot; each round trip would be paid again on every submission,
    on the client and on the server (benchmarks/survey_load.py). Nothing is inserted when the
    token was used; two requests racing with the same token both insert, and the unique nonce
    refuses the second (IntegrityError, handled by the caller).
    """
    link = select(or_(not_(bindparam("recheck_link", type_=Boolean)), _LINK_STILL_OPEN).label("still_open")).cte("link")
    earlier = select(_SAME_ANSWERS.label("same_answers")).subquery("earlier")
    pending = literal(DuplicateReview.PENDING, _responses.duplicate_review.type)
    new_response = (
        insert(Response.__table__)
        .from_select(
            [*WRITTEN, "is_possible_duplicate", "duplicate_review"],  # the other columns keep their server defaults
            select(*_new.values(), earlier.c.same_answers, case((earlier.c.same_answers, pending)))
            .select_from(earlier, link)
            .where(link.c.still_open, not_(_NONCE_USED)),
            include_defaults=False,
        )
        .returning(_responses.id)
        .cte("new_response")
    )
    new_token = (
        insert(SubmissionToken.__table__)
        .from_select(["nonce", "response_id", "used_at"],
                     select(_nonce, new_response.c.id, _new["submitted_at"]).where(_nonce.is_not(None)),
                     include_defaults=False)
        .cte("new_token")
    )
    statement = select(select(new_response.c.id).scalar_subquery().label("response_id"), link.c.still_open)
    return _compiled_once(statement.add_cte(new_token)).columns(
        column("response_id", Integer), column("still_open", Boolean),
    )


_STORE_AT_ONCE = _store_at_once_statement()


def _store_at_once(connection: Connection, parameters: dict[str, Any]) -> int | None:
    """``store_response``'s checks and writes in one statement; None if the nonce was used."""
    row = connection.execute(_STORE_AT_ONCE, parameters).one()
    if not row.still_open:
        raise LinkChanged
    return row.response_id
