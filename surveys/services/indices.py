"""Weighted satisfaction indices of a survey: responses out of the database, into ``analysis``.

The statistics live in ``analysis`` (pure numerics, checked against R's survey
package); this module only shapes the survey's answers into its input table and
lays the result out for a page and a chart.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd
from flask_babel import gettext as _
from sqlalchemy.orm import Session

import analysis
from surveys.exports import FIXED_COLUMNS, iter_export_rows, question_codes
from surveys.models import QuestionType, Survey, SurveyArea, WeightingRole
from surveys.services.plan_inputs import PlanInputs, plan_inputs, run_inputs
from surveys.template import DONT_KNOW

logger = logging.getLogger(__name__)


class IndicesUnavailable(ValueError):
    """The responses cannot support the requested analysis; the message says why."""


@dataclass(frozen=True)
class RatingData:
    """The survey's satisfaction answers as the ``analysis`` input table."""

    frame: pd.DataFrame
    items: list[str]
    item_labels: dict[str, str]
    hamlet_households: pd.DataFrame
    margins: dict[str, dict[str, float]] = field(default_factory=dict)  # Survey.margins (shares)
    # What officers read instead of codes in messages: area code -> name, "sex=nu" -> "Giới tính: Nữ".
    names: dict[str, str] = field(default_factory=dict)


def rating_data(session: Session, survey: Survey, links: Sequence[SurveyArea]) -> RatingData:
    """One row per response of the given communes: areas, sex, age group and the 1–5 items.

    "Don't know" becomes a missing answer, so each item uses the people who answered it.
    """
    questions = survey.current_version.questions
    items = [q.code for q in questions if q.type is QuestionType.SATISFACTION]
    roles = {q.weighting_role: q.code for q in questions if q.weighting_role is not None}
    codes = question_codes(survey)
    # Duplicates a reviewer excluded leave the numbers (pending and kept ones count).
    rows = list(iter_export_rows(session, survey.id, codes, [link.area_id for link in links], counted_only=True))
    frame = pd.DataFrame(rows, columns=[*FIXED_COLUMNS, *codes])
    table = pd.DataFrame(
        {
            "id": frame["response_id"],
            "commune": frame["commune_code"],
            "hamlet": frame["hamlet_code"].fillna("(không rõ)"),
        }
    )
    # A district level (and its target) only where the communes have districts: since 1 July 2025 a
    # commune's parent is its province, and ``analysis`` then reports communes and the whole area only.
    districts = {link.area.code: link.area.district for link in links}
    if districts and all(districts.values()):
        table.insert(1, "district", frame["commune_code"].map({c: d.code for c, d in districts.items() if d}))
    for role, column in ((WeightingRole.SEX, "sex"), (WeightingRole.AGE_GROUP, "age_group")):
        if role in roles:
            table[column] = frame[roles[role]].fillna("NA")
    for code in items:
        values = pd.to_numeric(frame[code].where(frame[code] != DONT_KNOW), errors="coerce")
        table[code] = values.astype("float64")
    households = [
        (link.area.code, hamlet.code, hamlet.households)
        for link in links
        for hamlet in link.area.children
        if hamlet.households
    ]
    names = {area.code: area.name for link in links for area in (link.area, *link.area.children)}
    for role, column in ((WeightingRole.SEX, "sex"), (WeightingRole.AGE_GROUP, "age_group")):
        if role in roles:
            question = next(q for q in questions if q.code == roles[role])
            names |= {f"{column}={o['value']}": f"{question.text}: {o['label']}" for o in question.options}
    return RatingData(
        frame=table,
        items=items,
        item_labels={q.code: q.text for q in questions if q.code in items},
        hamlet_households=pd.DataFrame(households, columns=["commune", "hamlet", "population"]),
        margins=survey.margins or {},
        names=names,
    )


def compute_survey_indices(
    data: RatingData, plan: analysis.AnalysisPlan | None = None, links: Sequence[SurveyArea] = (),
    population: Mapping[str, tuple[int, pd.DataFrame]] | None = None,
) -> pd.DataFrame:
    """The long table of ``analysis.run_plan`` for this survey's answers (``plan`` defaults to the defaults).

    ``links`` and ``population`` give the figures behind the weights (see :mod:`plan_inputs`).
    """
    return survey_result(data, plan or analysis.AnalysisPlan(), links, population)[0]


def survey_result(
    data: RatingData, plan: analysis.AnalysisPlan, links: Sequence[SurveyArea],
    population: Mapping[str, tuple[int, pd.DataFrame]] | None = None,
) -> tuple[pd.DataFrame, PlanInputs]:
    """The table and the inputs it was computed from (what the data download writes)."""
    if data.frame.empty or not data.items:
        raise IndicesUnavailable(_("Chưa có phiếu trả lời nào có câu hỏi mức độ hài lòng."))
    inputs = plan_inputs(plan, data, links, population)
    try:
        table = run_inputs(inputs)
    except (analysis.WeightingError, analysis.InputError) as exc:
        raise IndicesUnavailable(_analysis_problem(exc, data.names)) from exc
    # Plain True/False/None for pages: pandas' nullable booleans are numpy bools or NA,
    # which neither `is True` nor a Jinja test can read safely.
    for flag in ("meets_target", "low_n_eff"):
        table[flag] = table[flag].astype(object).where(table[flag].notna(), None)
    return table, inputs


def _analysis_problem(exc: analysis.WeightingError | analysis.InputError, names: dict[str, str]) -> str:
    """Failures of ``analysis`` in the officer's words and names (its own messages are English, with codes)."""
    reason = getattr(exc, "reason", None)
    commune = names.get(getattr(exc, "commune", None) or "", getattr(exc, "commune", None))
    cell = names.get(getattr(exc, "cell", None) or "", getattr(exc, "cell", None))
    if reason == "empty_cell":
        return _("%(commune)s không có người trả lời nào thuộc nhóm “%(cell)s”, "
                 "trong khi tỷ lệ dân số của nhóm này lớn hơn 0: "
                 "chưa gia quyền theo cơ cấu dân số được. Hãy thu thêm phiếu hoặc sửa kế hoạch phân tích.",
                 commune=commune, cell=cell)
    if reason == "unknown_level":
        return _("%(commune)s có người trả lời thuộc nhóm “%(cell)s” "
                 "nhưng tỷ lệ dân số của nhóm này chưa có hoặc bằng 0.",
                 commune=commune, cell=cell)
    if reason == "lonely_psu":
        return _("%(commune)s chỉ có người trả lời ở một ấp, và kế hoạch phân tích dừng tính trong trường hợp này. "
                 "Hãy chọn quy tắc khác cho xã chỉ có một ấp.", commune=commune)
    if reason == "not_converged":
        return _("Gia quyền lặp (raking) theo tỷ lệ dân số đã nạp không hội tụ ở %(commune)s: "
                 "cơ cấu mẫu quá khác tỷ lệ dân số. "
                 "Hãy sửa kế hoạch phân tích.", commune=commune)
    logger.warning("indices unavailable: %s", exc)  # the details, in English, for whoever looks into it
    if commune:
        return _("Chưa tính được chỉ số của %(commune)s với kế hoạch phân tích hiện tại. Hãy sửa kế hoạch.",
                 commune=commune)
    return _("Chưa tính được chỉ số với kế hoạch phân tích hiện tại. Hãy sửa kế hoạch.")
