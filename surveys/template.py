"""The NTM satisfaction questionnaire template, as plain data.

Structure follows reported practice (../shared/domain/NTM.md §2): one item per
criterion of the chosen set, the four Grassroots Democracy blocks (Law
10/2022/QH15: dân biết, dân bàn, dân kiểm tra, dân thụ hưởng), an open comment
and the weighting questions. The unit is the household representative.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

from surveys.models import QuestionType, WeightingRole

TEMPLATE_TITLE = "Phiếu lấy ý kiến sự hài lòng của người dân về kết quả xây dựng nông thôn mới"
TEMPLATE_INTRODUCTION = (
    "Ban Thường trực Ủy ban MTTQ Việt Nam xã lấy ý kiến của người dân về kết quả xây dựng "
    "nông thôn mới. Mỗi hộ gia đình trả lời một phiếu. Xin ông/bà cho biết mức độ hài lòng "
    "của mình với từng nội dung dưới đây."
)

SATISFACTION_LABELS: dict[str, Any] = {
    "1": _l("Rất không hài lòng"),
    "2": _l("Không hài lòng"),
    "3": _l("Bình thường"),
    "4": _l("Hài lòng"),
    "5": _l("Rất hài lòng"),
}
DONT_KNOW = "0"
DONT_KNOW_LABEL = _l("Không biết / không ý kiến")
SATISFIED_LABELS: dict[str, Any] = {"1": _l("Hài lòng"), "0": _l("Không hài lòng")}


@dataclass(frozen=True)
class QuestionSpec:
    """One question of a template; turned into a Question row by the services."""

    text: str
    type: QuestionType
    required: bool = False
    allow_dont_know: bool = False
    options: Sequence[tuple[str, str]] = ()
    min_value: int | None = None
    max_value: int | None = None
    max_length: int | None = None
    criterion_number: int | None = None
    weighting_role: WeightingRole | None = None


@dataclass(frozen=True)
class SectionSpec:
    """A titled group of questions."""

    title: str
    questions: Sequence[QuestionSpec] = field(default_factory=tuple)


def _satisfaction(text: str, **kwargs: Any) -> QuestionSpec:
    return QuestionSpec(text, QuestionType.SATISFACTION, required=True, allow_dont_know=True, **kwargs)


WEIGHTING_SECTION = SectionSpec(
    "Thông tin về người trả lời",
    (
        QuestionSpec(
            "Ông/bà đang sống ở ấp nào?",
            QuestionType.SINGLE,
            required=True,
            weighting_role=WeightingRole.HAMLET,
        ),
        QuestionSpec(
            "Giới tính",
            QuestionType.SINGLE,
            required=True,
            options=(("nam", "Nam"), ("nu", "Nữ")),
            weighting_role=WeightingRole.SEX,
        ),
        QuestionSpec(
            "Nhóm tuổi",
            QuestionType.SINGLE,
            required=True,
            options=(("18-29", "18–29"), ("30-44", "30–44"), ("45-59", "45–59"), ("60+", "60 trở lên")),
            weighting_role=WeightingRole.AGE_GROUP,
        ),
        QuestionSpec(
            "Ông/bà có phải là chủ hộ hoặc người đại diện hộ gia đình không?",
            QuestionType.SINGLE,
            required=True,
            options=(("co", "Có"), ("khong", "Không")),
            weighting_role=WeightingRole.HOUSEHOLD_REP,
        ),
    ),
)

DEMOCRACY_SECTION = SectionSpec(
    "Dân biết, dân bàn, dân kiểm tra, dân thụ hưởng",
    (
        _satisfaction(
            "Dân biết: người dân được thông tin đầy đủ về chủ trương, kế hoạch "
            "và kết quả xây dựng nông thôn mới của xã."
        ),
        _satisfaction("Dân bàn: người dân được bàn bạc, góp ý và quyết định các công trình, nội dung đóng góp."),
        _satisfaction("Dân kiểm tra: người dân được giám sát, kiểm tra việc thực hiện và sử dụng kinh phí."),
        _satisfaction("Dân thụ hưởng: người dân được hưởng lợi từ kết quả xây dựng nông thôn mới."),
    ),
)


def template_sections(criteria: Sequence[tuple[int, str]]) -> list[SectionSpec]:
    """The whole questionnaire for a criteria set given as (number, name) pairs."""
    criteria_section = SectionSpec(
        "Mức độ hài lòng với kết quả thực hiện từng tiêu chí",
        tuple(
            _satisfaction(f"Tiêu chí {number} – {name}", criterion_number=number)
            for number, name in criteria
        ),
    )
    closing_section = SectionSpec(
        "Đánh giá chung và góp ý",
        (
            QuestionSpec(
                "Nhìn chung, ông/bà có hài lòng với kết quả xây dựng nông thôn mới của xã không?",
                QuestionType.SATISFIED,
                required=True,
            ),
            QuestionSpec(
                "Ý kiến góp ý khác (nếu có)", QuestionType.LONG_TEXT, max_length=2000
            ),
        ),
    )
    return [WEIGHTING_SECTION, DEMOCRACY_SECTION, criteria_section, closing_section]
