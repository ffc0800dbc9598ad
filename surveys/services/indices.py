"""Weighted satisfaction indices of a survey: responses out of the database, into ``analysis``.

The statistics live in ``analysis`` (pure numerics, checked against R's survey
package); this module only shapes the survey's answers into its input table and
lays the result out for a page and a chart.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd
from flask_babel import gettext as _
from sqlalchemy.orm import Session

import analysis
from surveys.exports import FIXED_COLUMNS, iter_export_rows, question_codes
from surveys.models import QuestionType, Survey, SurveyArea, WeightingRole
from surveys.template import DONT_KNOW

logger = logging.getLogger(__name__)

DESIGNS = ("stratified", "clustered")
# Equal weights, or households ÷ sample per hamlet; the last two are then raked to the
# population's sex and age-group shares (only offered once margins are loaded).
WEIGHTINGS = ("equal", "hamlet", "margins", "hamlet_margins")
RAKED = ("margins", "hamlet_margins")
# Share satisfied the communes and districts must reach (QĐ 320/QĐ-TTg: 80 % per commune, 90 % per district),
# judged on the interval's lower bound: the page's verdicts and the chart's target lines both read these.
# The district target applies only where the table has a district level (``rating_data``).
TARGETS = analysis.DEFAULT_RULES


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


def weightings_for(survey: Survey) -> tuple[str, ...]:
    """The weightings the page offers: raking only once population margins are loaded."""
    return WEIGHTINGS if survey.margins else tuple(w for w in WEIGHTINGS if w not in RAKED)


def population_margins(data: RatingData, design_options: dict) -> pd.DataFrame:
    """The survey's shares as ``analysis`` raking margins: counts per commune, variable and level.

    Each commune's counts add up to its sum of design weights, so raking only redistributes
    weight between sexes and age groups within a commune and keeps the communes' relative
    weights of the chosen design.
    """
    design = analysis.compute_weights(data.frame, weighting="none", **design_options).design
    totals = pd.Series(design).groupby(data.frame["commune"].to_numpy()).sum()
    rows = [
        (commune, variable, level, share / sum(shares.values()) * total)
        for commune, total in totals.items()
        for variable, shares in data.margins.items()
        for level, share in shares.items()
    ]
    return pd.DataFrame(rows, columns=["commune", "variable", "level", "count"])


def compute_survey_indices(data: RatingData, *, design: str = "stratified", weighting: str = "equal") -> pd.DataFrame:
    """The long table of ``analysis.compute_indices`` for this survey's answers.

    Targets are ``TARGETS``, met only when the interval's lower bound is.
    """
    if design not in DESIGNS or weighting not in WEIGHTINGS:
        raise IndicesUnavailable(f"unknown design {design!r} or weighting {weighting!r}")
    if data.frame.empty or not data.items:
        raise IndicesUnavailable(_("Chưa có phiếu trả lời nào có câu hỏi mức độ hài lòng."))
    if weighting in RAKED and not data.margins:
        raise IndicesUnavailable(_("Chưa nạp tỷ lệ dân số theo giới tính và nhóm tuổi."))
    if design == "clustered":
        _check_two_hamlets(data)
    options: dict = {}
    if weighting in ("hamlet", "hamlet_margins"):
        _check_hamlet_households(data)
        options = {"design_weights_from": "hamlet", "hamlet_population": data.hamlet_households}
    try:
        if weighting in RAKED:
            options |= {"weighting": "rake", "margins": population_margins(data, options)}
        result = analysis.compute_indices(data.frame, data.items, design=design, thresholds=TARGETS, **options)
    except (analysis.WeightingError, analysis.InputError) as exc:
        raise IndicesUnavailable(_analysis_problem(exc, data.names)) from exc
    table = result.to_frame().assign(design=design, weighting=weighting)  # the download says how
    # Plain True/False/None for pages: pandas' nullable booleans are numpy bools or NA,
    # which neither `is True` nor a Jinja test can read safely.
    for flag in ("meets_target", "low_n_eff"):
        table[flag] = table[flag].astype(object).where(table[flag].notna(), None)
    return table


def _check_two_hamlets(data: RatingData) -> None:
    """Clustering by hamlet estimates a commune's variance between its hamlets: one is not enough."""
    hamlets = data.frame.groupby("commune")["hamlet"].nunique()
    single = hamlets[hamlets < 2]
    if len(single):
        commune = str(single.index[0])
        raise IndicesUnavailable(_(
            "%(commune)s chỉ có người trả lời ở một ấp: thiết kế chùm theo ấp cần ít nhất hai ấp. "
            "Hãy chọn thiết kế phân tầng theo xã.", commune=data.names.get(commune, commune),
        ))


def _check_hamlet_households(data: RatingData) -> None:
    """Weights per hamlet need each answering hamlet's households (areas may be imported without)."""
    known = data.hamlet_households.set_index(["commune", "hamlet"]).index
    answered = pd.MultiIndex.from_frame(data.frame[["commune", "hamlet"]]).unique()
    lacking = answered.difference(known)
    if len(lacking):
        commune, hamlet = lacking[0]
        raise IndicesUnavailable(_(
            "%(hamlet)s (%(commune)s) có người trả lời nhưng chưa có số hộ: chưa tính trọng số theo số hộ của ấp được. "
            "Hãy nhập số hộ của ấp hoặc chọn cách gia quyền khác.",
            hamlet=data.names.get(hamlet, hamlet), commune=data.names.get(commune, commune),
        ))


def _analysis_problem(exc: analysis.WeightingError | analysis.InputError, names: dict[str, str]) -> str:
    """Failures of ``analysis`` in the officer's words and names (its own messages are English, with codes)."""
    reason = getattr(exc, "reason", None)
    commune = names.get(getattr(exc, "commune", None) or "", getattr(exc, "commune", None))
    cell = names.get(getattr(exc, "cell", None) or "", getattr(exc, "cell", None))
    if reason == "empty_cell":
        return _("%(commune)s không có người trả lời nào thuộc nhóm “%(cell)s”, "
                 "trong khi tỷ lệ dân số của nhóm này lớn hơn 0: "
                 "chưa gia quyền theo cơ cấu dân số được. Hãy thu thêm phiếu hoặc chọn cách gia quyền khác.",
                 commune=commune, cell=cell)
    if reason == "unknown_level":
        return _("%(commune)s có người trả lời thuộc nhóm “%(cell)s” "
                 "nhưng tỷ lệ dân số của nhóm này chưa có hoặc bằng 0.",
                 commune=commune, cell=cell)
    if reason == "not_converged":
        return _("Gia quyền lặp (raking) theo tỷ lệ dân số đã nạp không hội tụ ở %(commune)s: "
                 "cơ cấu mẫu quá khác tỷ lệ dân số. "
                 "Hãy chọn cách gia quyền khác.", commune=commune)
    logger.warning("indices unavailable: %s", exc)  # the details, in English, for whoever looks into it
    if commune:
        return _("Chưa tính được chỉ số của %(commune)s với thiết kế mẫu và trọng số đã chọn. Hãy chọn cách khác.",
                 commune=commune)
    return _("Chưa tính được chỉ số với thiết kế mẫu và trọng số đã chọn. Hãy chọn cách khác.")
