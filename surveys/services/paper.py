"""Paper responses from a CSV or XLSX file: every row checked, all or nothing, one import per file."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import format_datetime
from flask_babel import gettext as _
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import User
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


def read_table(filename: str, data: bytes) -> list[list[str]]:
    """Rows of a CSV (UTF-8, with or without BOM, comma or semicolon) or XLSX file, as text."""
    if filename.lower().endswith(".xlsx"):
        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            message = _("Không đọc được tệp XLSX: %(e)s", e=type(exc).__name__)
            raise ImportRefused([ImportProblem(0, "", message)]) from None
        rows = [["" if v is None else _cell_text(v) for v in row]
                for row in workbook.active.iter_rows(values_only=True)]
        workbook.close()
        # Excel keeps formatted but empty rows in the sheet; skip them as a CSV's blank lines are.
        return [row for row in rows if any(cell.strip() for cell in row)]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRefused([ImportProblem(0, "", _("Tệp CSV phải là văn bản UTF-8."))]) from None
    try:  # Excel in a Vietnamese locale saves CSV with semicolons
        dialect: Any = csv.Sniffer().sniff(text[:2048], delimiters=",;")
    except csv.Error:
        dialect = csv.excel
    return [row for row in csv.reader(io.StringIO(text), dialect) if any(cell.strip() for cell in row)]


def _cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


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
    rows = read_table(filename, data)
    header = [h.strip().lower() for h in rows[0]] if rows else []
    expected = template_header(survey)
    missing = [c for c in expected if c not in header]
    if missing:
        raise ImportRefused([ImportProblem(1, c, _("Thiếu cột.")) for c in missing])
    if len(rows) - 1 > MAX_ROWS:
        raise ImportRefused([ImportProblem(0, "", _("Tối đa %(n)s dòng mỗi tệp.", n=MAX_ROWS))])
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
