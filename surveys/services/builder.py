"""The survey builder: questions and sections. Like every edit, each goes into a new version once answered.

Codes (q01…) are what exports, the codebook and analysis scripts key on, so a code always
means one question. Reordering questions or sections changes positions, never codes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from core.forms import CONTROL_CHARACTERS_MESSAGE
from core.models import User, record_audit
from core.text import has_control_characters
from surveys.errors import SurveyError
from surveys.models import (
    Question,
    QuestionType,
    Section,
    Survey,
    SurveyStatus,
    SurveyVersion,
    WeightingRole,
)
from surveys.respond.answers import NUMBER_LIMIT
from surveys.services.surveys import editable_version, find_question
from surveys.template import WEIGHTING_SECTION

CHOICE_TYPES = (QuestionType.SINGLE, QuestionType.MULTIPLE)
TEXT_TYPES = (QuestionType.SHORT_TEXT, QuestionType.LONG_TEXT)
SECTION_TITLE_MAX = Section.__table__.c.title.type.length
QUESTION_TEXT_MAX = Question.__table__.c.text.type.length

# What officers read instead of the stored codes.
TYPE_LABELS: dict[QuestionType, Any] = {
    QuestionType.SATISFACTION: _l("Thang hài lòng 5 mức"),
    QuestionType.SATISFIED: _l("Hài lòng / không hài lòng"),
    QuestionType.SINGLE: _l("Chọn một"),
    QuestionType.MULTIPLE: _l("Chọn nhiều"),
    QuestionType.NUMBER: _l("Số"),
    QuestionType.SHORT_TEXT: _l("Trả lời ngắn"),
    QuestionType.LONG_TEXT: _l("Trả lời dài"),
}
ROLE_LABELS: dict[WeightingRole, Any] = {
    WeightingRole.SEX: _l("Giới tính"),
    WeightingRole.AGE_GROUP: _l("Nhóm tuổi"),
    WeightingRole.HAMLET: _l("Ấp"),
    WeightingRole.HOUSEHOLD_REP: _l("Đại diện hộ"),
}
# The choice values that population margins, the monitor and the indices are keyed on
# (the template's); the hamlet question has none: its choices are the commune's hamlets.
WEIGHTING_VALUES: dict[WeightingRole, frozenset[str]] = {
    q.weighting_role: frozenset(value for value, _label in q.options)
    for q in WEIGHTING_SECTION.questions
    if q.weighting_role is not None
}


@dataclass(frozen=True, kw_only=True)
class QuestionFields:
    """What the builder form collected for a question, new or edited."""

    text: str
    type: QuestionType
    required: bool = False
    options: Sequence[str] = ()  # "value=label" lines, see parse_options
    min_value: int | None = None
    max_value: int | None = None
    criterion_id: int | None = None
    weighting_role: WeightingRole | None = None
    allow_dont_know: bool = True  # satisfaction questions only


@dataclass(frozen=True, kw_only=True)
class NewQuestion(QuestionFields):
    """A new question, appended at the end of the section at ``section_position``."""

    section_position: int


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


def option_lines(question: Question) -> str:
    """A question's choices as the "value=label" lines the form edits."""
    return "\n".join(f"{o['value']}={o['label']}" for o in question.options)


def next_code(survey: Survey) -> str:
    """A code never used in any version, so a code always means one question in exports."""
    used = [int(m.group(1)) for v in survey.versions for q in v.questions if (m := re.fullmatch(r"q(\d+)", q.code))]
    return f"q{max(used, default=0) + 1:02d}"


def _check_open_for_edits(survey: Survey) -> None:
    if survey.status == SurveyStatus.CLOSED:
        raise SurveyError(_("Phiếu đã đóng, không sửa được."))


def _checked_columns(survey: Survey, spec: QuestionFields, current: Question | None = None) -> dict[str, Any]:
    """The question's column values from ``spec``, or a SurveyError saying what is wrong."""
    text = spec.text.strip()
    if not text:
        raise SurveyError(_("Vui lòng nhập nội dung câu hỏi."))
    if len(text) > QUESTION_TEXT_MAX:
        raise SurveyError(_("Nội dung câu hỏi dài tối đa %(n)d ký tự.", n=QUESTION_TEXT_MAX))
    options = parse_options(spec.options) if spec.type in CHOICE_TYPES else []
    _check_weighting(survey.current_version, current, spec.weighting_role, spec.type, options)
    if spec.type in CHOICE_TYPES and len(options) < 2 and spec.weighting_role != WeightingRole.HAMLET:
        raise SurveyError(_("Câu hỏi lựa chọn cần ít nhất hai lựa chọn."))
    is_number = spec.type == QuestionType.NUMBER
    low, high = (spec.min_value, spec.max_value) if is_number else (None, None)
    if any(v is not None and abs(v) > NUMBER_LIMIT for v in (low, high)):
        raise SurveyError(_("Giá trị nhỏ nhất và lớn nhất phải trong khoảng ±%(n)d.", n=NUMBER_LIMIT))
    if low is not None and high is not None and low > high:
        raise SurveyError(_("Giá trị nhỏ nhất phải không lớn hơn giá trị lớn nhất."))
    criteria = {c.id for c in survey.criteria_set.criteria} if survey.criteria_set else set()
    if spec.criterion_id is not None and spec.criterion_id not in criteria:
        raise SurveyError(_("Tiêu chí này không thuộc bộ tiêu chí của phiếu."))
    keeps_length = current is not None and current.type == spec.type and spec.type in TEXT_TYPES
    return {
        "text": text, "type": spec.type, "required": spec.required, "options": options,
        "min_value": low, "max_value": high, "criterion_id": spec.criterion_id,
        "weighting_role": spec.weighting_role,
        "allow_dont_know": spec.allow_dont_know and spec.type == QuestionType.SATISFACTION,
        "max_length": current.max_length if keeps_length else None,
    }


def _check_weighting(
    version: SurveyVersion, current: Question | None, role: WeightingRole | None,
    type_: QuestionType, options: list[dict[str, str]],
) -> None:
    """Weighting questions keep their role, stay single choice and keep the values the analysis reads."""
    held = current.weighting_role if current is not None else None
    if held is not None and role != held:
        raise SurveyError(_("Câu hỏi “%(role)s” dùng để gia quyền: không bỏ hay đổi vai trò này được.",
                            role=ROLE_LABELS[held]))
    if role is None:
        return
    label = ROLE_LABELS[role]
    if any(q.weighting_role == role and (current is None or q.code != current.code) for q in version.questions):
        raise SurveyError(_("Phiếu đã có câu hỏi “%(role)s” dùng để gia quyền.", role=label))
    if type_ != QuestionType.SINGLE:
        raise SurveyError(_("Câu hỏi “%(role)s” dùng để gia quyền phải là câu chọn một.", role=label))
    if role == WeightingRole.HAMLET and options:
        raise SurveyError(_("Các lựa chọn của câu hỏi “%(role)s” lấy từ danh sách ấp của xã; để trống ô lựa chọn.",
                            role=label))
    if {o["value"] for o in options} != WEIGHTING_VALUES[role]:
        raise SurveyError(_(
            "Câu hỏi “%(role)s” phải giữ đúng các mã lựa chọn %(values)s (dùng để gia quyền và phân tích); "
            "chỉ sửa được nhãn.", role=label, values=", ".join(sorted(WEIGHTING_VALUES[role])),
        ))


def add_question(session: Session, survey: Survey, actor: User, spec: NewQuestion) -> Question:
    """Append a question at the end of a section."""
    _check_open_for_edits(survey)
    columns = _checked_columns(survey, spec)
    _find_section(survey.current_version, spec.section_position)  # before a new version is started
    code = next_code(survey)
    version = editable_version(session, survey, actor)
    section = _find_section(version, spec.section_position)
    earlier = [q.position for q in version.questions if q.section.position <= section.position]
    last = max(earlier, default=0)
    for later in version.questions:
        if later.position > last:
            later.position += 1
    question = Question(version=version, section=section, position=last + 1, code=code, **columns)
    session.add(question)
    session.flush()
    session.expire(version, ["questions"])
    session.expire(section, ["questions"])
    record_audit(session, actor, "survey.add_question", survey, code=code)
    return question


def change_question(session: Session, survey: Survey, actor: User, code: str, spec: QuestionFields) -> Question:
    """Change anything about a question; once the version has answers, the change goes into a new version.

    The code rule: a question whose type or set of choice values changes asks something
    else (a "3" no longer means what it meant), so it gets a new code (``next_code``)
    whenever its old code appears in another version — which it always does once the
    survey had answers. Wording, choice labels and order, required, min/max, criterion,
    weighting role and "don't know" keep the code: values 1–5 still mean the same and a
    "don't know" is read as no answer. A question no other version has keeps its code
    whatever changes, since no answer or export uses it yet. An edit that changes
    nothing starts no new version.
    """
    _check_open_for_edits(survey)
    current = find_question(survey.current_version, code)
    columns = _checked_columns(survey, spec, current)
    if all(getattr(current, name) == value for name, value in columns.items()):
        return current
    same_meaning = current.type == columns["type"] and _values(current.options) == _values(columns["options"])
    version = editable_version(session, survey, actor)
    question = find_question(version, code)
    for name, value in columns.items():
        setattr(question, name, value)
    used_elsewhere = any(q.code == code for v in survey.versions if v is not version for q in v.questions)
    if not same_meaning and used_elsewhere:
        question.code = next_code(survey)
    session.flush()
    record_audit(session, actor, "survey.edit_question", survey, code=code, new_code=question.code)
    return question


def _values(options: Sequence[dict[str, Any]]) -> set[str]:
    return {o["value"] for o in options}


def delete_question(session: Session, survey: Survey, actor: User, code: str) -> None:
    """Remove a question; answers already given stay with the version they answered."""
    _check_open_for_edits(survey)
    if find_question(survey.current_version, code).weighting_role is not None:
        raise SurveyError(_("Câu hỏi dùng để gia quyền không xoá được."))
    version = editable_version(session, survey, actor)
    question = find_question(version, code)
    section = question.section
    session.delete(question)
    session.flush()
    session.expire(version, ["questions"])
    session.expire(section, ["questions"])
    record_audit(session, actor, "survey.delete_question", survey, code=code)


def move_question_to_section(
    session: Session, survey: Survey, actor: User, code: str, section_position: int
) -> None:
    """Move a question to the end of another section; its code stays."""
    _check_open_for_edits(survey)
    current = find_question(survey.current_version, code)
    _find_section(survey.current_version, section_position)
    if current.section.position == section_position:
        return
    version = editable_version(session, survey, actor)
    question = find_question(version, code)
    question.section = _find_section(version, section_position)
    question.position = max(q.position for q in version.questions) + 1
    _renumber(session, version)
    record_audit(session, actor, "survey.move_question", survey, code=code, section=section_position)


# --- sections -------------------------------------------------------------------


def _find_section(version: SurveyVersion, position: int) -> Section:
    """The section at ``position``; sections are named by position, which every version copy keeps."""
    for section in version.sections:
        if section.position == position:
            return section
    raise SurveyError(_("Không có phần này trong phiếu."))


def _checked_title(title: str) -> str:
    title = title.strip()
    if not title:
        raise SurveyError(_("Vui lòng nhập tên phần."))
    if len(title) > SECTION_TITLE_MAX:
        raise SurveyError(_("Tên phần dài tối đa %(n)d ký tự.", n=SECTION_TITLE_MAX))
    if has_control_characters(title):
        raise SurveyError(str(CONTROL_CHARACTERS_MESSAGE))
    return title


def _renumber(session: Session, version: SurveyVersion) -> None:
    """Question positions follow the sections' order, then the order within each section."""
    ordered = sorted(version.questions, key=lambda q: (q.section.position, q.position))
    for position, question in enumerate(ordered, start=1):
        question.position = position
    session.flush()
    session.expire(version, ["sections", "questions"])
    for section in version.sections:
        session.expire(section, ["questions"])


def add_section(session: Session, survey: Survey, actor: User, title: str) -> Section:
    """Append an empty section at the end of the survey."""
    _check_open_for_edits(survey)
    title = _checked_title(title)
    version = editable_version(session, survey, actor)
    section = Section(version=version, position=max((s.position for s in version.sections), default=-1) + 1,
                      title=title)
    session.add(section)
    session.flush()
    session.expire(version, ["sections"])
    record_audit(session, actor, "survey.add_section", survey, position=section.position)
    return section


def rename_section(session: Session, survey: Survey, actor: User, position: int, title: str) -> None:
    """Change a section's title (the legend residents read)."""
    _check_open_for_edits(survey)
    title = _checked_title(title)
    if _find_section(survey.current_version, position).title == title:
        return
    _find_section(editable_version(session, survey, actor), position).title = title
    session.flush()
    record_audit(session, actor, "survey.rename_section", survey, position=position)


def delete_section(session: Session, survey: Survey, actor: User, position: int) -> None:
    """Remove an empty section; one that still holds questions is refused."""
    _check_open_for_edits(survey)
    current = _find_section(survey.current_version, position)
    if current.questions:
        raise SurveyError(_("Phần “%(title)s” còn %(n)d câu hỏi: hãy chuyển hoặc xoá các câu hỏi trước.",
                            title=current.title, n=len(current.questions)))
    version = editable_version(session, survey, actor)
    session.delete(_find_section(version, position))
    session.flush()
    session.expire(version, ["sections"])
    record_audit(session, actor, "survey.delete_section", survey, position=position)


def move_section(session: Session, survey: Survey, actor: User, position: int, step: int) -> None:
    """Swap a section with its neighbour (step -1 up, +1 down); its questions follow, codes stay."""
    _check_open_for_edits(survey)
    positions = [s.position for s in survey.current_version.sections]
    _find_section(survey.current_version, position)
    index = positions.index(position) + step
    if not 0 <= index < len(positions):
        return  # already first or last: nothing to do, no new version
    other = positions[index]
    version = editable_version(session, survey, actor)
    section, neighbour = _find_section(version, position), _find_section(version, other)
    section.position, neighbour.position = other, position
    _renumber(session, version)
    record_audit(session, actor, "survey.move_section", survey, position=position, to=other)
