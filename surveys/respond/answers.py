"""Answer rules: the choices each question offers and the validation of submitted values.

The resident's form applies them (``store.store_response``); staff entering a paper sheet and
the exports use the same rules from here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from flask import has_app_context
from flask_babel import get_locale
from flask_babel import gettext as _

from core.models import Area
from surveys.errors import AnswerErrors
from surveys.models import Question, QuestionType, SurveyVersion, WeightingRole
from surveys.template import (
    DONT_KNOW,
    DONT_KNOW_LABEL,
    SATISFACTION_LABELS,
    SATISFIED_LABELS,
)

SHORT_TEXT_MAX = 200
LONG_TEXT_MAX = 2000
NUMBER_LIMIT = 10**9


def hamlet_options(commune: Area) -> list[tuple[str, str]]:
    """The commune's current hamlets as (code, name)."""
    return [(h.code, h.name) for h in commune.children if h.valid_to is None]


# Translated (value, label) pairs of the fixed scales, per scale and language: translating them
# for every question of every page cost more than the rest of building the choices.
_translated: dict[tuple[int, str], list[tuple[str, str]]] = {}


def _labels(labels: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Translated (value, label) pairs of one of the module's fixed scales, in the current language."""
    if not has_app_context():
        return [(k, str(v)) for k, v in labels.items()]
    key = (id(labels), str(get_locale()))
    if key not in _translated:
        _translated[key] = [(k, str(v)) for k, v in labels.items()]
    return _translated[key]


def question_options(question: Question, commune: Area) -> list[tuple[str, str]]:
    """The allowed (value, label) pairs of a choice question, as shown to residents."""
    if question.type == QuestionType.SATISFACTION:
        pairs = _labels(SATISFACTION_LABELS)
        return [*pairs, (DONT_KNOW, str(DONT_KNOW_LABEL))] if question.allow_dont_know else pairs
    if question.type == QuestionType.SATISFIED:
        return _labels(SATISFIED_LABELS)
    if question.weighting_role == WeightingRole.HAMLET:
        return hamlet_options(commune)
    return [(o["value"], o["label"]) for o in question.options]


_SATISFACTION_VALUES = tuple(SATISFACTION_LABELS)
_SATISFIED_VALUES = tuple(SATISFIED_LABELS)


def question_values(question: Question, commune: Area) -> list[str]:
    """The allowed values of a choice question, in order (labels are not needed, nor translated)."""
    if question.type == QuestionType.SATISFACTION:
        return [*_SATISFACTION_VALUES, DONT_KNOW] if question.allow_dont_know else list(_SATISFACTION_VALUES)
    if question.type == QuestionType.SATISFIED:
        return list(_SATISFIED_VALUES)
    if question.weighting_role == WeightingRole.HAMLET:
        return [h.code for h in commune.children if h.valid_to is None]
    return [o["value"] for o in question.options]


def options_for(version: SurveyVersion, commune: Area) -> dict[str, list[tuple[str, str]]]:
    """Each question's choices for this commune, computed once per page.

    A hamlet question is left out (no key) where the commune has no hamlets on record.
    """
    result = {}
    for question in version.questions:
        pairs = question_options(question, commune)
        if pairs or question.weighting_role != WeightingRole.HAMLET:
            result[question.code] = pairs
    return result


def _validate_one(
    question: Question, values: list[str], commune: Area, transcribed: bool
) -> tuple[str | None, str | None]:
    """(stored value, error) for one question's submitted values."""
    if question.weighting_role == WeightingRole.HAMLET and not hamlet_options(commune):
        return None, None  # not asked where no hamlets are on record
    values = [v.strip() for v in values if v is not None and v.strip() != ""]
    if not values:
        required = question.required and (not transcribed or question.weighting_role is not None)
        return None, _("Vui lòng trả lời câu này.") if required else None
    if question.type != QuestionType.MULTIPLE and len(values) > 1:
        return None, _("Chỉ được chọn một câu trả lời.")
    kind = question.type
    if kind in (QuestionType.SATISFACTION, QuestionType.SATISFIED, QuestionType.SINGLE):
        allowed = question_values(question, commune)
        if values[0] not in allowed:
            return None, _("Câu trả lời không nằm trong các lựa chọn.")
        return values[0], None
    if kind == QuestionType.MULTIPLE:
        allowed_order = question_values(question, commune)
        if any(v not in allowed_order for v in values):
            return None, _("Câu trả lời không nằm trong các lựa chọn.")
        return ";".join(v for v in allowed_order if v in values), None
    if kind == QuestionType.NUMBER:
        try:
            number = int(values[0])
        except ValueError:
            return None, _("Vui lòng nhập một số nguyên.")
        low = question.min_value if question.min_value is not None else -NUMBER_LIMIT
        high = question.max_value if question.max_value is not None else NUMBER_LIMIT
        if not low <= number <= high:
            return None, _("Số phải từ %(low)s đến %(high)s.", low=low, high=high)
        return str(number), None
    limit = question.max_length or (SHORT_TEXT_MAX if kind == QuestionType.SHORT_TEXT else LONG_TEXT_MAX)
    text = values[0].replace("\r\n", "\n")
    if len(text) > limit:
        return None, _("Tối đa %(limit)s ký tự (đã nhập %(count)s).", limit=limit, count=len(text))
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in text):
        return None, _("Có ký tự không hợp lệ.")
    return text, None


def validate_answers(
    version: SurveyVersion, commune: Area, submitted: Mapping[str, Sequence[str]], *, transcribed: bool = False
) -> dict[str, str]:
    """Check every answer against its question; return {code: value} or raise AnswerErrors.

    ``transcribed``: a paper sheet typed in as the resident filled it in. A required question
    the resident left blank stays blank, since refusing it would lose the whole sheet; only
    the weighting variables (sex, age group, hamlet, household) must be there, as no response
    can be weighted without them.
    """
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    for question in version.questions:
        value, error = _validate_one(question, list(submitted.get(question.code, ())), commune, transcribed)
        if error:
            errors[question.code] = error
        elif value is not None:
            values[question.code] = value
    if errors:
        raise AnswerErrors(errors)
    return values


def answers_fingerprint(values: Mapping[str, str]) -> str:
    """A hash of the answers, to spot the same form sent twice from one client."""
    return hashlib.sha256(_FINGERPRINT_JSON(sorted(values.items())).encode()).hexdigest()


# The text hashed above: it must never change, or a form sent again after an upgrade would no
# longer match its first copy. Built once (json.dumps builds an encoder per call given options).
_FINGERPRINT_JSON = json.JSONEncoder(ensure_ascii=False).encode


def value_labels(question: Question, commune: Area | None = None) -> dict[str, str]:
    """Value → label for the codebook; hamlets are listed only for a given commune."""
    if question.weighting_role == WeightingRole.HAMLET and commune is None:
        return {}
    return dict(question_options(question, commune))  # type: ignore[arg-type]
