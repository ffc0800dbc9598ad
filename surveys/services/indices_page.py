"""The indices page as plain rows: what ``indices.html`` prints, built from the long table of ``analysis``.

The template only prints: names, verdicts, the chart's bars and target lines are decided here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

import analysis
from surveys.models import Survey, SurveyArea
from surveys.services.indices import IndicesUnavailable, rating_data, survey_result
from surveys.services.plan_inputs import WEIGHT_SOURCES, PlanInputs
from surveys.services.plans import current_plan
from surveys.services.population import KIND_LABELS, current_population

COMPOSITE = "composite_equal"  # the equal-weight mean of the items, the page's headline index
# The table's three-way verdicts (and rows never judged), as the page and the XLSX print them.
VERDICTS = {
    "meets": _l("đạt"),
    "does not meet": _l("không đạt"),
    "cannot tell": _l("chưa kết luận được"),
    "not enough responses": _l("không đủ số phiếu"),
}
LEVEL_LABELS = {"commune": _l("xã"), "district": _l("huyện"), "overall": _l("toàn bộ địa bàn")}
LEVEL_ORDER = ("commune", "district", "overall")  # the chart's order: communes first, the total last
BAR_HEIGHT = 46  # px per bar in the chart: its label, then the bar


@dataclass(frozen=True)
class Bar:
    """One bar of the chart, in percent of the plot width."""

    label: str
    estimate: float
    ci_lo: float
    ci_hi: float
    n_obs: int
    meets_target: bool
    low_n: bool
    level: str = "overall"


@dataclass(frozen=True)
class TargetLine:
    """A level's target across that level's bars: ``x`` in percent of the width, ``top``/``bottom`` in px."""

    level: str
    target: float
    x: float
    top: int
    bottom: int


@dataclass(frozen=True)
class Chart:
    """Share satisfied on the composite, one bar per area, and the targets the bars are judged by."""

    bars: list[Bar]
    targets: list[TargetLine]
    height: int


@dataclass(frozen=True)
class AreaRow:
    """The composite index of one commune, district or the whole area."""

    name: str
    n_obs: float
    estimate: float
    ci_lo: float
    ci_hi: float
    score: float
    deff: float
    n_eff: float
    target: float | None  # None where no target applies (the whole area)
    meets_target: bool
    low_n: bool
    verdict: str = ""  # one of VERDICTS' labels, empty where no target applies
    reason: str = ""  # why a row has no estimate, or what was done to compute it


@dataclass(frozen=True)
class ItemRow:
    """One item over the whole area."""

    code: str
    label: str
    n_obs: float
    estimate: float
    ci_lo: float
    ci_hi: float
    dissatisfied: float
    mean: float


@dataclass(frozen=True)
class IndicesPage:
    """Everything the page shows; ``table`` is the long table the downloads write, None with a ``problem``."""

    plan: analysis.AnalysisPlan  # the plan as run (see ``notes`` for how it differs from the saved one)
    method: str  # describe_plan in the reader's language
    notes: list[str] = field(default_factory=list)
    problem: str | None = None
    table: pd.DataFrame | None = None
    inputs: PlanInputs | None = None
    chart: Chart | None = None
    areas: list[AreaRow] = field(default_factory=list)
    items: list[ItemRow] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)

    def readable_table(self) -> pd.DataFrame:
        """The long table with the verdict and the reason in the reader's language (for the XLSX)."""
        assert self.table is not None
        collapse = self.table["collapse"] if "collapse" in self.table else pd.Series("", index=self.table.index)
        return self.table.assign(
            verdict_text=self.table["verdict"].map(lambda v: str(VERDICTS[v]) if v in VERDICTS else ""),
            note=[reason_text(r, c, self.names) for r, c in zip(self.table["reason"], collapse, strict=True)],
        )


def indices_page(session: Session, survey: Survey, links: Sequence[SurveyArea], *, lang: str = "vi") -> IndicesPage:
    """The indices of the communes in ``links`` (the viewer's scope), computed with the survey's current plan."""
    plan = current_plan(session, survey)
    try:
        population = current_population(session, survey)
        table, inputs = survey_result(rating_data(session, survey, links), plan, links, population)
    except IndicesUnavailable as exc:
        return IndicesPage(plan=plan, method=analysis.describe_plan(plan, lang), problem=str(exc))
    names = area_names(survey, links)
    labels = {q.code: q.text for q in survey.current_version.questions}
    bars = composite_bars(table, names)
    return IndicesPage(plan=inputs.plan, method=_method(inputs.plan, table, lang),
                       notes=_notes(inputs, population), table=table, inputs=inputs, chart=_chart(bars, inputs.plan),
                       areas=_area_rows(table, names), items=_item_rows(table, labels), names=names)


def _method(plan: analysis.AnalysisPlan, table: pd.DataFrame, lang: str) -> str:
    """The plan's method paragraph, naming only the targets of levels the table has: a survey on the
    communes of 2025 has no district level, so the district target is not announced for it."""
    levels = set(table["level"])
    targets = tuple(t for t in plan.targets if t.level in levels)
    return analysis.describe_plan(replace(plan, targets=targets), lang)


def _notes(inputs: PlanInputs, population: Mapping[str, tuple[int, pd.DataFrame]]) -> list[str]:
    """Where the weights and population figures came from, and what the saved plan asked for that the data lack."""
    notes = [_("Trọng số thiết kế: %(source)s.", source=WEIGHT_SOURCES[inputs.weight_source])]
    for kind, used in (("hamlets", inputs.weight_source == "survey_hamlets"), ("margins", inputs.margins is not None),
                       ("cells", inputs.cells is not None)):
        if used and kind in population:
            notes.append(_("Số liệu dân số đã nạp: %(kind)s, phiên bản %(version)s.",
                           kind=KIND_LABELS[kind], version=population[kind][0]))
    if inputs.margins_fallback:
        notes.append(_("Hiệu chỉnh theo tỷ lệ dân số toàn tỉnh (trang Tỷ lệ dân số), áp cho từng xã: "
                       "phương án dự phòng khi chưa có số liệu dân số của từng xã."))
    if inputs.calibration_dropped:
        notes.append(_("Kế hoạch hiệu chỉnh theo dân số nhưng chưa có số liệu dân số phù hợp: "
                       "lần tính này không hiệu chỉnh."))
    return notes


def area_names(survey: Survey, links: Sequence[SurveyArea]) -> dict[str, str]:
    """Area code -> the name the page shows, saying when a total covers only the communes the viewer sees."""
    names = {link.area.code: link.area.name for link in links}
    names |= {district.code: district.name for link in links if (district := link.area.district)}
    # Without districts (since 1 July 2025) the communes' parent is the province: the total is that province's.
    parents = {link.area.parent for link in links}
    province = next(iter(parents)) if len(parents) == 1 and not any(link.area.district for link in links) else None
    names["ALL"] = province.name if province is not None else _("Toàn bộ địa bàn")
    # A viewer who sees only some communes of a district (an organisation, a commune) gets that
    # district's and the whole area's figures from those communes alone: say so in their names.
    seen = {link.area_id for link in links}
    unseen = [link.area for link in survey.areas if link.area_id not in seen]
    for district in {area.district.code for area in unseen if area.district} & names.keys():
        names[district] = _("%(district)s (chỉ các xã bạn được xem)", district=names[district])
    if unseen:
        names["ALL"] = _("Các xã bạn được xem")
    return names


def composite_bars(table: pd.DataFrame, names: Mapping[str, str]) -> list[Bar]:
    """Share satisfied on the equal-weight composite, one bar per commune, then the total."""
    rows = table[(table["item"] == COMPOSITE) & (table["measure"] == "prop_sat")]
    order = {level: position for position, level in enumerate(LEVEL_ORDER)}
    rows = rows.assign(_order=rows["level"].map(order)).sort_values(["_order", "area"])
    return [
        Bar(
            label=names.get(str(row.area), str(row.area)),
            estimate=_percent(row.estimate),
            ci_lo=_percent(row.ci_lo),
            ci_hi=_percent(row.ci_hi),
            n_obs=int(row.n_obs),
            meets_target=row.meets_target is True,
            low_n=row.low_n_eff is True,
            level=str(row.level),
        )
        for row in rows.itertuples()
    ]


def _chart(bars: list[Bar], plan: analysis.AnalysisPlan) -> Chart:
    """Each level's target in force as a line across that level's bars (communes 80 % by default)."""
    lines = []
    for rule in plan.threshold_rules():
        if rule.measure != "prop_sat" or rule.item not in ("*", COMPOSITE):
            continue
        rows = [i for i, bar in enumerate(bars) if bar.level == rule.level]
        if rows:
            lines.append(TargetLine(level=str(LEVEL_LABELS[rule.level]), target=rule.target,
                                    x=_percent(rule.target), top=rows[0] * BAR_HEIGHT,
                                    bottom=(rows[-1] + 1) * BAR_HEIGHT))
    return Chart(bars=bars, targets=lines, height=len(bars) * BAR_HEIGHT + 24)


def _area_rows(table: pd.DataFrame, names: Mapping[str, str]) -> list[AreaRow]:
    """The composite per area, in the table's order: each area's share satisfied, its score and verdict."""
    composite = table[table["item"] == COMPOSITE].set_index(["level", "area", "measure"])
    rows = []
    for level, area in dict.fromkeys(zip(composite.index.get_level_values(0), composite.index.get_level_values(1),
                                         strict=True)):
        sat = composite.loc[(level, area, "prop_sat")]
        rows.append(AreaRow(
            name=names.get(area, area), n_obs=sat.n_obs, estimate=sat.estimate, ci_lo=sat.ci_lo, ci_hi=sat.ci_hi,
            score=composite.loc[(level, area, "score")].estimate, deff=sat.deff, n_eff=sat.n_eff_kish,
            target=None if _missing(sat.target) else float(sat.target),
            meets_target=sat.meets_target is True, low_n=sat.low_n_eff is True,
            verdict=str(VERDICTS[sat.verdict]) if sat.verdict in VERDICTS else "",
            reason=reason_text(sat.reason, getattr(sat, "collapse", ""), names),
        ))
    return rows


def _item_rows(table: pd.DataFrame, labels: Mapping[str, str]) -> list[ItemRow]:
    """Every item over the whole area, in the questionnaire's order."""
    overall = table[(table["level"] == "overall") & (table["item"] != COMPOSITE)].set_index(["item", "measure"])
    rows = []
    for code in dict.fromkeys(overall.index.get_level_values(0)):
        sat = overall.loc[(code, "prop_sat")]
        rows.append(ItemRow(
            code=code, label=labels.get(code, code), n_obs=sat.n_obs, estimate=sat.estimate,
            ci_lo=sat.ci_lo, ci_hi=sat.ci_hi, dissatisfied=overall.loc[(code, "prop_dissat")].estimate,
            mean=overall.loc[(code, "mean")].estimate,
        ))
    return rows


def reason_text(reason: object, collapse: object, names: Mapping[str, str]) -> str:
    """The table's English ``reason`` and ``collapse`` notes in Vietnamese, areas by name."""
    parts = []
    reason = "" if _missing(reason) else str(reason)
    if reason == "nobody answered":
        parts.append(_("không ai trả lời: không có ước lượng"))
    elif reason == "an item of the composite has no answers":
        parts.append(_("có tiêu chí không ai trả lời: không có ước lượng chung"))
    elif reason.startswith("not estimated: "):
        parts.append(_("không ước lượng được: %(why)s", why=reason.removeprefix("not estimated: ")))
    elif reason.startswith("without commune(s) "):
        codes = reason.removeprefix("without commune(s) ").removesuffix(" (not estimated)").split(", ")
        parts.append(_("không gồm %(communes)s (không ước lượng được)",
                       communes=", ".join(names.get(code, code) for code in codes)))
    elif reason:
        parts.append(reason)
    collapse = "" if _missing(collapse) else str(collapse)
    if collapse.startswith("merged age groups "):
        parts.append(_("đã gộp nhóm tuổi %(groups)s", groups=collapse.removeprefix("merged age groups ")))
    elif collapse == "sex only":
        parts.append(_("chỉ hiệu chỉnh theo giới tính"))
    elif collapse == "design weights only":
        parts.append(_("chỉ dùng trọng số thiết kế"))
    return "; ".join(parts)


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _percent(value: float) -> float:
    return 0.0 if _missing(value) else float(np.clip(value, 0, 1) * 100)
