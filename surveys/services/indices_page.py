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

from surveys.models import Survey, SurveyArea
from surveys.services.indices import (
    DESIGNS,
    TARGETS,
    IndicesUnavailable,
    compute_survey_indices,
    rating_data,
    weightings_for,
)

COMPOSITE = "composite_equal"  # the equal-weight mean of the items, the page's headline index
DESIGN_LABELS = {
    "stratified": _l("Phân tầng theo xã, người trả lời là đơn vị"),
    "clustered": _l("Phân tầng theo xã, chùm theo ấp"),
}
WEIGHTING_LABELS = {
    "equal": _l("Bằng nhau"),
    "hamlet": _l("Theo số hộ của ấp ÷ số phiếu của ấp"),
    "margins": _l("Theo tỷ lệ dân số đã nạp (gia quyền lặp)"),
    "hamlet_margins": _l("Theo số hộ của ấp, rồi theo cơ cấu dân số (gia quyền lặp)"),
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

    design: str
    weighting: str
    designs: list[tuple[str, str]]
    weightings: list[tuple[str, str]]
    can_rake: bool
    problem: str | None = None
    table: pd.DataFrame | None = None
    chart: Chart | None = None
    areas: list[AreaRow] = field(default_factory=list)
    items: list[ItemRow] = field(default_factory=list)

    @property
    def weighting_label(self) -> str:
        return str(WEIGHTING_LABELS[self.weighting])


def indices_page(
    session: Session, survey: Survey, links: Sequence[SurveyArea], *, design: str | None, weighting: str | None
) -> IndicesPage:
    """The indices of the communes in ``links`` (the viewer's scope) with the chosen design and weighting.

    An unknown design or weighting falls back to the first one offered.
    """
    offered = weightings_for(survey)
    design = design if design in DESIGNS else DESIGNS[0]
    weighting = weighting if weighting in offered else offered[0]
    page = IndicesPage(
        design=design, weighting=weighting, can_rake="margins" in offered,
        designs=[(value, str(DESIGN_LABELS[value])) for value in DESIGNS],
        weightings=[(value, str(WEIGHTING_LABELS[value])) for value in offered],
    )
    try:
        table = compute_survey_indices(rating_data(session, survey, links), design=design, weighting=weighting)
    except IndicesUnavailable as exc:
        return replace(page, problem=str(exc))
    names = area_names(survey, links)
    labels = {q.code: q.text for q in survey.current_version.questions}
    bars = composite_bars(table, names)
    return replace(page, table=table, chart=_chart(bars), areas=_area_rows(table, names),
                   items=_item_rows(table, labels))


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


def _chart(bars: list[Bar]) -> Chart:
    """Each level's target as a line across that level's bars (communes 80 %, districts 90 % by default)."""
    lines = []
    for rule in TARGETS:
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


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _percent(value: float) -> float:
    return 0.0 if _missing(value) else float(np.clip(value, 0, 1) * 100)
