"""Population margins of a survey (shares per sex and age group): read from a file, checked, audited.

The CLI (``flask surveys load-margins``) and the monitor's upload page both go through
:func:`load_margins`, so a file is judged the same way wherever it comes from.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import AuditEntry, User, record_audit
from surveys.models import Survey, WeightingRole
from surveys.services.paper import ImportProblem, ImportRefused, read_table

ROLES = (WeightingRole.SEX, WeightingRole.AGE_GROUP)
HEADER = ("variable", "category", "share")
# Published shares are rounded (48,9 % + 51,1 %); a percentage point of slack accepts that,
# yet refuses a file whose categories are plainly incomplete.
SUM_TOLERANCE = 0.01
LOAD_ACTION = "survey.load_margins"
# A margins file has one row per category of two questions; a few hundred is already absurd.
MAX_ROWS = 1000
# A count is people in an area: more than a billion is a typing error, and huge ones (hundreds of
# digits) overflow a float or round every share to 0.
MAX_COUNT = 1_000_000_000


def weighting_categories(survey: Survey) -> dict[str, list[str]]:
    """Choice values of the survey's sex and age-group questions, by variable."""
    return {
        q.weighting_role.value: [str(o["value"]) for o in q.options]
        for q in survey.current_version.questions
        if q.weighting_role in ROLES
    }


def weighting_labels(survey: Survey) -> dict[str, dict[str, str]]:
    """Choice labels of the survey's sex and age-group questions ("nu" → "Nữ"), by variable."""
    return {
        q.weighting_role.value: {str(o["value"]): o["label"] for o in q.options}
        for q in survey.current_version.questions
        if q.weighting_role in ROLES
    }


def template_rows(survey: Survey) -> list[list[str]]:
    """One row per category of the weighting questions, share left blank."""
    return [[variable, category, ""]
            for variable, categories in weighting_categories(survey).items() for category in categories]


def parse_number(text: str, kind: str) -> float | None:
    # Excel in a Vietnamese locale writes a decimal comma ("0,49"); in a count a comma or a dot
    # would be a thousands separator ("1.234" people), so counts must be plain digits.
    if kind == "count":
        if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_COUNT)) or int(text) > MAX_COUNT:
            return None
        return float(text)
    if "." not in text:
        text = text.replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def parse_margins(survey: Survey, filename: str, data: bytes) -> dict[str, dict[str, float]]:
    """Shares per variable and category from a CSV/XLSX file, or ImportRefused naming each bad cell.

    The file has the columns ``variable, category`` and either ``share`` (0–1, summing to 1 per
    variable) or ``count`` (people, converted to shares).
    """
    rows = read_table(filename, data, max_rows=MAX_ROWS)
    if not rows:
        raise ImportRefused([ImportProblem(0, "", _("Tệp trống."))])
    header = [h.strip().lower() for h in rows[0]]
    kind = next((k for k in ("share", "count") if k in header), None)
    missing = [c for c in ("variable", "category") if c not in header] + ([] if kind else ["share"])
    if missing:
        message = _("Thiếu cột (cần variable, category và share hoặc count).")
        raise ImportRefused([ImportProblem(1, c, message) for c in missing])
    allowed = weighting_categories(survey)
    problems: list[ImportProblem] = []
    values: dict[str, dict[str, float]] = {}
    last_row: dict[str, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        cells = dict(zip(header, (c.strip() for c in row), strict=False))
        variable, category = cells.get("variable", ""), cells.get("category", "")
        value = parse_number(cells.get(kind, ""), kind)
        if variable not in allowed:
            message = _("Biến “%(v)s” không có; dùng: %(allowed)s.", v=variable, allowed=", ".join(allowed) or "—")
            problems.append(ImportProblem(number, "variable", message))
            continue
        if category not in allowed[variable]:
            problems.append(ImportProblem(number, "category", _(
                "Nhóm “%(c)s” không có trong câu hỏi %(v)s; dùng: %(allowed)s.",
                c=category, v=variable, allowed=", ".join(allowed[variable]),
            )))
        elif category in values.get(variable, {}):
            message = _("Nhóm “%(c)s” của %(v)s bị lặp.", c=category, v=variable)
            problems.append(ImportProblem(number, "category", message))
        if value is None or value < 0 or (kind == "share" and value > 1):
            message = (_("Tỷ lệ phải là số từ 0 đến 1.") if kind == "share" else _(
                "Số người phải là số nguyên không âm, không quá %(max)s, viết liền, không có dấu phân cách hàng nghìn.",
                max=MAX_COUNT))
            problems.append(ImportProblem(number, kind, message))
            continue
        values.setdefault(variable, {}).setdefault(category, value)
        last_row[variable] = number
    for variable, given in values.items() if not problems else ():  # a wrong category is reported as such first
        problems.extend(
            ImportProblem(last_row[variable], "category",
                          _("Thiếu nhóm “%(c)s” của %(v)s (ghi 0 nếu không có ai).", c=c, v=variable))
            for c in allowed[variable] if c not in given
        )
    if not rows[1:]:
        problems.append(ImportProblem(2, "", _("Tệp không có dòng dữ liệu nào.")))
    if problems:
        raise ImportRefused(problems)
    return _as_shares(values, kind, last_row)


def _as_shares(values: dict[str, dict[str, float]], kind: str, last_row: dict[str, int]) -> dict[str, dict[str, float]]:
    problems, margins = [], {}
    for variable, by_category in values.items():
        total = sum(by_category.values())
        if kind == "count" and total <= 0:
            message = _("Tổng số người của %(v)s bằng 0.", v=variable)
            problems.append(ImportProblem(last_row[variable], "count", message))
        elif kind == "share" and abs(total - 1) > SUM_TOLERANCE:
            message = _("Các tỷ lệ của %(v)s cộng lại bằng %(sum)s, phải bằng 1.",
                        v=variable, sum=format_decimal(round(total, 4)))
            problems.append(ImportProblem(last_row[variable], "share", message))
        else:
            margins[variable] = {c: v / total if kind == "count" else v for c, v in by_category.items()}
    if problems:
        raise ImportRefused(problems)
    return margins


def load_margins(
    session: Session, survey: Survey, actor: User | None, filename: str, data: bytes
) -> dict[str, dict[str, float]]:
    """Replace the survey's margins with a checked file's (audited); a bad file changes nothing."""
    margins = parse_margins(survey, filename, data)
    survey.margins = margins
    record_audit(session, actor, LOAD_ACTION, survey, filename=filename[:255], margins=margins)
    return margins


def margin_loads(session: Session, survey: Survey) -> Sequence[AuditEntry]:
    """Every load of this survey's margins, newest first (who, when, which file)."""
    return session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == LOAD_ACTION, AuditEntry.object_type == Survey.__tablename__,
               AuditEntry.object_id == survey.id)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    ).all()
