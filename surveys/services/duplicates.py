"""Review of possible duplicates: flagged responses beside the earlier ones they resemble, and decisions.

A response is flagged when it is stored (``surveys.respond.store``) and starts as pending.
A reviewer keeps it as a genuine response or excludes it as a duplicate. Nothing is deleted:
an excluded response stays in the raw export with its status, but leaves the monitor's counts
and the indices (``Response.is_counted``). Every decision, and every change of mind, is audited.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from core.db import parse_id, utc_now
from core.forms import CONTROL_CHARACTERS_MESSAGE
from core.models import Area, User, record_audit
from core.text import has_control_characters
from surveys.errors import SurveyError
from surveys.models import (
    Channel,
    DuplicateReview,
    Question,
    QuestionType,
    Response,
    Survey,
    SurveyVersion,
)
from surveys.respond.answers import question_options
from surveys.services.access import can_manage

PAGE_SIZE = 20
MAX_SIMILAR = 3  # earlier responses shown beside a flagged one; wider tables do not fit a phone
NOTE_MAX_LENGTH = Response.__table__.c.duplicate_review_note.type.length
DECISIONS = (DuplicateReview.KEPT, DuplicateReview.EXCLUDED)
MAX_PER_DECISION = 200  # a page holds PAGE_SIZE; the cap keeps a forged form's IN (...) list small

REVIEW_LABELS = {
    DuplicateReview.PENDING: _l("Chờ xem xét"),
    DuplicateReview.KEPT: _l("Giữ lại (phiếu thật)"),
    DuplicateReview.EXCLUDED: _l("Loại khỏi số liệu (phiếu trùng)"),
}
CHANNEL_LABELS = {
    Channel.QR: _l("Quét mã QR"),
    Channel.LINK: _l("Đường dẫn"),
    Channel.PAPER: _l("Phiếu giấy"),
    Channel.MEETING: _l("Họp dân"),
}


def can_decide(user: User, survey: Survey) -> bool:
    """Those who run the survey decide: admins and the steering officers who manage it.

    Excluding a response changes the commune's satisfaction index, on which its NTM
    recognition partly rests: the commune's own accounts and the organisations that
    collected its forms may read the review, not decide it.
    """
    return can_manage(user, survey)


@dataclass(frozen=True)
class Similar:
    """An earlier response of the same commune that a flagged one resembles, and how."""

    response: Response
    same_client: bool
    same_answers: bool


@dataclass(frozen=True)
class AnswerRow:
    """One question across the flagged response and the earlier ones, as labelled values."""

    code: str
    text: str
    values: tuple[str, ...]

    @property
    def differs(self) -> bool:
        """True when the responses gave different answers."""
        return len(set(self.values)) > 1


@dataclass(frozen=True)
class Flagged:
    """A flagged response with what it resembles, ready to be shown side by side."""

    response: Response
    similar: list[Similar]
    more: int  # further earlier matches not shown
    rows: list[AnswerRow]


@dataclass(frozen=True)
class ReviewPage:
    """One page of flagged responses and the counts per review status in the user's scope."""

    items: list[Flagged]
    counts: dict[DuplicateReview, int]
    page: int
    has_next: bool


def list_flagged(
    session: Session, survey: Survey, commune_ids: Collection[int], *,
    status: DuplicateReview | None = DuplicateReview.PENDING, page: int = 1,
) -> ReviewPage:
    """Flagged responses of the given communes (the viewer's scope), oldest first; ``status`` None for all."""
    scope = (Response.survey_id == survey.id, Response.commune_id.in_(commune_ids),
             Response.is_possible_duplicate.is_(True))
    by_review = select(Response.duplicate_review, func.count()).where(*scope).group_by(Response.duplicate_review)
    counts = dict(session.execute(by_review).all())
    stmt = select(Response).where(*scope).order_by(Response.id).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
    if status is not None:
        stmt = stmt.where(Response.duplicate_review == status)
    flagged = list(session.scalars(stmt.options(*_DETAILS)))
    has_next = len(flagged) > PAGE_SIZE
    flagged = flagged[:PAGE_SIZE]
    matches = _earlier_matches(session, survey, flagged)
    shown = {i for found in matches.values() for i, _client, _answers in found[:MAX_SIMILAR]}
    loaded = {r.id: r for r in session.scalars(select(Response).where(Response.id.in_(shown)).options(*_DETAILS))}
    items = []
    for response in flagged:
        found = matches[response.id]
        similar = [Similar(loaded[i], client, answers) for i, client, answers in found[:MAX_SIMILAR]]
        rows = _answer_rows(response, [s.response for s in similar])
        items.append(Flagged(response, similar, len(found) - len(similar), rows))
    return ReviewPage(items, {s: counts.get(s, 0) for s in DuplicateReview}, page, has_next)


_DETAILS = (
    selectinload(Response.version).selectinload(SurveyVersion.questions),
    joinedload(Response.commune).selectinload(Area.children),
    joinedload(Response.hamlet),
    joinedload(Response.duplicate_reviewed_by),
)


def _earlier_matches(
    session: Session, survey: Survey, flagged: Sequence[Response]
) -> dict[int, list[tuple[int, bool, bool]]]:
    """For each flagged response, (id, same client, same answers) of the earlier ones of its commune.

    One query of ids and hashes for the whole page. Both hashes come first, then the same client
    (a shared phone shows in its other answers), then the same answers only, which many
    satisfied households share. A purged client hash (retention) leaves the answers to compare.
    """
    if not flagged:
        return {}
    clients = {r.client_hash for r in flagged if r.client_hash}
    fingerprints = {r.answers_hash for r in flagged}
    rows = session.execute(
        select(Response.id, Response.commune_id, Response.client_hash, Response.answers_hash)
        .where(
            Response.survey_id == survey.id,
            Response.commune_id.in_({r.commune_id for r in flagged}),
            Response.id < max(r.id for r in flagged),
            or_(Response.client_hash.in_(clients), Response.answers_hash.in_(fingerprints)),
        )
        .order_by(Response.id)
    ).all()
    result = {}
    for response in flagged:
        found = []
        for other_id, commune_id, client, fingerprint in rows:
            if other_id >= response.id or commune_id != response.commune_id:
                continue
            same_client = bool(response.client_hash) and client == response.client_hash
            same_answers = fingerprint == response.answers_hash
            if same_client or same_answers:
                found.append((other_id, same_client, same_answers))
        found.sort(key=lambda m: (not (m[1] and m[2]), not m[1], m[0]))
        result[response.id] = found
    return result


def _answer_rows(response: Response, others: Sequence[Response]) -> list[AnswerRow]:
    """Every question answered by any of the responses, in the flagged response's order."""
    columns = [response, *others]
    # Each response's own version tells what its codes meant (versions may differ).
    asked = [{question.code: question for question in r.version.questions} for r in columns]
    questions: dict[str, Question] = {}
    for r, by_code in zip(columns, asked, strict=True):
        for code, question in by_code.items():
            if code in r.answers:
                questions.setdefault(code, question)
    return [
        AnswerRow(code, question.text, tuple(
            _label(by_code[code], r.answers[code], r.commune) if code in r.answers and code in by_code else "—"
            for r, by_code in zip(columns, asked, strict=True)
        ))
        for code, question in questions.items()
    ]


def _label(question: Question, value: str, commune: Area) -> str:
    """The answer as the respondent saw it ("4" → "Hài lòng"); text and numbers as given."""
    labels = dict(question_options(question, commune))
    if not labels:
        return value
    parts = value.split(";") if question.type == QuestionType.MULTIPLE else [value]
    return "; ".join(labels.get(part, part) for part in parts)


def decide_duplicates(
    session: Session, survey: Survey, response_ids: Sequence[int | str], decision: str, *,
    actor: User, commune_ids: Collection[int], note: str = "",
) -> list[Response]:
    """Keep or exclude flagged responses of ``survey`` in the given communes, all or none (flushed).

    Deciding again (a change of mind) is allowed; the audit log keeps every decision.
    """
    if not can_decide(actor, survey):
        raise SurveyError(
            _("Chỉ quản trị viên và cán bộ Ban Chỉ đạo phụ trách phiếu khảo sát này mới được quyết định.")
        )
    if decision not in DECISIONS:
        raise SurveyError(_("Hãy chọn giữ lại hoặc loại khỏi số liệu."))
    note = note.strip()
    if has_control_characters(note):
        raise SurveyError(str(CONTROL_CHARACTERS_MESSAGE))
    if len(note) > NOTE_MAX_LENGTH:
        raise SurveyError(_("Ghi chú dài tối đa %(n)d ký tự.", n=NOTE_MAX_LENGTH))
    responses = _flagged_of(session, survey, response_ids, commune_ids)
    now, after = utc_now(), DuplicateReview(decision)
    for response in responses:
        before = response.duplicate_review
        response.duplicate_review, response.duplicate_reviewed_at = after, now
        response.duplicate_reviewed_by_id, response.duplicate_review_note = actor.id, note
        session.flush()
        record_audit(session, actor, f"survey.duplicate.{after.value}", response, reason=note,
                     survey=survey.id, before=before.value if before else None, after=after.value)
    return responses


def _flagged_of(
    session: Session, survey: Survey, response_ids: Sequence[int | str], commune_ids: Collection[int]
) -> list[Response]:
    """The flagged responses behind ``response_ids``; any id that is not one of them refuses the lot.

    Ids come from a form and are guessable: an unknown one, another survey's, one outside the
    user's communes or one never flagged all get the same message, which reveals nothing.
    """
    if not response_ids:
        raise SurveyError(_("Hãy chọn ít nhất một phiếu."))
    if len(response_ids) > MAX_PER_DECISION:
        raise SurveyError(_("Mỗi lần chọn tối đa %(n)d phiếu.", n=MAX_PER_DECISION))
    ids = []
    for raw in response_ids:
        response_id = parse_id(str(raw))
        if response_id is None:
            raise SurveyError(_("Không có phiếu nghi trùng số %(id)s trong phiếu khảo sát này.", id=str(raw).strip()))
        ids.append(response_id)
    found = {r.id: r for r in session.scalars(select(Response).where(Response.id.in_(ids)))}
    for response_id in ids:
        response = found.get(response_id)
        if (response is None or response.survey_id != survey.id or response.commune_id not in commune_ids
                or not response.is_possible_duplicate):
            raise SurveyError(_("Không có phiếu nghi trùng số %(id)s trong phiếu khảo sát này.", id=response_id))
    return [found[i] for i in sorted(set(ids))]
