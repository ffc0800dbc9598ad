"""Adding and removing questions; like every edit, it goes into a new version once answered."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from core.models import User, record_audit
from surveys.errors import SurveyError
from surveys.models import Question, QuestionType, Survey, SurveyStatus, WeightingRole
from surveys.services import editable_version, find_question

CHOICE_TYPES = (QuestionType.SINGLE, QuestionType.MULTIPLE)


@dataclass(frozen=True)
class NewQuestion:
    """What the builder form collected for a new question."""

    section_position: int
    text: str
    type: QuestionType
    required: bool = False
    options: Sequence[str] = ()
    min_value: int | None = None
    max_value: int | None = None
    criterion_id: int | None = None
    weighting_role: WeightingRole | None = None


def parse_options(lines: Sequence[str]) -> list[dict[str, str]]:
    """"value=label" or just "label" per line; values default to 1, 2, 3…"""
    options = []
    for number, line in enumerate((x.strip() for x in lines if x.strip()), start=1):
        value, _sep, label = line.partition("=") if "=" in line else (str(number), "", line)
        value, label = value.strip(), label.strip()
        if not value or not label or ";" in value:
            raise SurveyError(_("Dòng lựa chọn không hợp lệ: %(line)s", line=line))
        options.append({"value": value, "label": label})
    if len({o["value"] for o in options}) != len(options):
        raise SurveyError(_("Mã lựa chọn bị trùng."))
    if len({o["label"].casefold() for o in options}) != len(options):
        raise SurveyError(_("Hai lựa chọn có cùng nội dung; người trả lời sẽ không phân biệt được."))
    return options


def next_code(survey: Survey) -> str:
    """A code never used in any version, so a code always means one question in exports."""
    used = [int(m.group(1)) for v in survey.versions for q in v.questions if (m := re.fullmatch(r"q(\d+)", q.code))]
    return f"q{max(used, default=0) + 1:02d}"


def add_question(session: Session, survey: Survey, actor: User, spec: NewQuestion) -> Question:
    """Append a question at the end of a section."""
    if survey.status == SurveyStatus.CLOSED:
        raise SurveyError(_("Phiếu đã đóng, không sửa được."))
    options = parse_options(spec.options) if spec.type in CHOICE_TYPES else []
    if spec.type in CHOICE_TYPES and len(options) < 2:
        raise SurveyError(_("Câu hỏi lựa chọn cần ít nhất hai lựa chọn."))
    if spec.min_value is not None and spec.max_value is not None and spec.min_value > spec.max_value:
        raise SurveyError(_("Giá trị nhỏ nhất phải không lớn hơn giá trị lớn nhất."))
    code = next_code(survey)
    version = editable_version(session, survey, actor)
    section = next((s for s in version.sections if s.position == spec.section_position), None)
    if section is None:
        raise SurveyError(_("Không có phần này trong phiếu."))
    earlier = [q.position for q in version.questions if q.section.position <= section.position]
    last = max(earlier, default=0)
    for later in version.questions:
        if later.position > last:
            later.position += 1
    question = Question(
        version=version, section=section, position=last + 1, code=code, text=spec.text.strip(), type=spec.type,
        required=spec.required, allow_dont_know=spec.type == QuestionType.SATISFACTION, options=options,
        min_value=spec.min_value, max_value=spec.max_value, criterion_id=spec.criterion_id,
        weighting_role=spec.weighting_role,
    )
    session.add(question)
    session.flush()
    session.expire(version, ["questions"])
    session.expire(section, ["questions"])
    record_audit(session, actor, "survey.add_question", survey, code=code)
    return question


def delete_question(session: Session, survey: Survey, actor: User, code: str) -> None:
    """Remove a question; answers already given stay with the version they answered."""
    if survey.status == SurveyStatus.CLOSED:
        raise SurveyError(_("Phiếu đã đóng, không sửa được."))
    version = editable_version(session, survey, actor)
    question = find_question(version, code)
    if question.weighting_role is not None:
        raise SurveyError(_("Câu hỏi dùng để gia quyền không xoá được."))
    section = question.section
    session.delete(question)
    session.flush()
    session.expire(version, ["questions"])
    session.expire(section, ["questions"])
    record_audit(session, actor, "survey.delete_question", survey, code=code)
