"""Paper responses from a CSV or XLSX file: every row checked, all or nothing, one import per file."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import User
from core.spreadsheets import UnreadableUpload, read_rows
from surveys.errors import AnswerErrors, SurveyError
from surveys.models import Channel, ImportBatch, Survey, SurveyArea
from surveys.respond.answers import validate_answers
from surveys.respond.store import record_response

FIXED = ("serial", "commune_code")
MAX_ROWS = 20000


@dataclass(frozen=True)
class ImportProblem:
    """What is wrong in one cell (row 1 is the header)."""

    row: int
    column: str
    message: str


class ImportRefused(SurveyError):
    """The file was not imported; ``problems`` lists every bad cell."""

    def __init__(self, problems: Sequence[ImportProblem]) -> None:
        super().__init__(f"{len(problems)} problems")
        self.problems = list(problems)


def template_header(survey: Survey) -> list[str]:
    """The columns of an import file for the current version."""
    return [*FIXED, *(q.code for q in survey.current_version.questions)]


def read_table(filename: str, data: bytes, *, max_rows: int) -> list[list[str]]:
    """Rows of a CSV or XLSX upload as text (``core.spreadsheets.read_rows``), read no further than
    ``max_rows`` rows; a file past the limit or unreadable is refused as an import problem."""
    try:
        return read_rows(filename, data, max_rows=max_rows)
    except UnreadableUpload as exc:
        raise ImportRefused([ImportProblem(0, "", str(exc))]) from None


def import_paper_responses(
    session: Session, survey: Survey, links: Sequence[SurveyArea], filename: str, data: bytes, actor: User
) -> ImportBatch:
    """Store every row as a paper response, or raise ImportRefused and store nothing."""
    digest = hashlib.sha256(data).hexdigest()
    previous = session.scalar(
        select(ImportBatch).where(ImportBatch.survey_id == survey.id, ImportBatch.file_sha256 == digest)
    )
    if previous is not None:
        when = format_datetime(previous.imported_at, "dd/MM/yyyy HH:mm")
        message = _("Tệp này đã được nhập ngày %(when)s (%(n)s phiếu).", when=when, n=previous.row_count)
        raise ImportRefused([ImportProblem(0, "", message)])
    rows = read_table(filename, data, max_rows=MAX_ROWS + 1)  # the header and MAX_ROWS responses
    header = [h.strip().lower() for h in rows[0]] if rows else []
    expected = template_header(survey)
    missing = [c for c in expected if c not in header]
    if missing:
        raise ImportRefused([ImportProblem(1, c, _("Thiếu cột.")) for c in missing])
    by_code = {link.area.code: link for link in links}
    problems, parsed, serials = [], [], set()
    for number, row in enumerate(rows[1:], start=2):
        cells = dict(zip(header, (c.strip() for c in row), strict=False))
        link = by_code.get(cells.get("commune_code", ""))
        if link is None:
            message = _("Mã xã không thuộc phiếu hoặc ngoài địa bàn của bạn.")
            problems.append(ImportProblem(number, "commune_code", message))
            continue
        serial = cells.get("serial", "")
        if not serial or serial in serials:
            problems.append(ImportProblem(number, "serial", _("Thiếu số phiếu hoặc số phiếu bị trùng trong tệp.")))
        serials.add(serial)
        answers = {code: cells.get(code, "").split(";") if cells.get(code) else [] for code in expected[2:]}
        try:
            validate_answers(survey.current_version, link.area, answers, transcribed=True)
        except AnswerErrors as exc:
            problems += [ImportProblem(number, code, message) for code, message in exc.errors.items()]
        parsed.append((number, link, serial, answers))
    if not rows[1:]:
        problems.append(ImportProblem(2, "", _("Tệp không có dòng dữ liệu nào.")))
    if problems:
        raise ImportRefused(problems)
    batch = ImportBatch(survey_id=survey.id, file_sha256=digest, filename=filename[:255], row_count=len(parsed),
                        imported_by_id=actor.id)
    session.add(batch)
    session.flush()
    for number, link, serial, answers in parsed:
        try:
            response = record_response(session, link, answers, channel=Channel.PAPER, serial=serial, entered_by=actor)
        except AnswerErrors as exc:  # a serial already entered on screen or by another file
            problems += [ImportProblem(number, code, message) for code, message in exc.errors.items()]
            continue
        response.import_batch_id = batch.id
    if problems:
        raise ImportRefused(problems)
    session.flush()
    return batch
