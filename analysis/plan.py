"""The analysis plan: every choice behind a table, frozen, named, versioned and saved as JSON.

A plan is what an analyst signs: the design, the weights, the calibration, the "satisfied" rule,
the composite's weights, the targets, the minimum effective sample size and the interval and
variance methods. ``python -m analysis --plan FILE`` and :func:`run_plan` give the same table from
the same plan, and :func:`analysis.method.describe_plan` writes the method paragraph that tables and
exports print beside it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace
from datetime import date

import pandas as pd

from .thresholds import ThresholdRule

__all__ = [
    "DEFAULT_TARGETS",
    "PLAN_FORMAT",
    "AnalysisPlan",
    "CriterionWeight",
    "ItemWeight",
    "LevelTarget",
    "PlanError",
    "load_plan",
    "dump_plan",
]

PLAN_FORMAT = 1  # the layout of the JSON file; a plan's own ``version`` counts its revisions
DESIGNS = ("auto", "clustered", "stratified")
DESIGN_WEIGHTS = ("auto", "one", "given", "hamlet")
CALIBRATIONS = ("rake", "poststratify", "none")
INTERVALS = ("beta", "logit", "t", "normal")
LONELY_PSU = ("adjust", "fail", "remove", "certainty", "average")
VARIANCES = ("linearization", "jkn", "bootstrap")
LEVELS = ("commune", "district", "overall")
MEASURES = ("mean", "score", "prop_sat", "prop_dissat")


class PlanError(ValueError):
    """A plan (or plan file) that cannot be used; the message names the field."""


def _iso_date(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        raise PlanError(f"{what} {text!r} is not a date YYYY-MM-DD") from None


@dataclass(frozen=True)
class LevelTarget:
    """A target for one measure at one level, in force from ``valid_from`` to ``valid_until``.

    Dates are ISO strings (inclusive) or None (open). A level abolished by a reform (the districts,
    from 1 July 2025) keeps its old target with an end date, so a survey after that date is not
    judged against it.
    """

    level: str
    value: float
    measure: str = "prop_sat"
    item: str = "*"
    valid_from: str | None = None
    valid_until: str | None = None

    def __post_init__(self):
        if self.level not in LEVELS:
            raise PlanError(f"target level must be one of {', '.join(LEVELS)}, not {self.level!r}")
        if self.measure not in MEASURES:
            raise PlanError(f"target measure must be one of {', '.join(MEASURES)}, not {self.measure!r}")
        for name in ("valid_from", "valid_until"):
            if getattr(self, name) is not None:
                _iso_date(getattr(self, name), f"target {name}")

    def in_force_on(self, day: date | None) -> bool:
        """Whether the target applies to a survey of that date (every target, when no date)."""
        if day is None:
            return True
        start = _iso_date(self.valid_from, "valid_from") if self.valid_from else date.min
        end = _iso_date(self.valid_until, "valid_until") if self.valid_until else date.max
        return start <= day <= end


# QĐ 320/QĐ-TTg (2022): ≥ 80 % satisfied per item in a commune, ≥ 90 % at district level. The
# district level ended with the 2025 reform of local government (two levels from 1 July 2025).
DEFAULT_TARGETS = (
    LevelTarget("commune", 0.80),
    LevelTarget("district", 0.90, valid_until="2025-06-30"),
)


@dataclass(frozen=True)
class ItemWeight:
    """An item's weight in the composite and the criterion (group of items) it belongs to."""

    item: str
    weight: float
    criterion: str = ""


@dataclass(frozen=True)
class CriterionWeight:
    """A criterion's weight in the composite; its items share it in proportion to their weights."""

    criterion: str
    weight: float


@dataclass(frozen=True)
class AnalysisPlan:
    """Every choice of an analysis; the defaults are the statistically right ones.

    design : ``auto`` clusters by hamlet whenever hamlets are recorded (respondents of a hamlet
        resemble each other; ignoring it understates the variance), else stratifies by commune.
    design_weights : ``auto`` (the ``design_weight`` column, else hamlet population ÷ respondents,
        else 1), ``one``, ``given`` or ``hamlet``.
    calibration : ``rake`` to per-commune margins, ``poststratify`` to per-commune cells, ``none``.
    collapse : merge empty calibration cells within a commune instead of stopping the run.
    lonely_psu : R's ``survey.lonely.psu`` rule for a commune with one sampled hamlet (or respondent).
    ci : ``beta`` (Korn–Graubard shares, logit means), ``logit``, ``t`` or ``normal``.
    variance : ``linearization``, ``jkn`` (delete-one-hamlet jackknife) or ``bootstrap`` (Rao–Wu,
        ``replicates`` draws from ``seed``, so a saved plan reproduces its figures).
    survey_date : ISO date of the fieldwork; targets not in force that day are not applied.
    """

    name: str = "default"
    version: int = 1
    design: str = "auto"
    design_weights: str = "auto"
    calibration: str = "rake"
    collapse: bool = True
    trim: tuple[float, float] | None = None
    satisfied_min: int = 4
    dissatisfied_max: int = 2
    scale_max: int = 5
    item_weights: tuple[ItemWeight, ...] = ()
    criterion_weights: tuple[CriterionWeight, ...] = ()
    targets: tuple[LevelTarget, ...] = DEFAULT_TARGETS
    survey_date: str | None = None
    min_n_eff: float = 30.0
    ci: str = "beta"
    conf_level: float = 0.95
    lonely_psu: str = "adjust"
    variance: str = "linearization"
    replicates: int = 500
    seed: int = 20260101
    epsilon: float = 1e-12
    max_iter: int = 1000

    def __post_init__(self):
        for name, allowed in (
            ("design", DESIGNS),
            ("design_weights", DESIGN_WEIGHTS),
            ("calibration", CALIBRATIONS),
            ("ci", INTERVALS),
            ("lonely_psu", LONELY_PSU),
            ("variance", VARIANCES),
        ):
            if getattr(self, name) not in allowed:
                raise PlanError(f"{name} must be one of {', '.join(allowed)}, not {getattr(self, name)!r}")
        if not self.name.strip():
            raise PlanError("a plan needs a name")
        if not isinstance(self.version, int) or self.version < 1:
            raise PlanError("version must be a whole number ≥ 1")
        if not 1 <= self.dissatisfied_max < self.satisfied_min <= self.scale_max:
            raise PlanError("need 1 ≤ dissatisfied_max < satisfied_min ≤ scale_max")
        if not 0 < self.conf_level < 1:
            raise PlanError("conf_level must lie strictly between 0 and 1")
        if self.trim is not None and not (len(self.trim) == 2 and 0 <= self.trim[0] < 1 < self.trim[1]):
            raise PlanError("trim must be [LOW, HIGH] with 0 ≤ LOW < 1 < HIGH")
        if not isinstance(self.replicates, int) or self.replicates < 2:
            raise PlanError("replicates must be a whole number ≥ 2")
        if self.survey_date is not None:
            _iso_date(self.survey_date, "survey_date")
        if self.criterion_weights and not self.item_weights:
            raise PlanError("criterion weights need item weights naming each item's criterion")
        known = {c.criterion for c in self.criterion_weights}
        lacking = sorted({w.criterion for w in self.item_weights} - known) if known else []
        if lacking:
            raise PlanError(f"criterion {lacking[0]!r} has items but no criterion weight")

    @property
    def label(self) -> str:
        """``name v<version>``: how tables and exports name the plan."""
        return f"{self.name} v{self.version}"

    def resolve_design(self, frame: pd.DataFrame) -> str:
        """The design for these responses: ``auto`` is clustered when every row names its hamlet."""
        if self.design != "auto":
            return self.design
        if "hamlet" not in frame.columns:
            return "stratified"
        hamlets = frame["hamlet"].astype(str).str.strip()
        return "clustered" if len(hamlets) and (hamlets != "").all() else "stratified"

    def threshold_rules(self) -> tuple[ThresholdRule, ...]:
        """The targets in force at the survey's date, as rules for :func:`apply_thresholds`."""
        day = _iso_date(self.survey_date, "survey_date") if self.survey_date else None
        return tuple(
            ThresholdRule(t.level, t.measure, t.value, t.item) for t in self.targets if t.in_force_on(day)
        )

    def item_weight_frame(self) -> pd.DataFrame | None:
        """``item, weight, group`` for the composite, criterion weights folded into item weights.

        An item k of criterion c weighs b_c a_k / Σ_{j∈c} a_j, so each criterion carries its
        share b_c of the composite and its items share it in proportion to a_k.
        """
        if not self.item_weights:
            return None
        frame = pd.DataFrame([asdict(w) for w in self.item_weights])
        if self.criterion_weights:
            b = {c.criterion: c.weight for c in self.criterion_weights}
            within = frame.groupby("criterion")["weight"].transform("sum")
            frame["weight"] = frame["criterion"].map(b) * frame["weight"] / within
        return frame.rename(columns={"criterion": "group"})


def dump_plan(plan: AnalysisPlan) -> str:
    """The plan as JSON text (``format`` first, then every field)."""
    data = {"format": PLAN_FORMAT, **asdict(plan)}
    data["trim"] = list(plan.trim) if plan.trim else None
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def load_plan(text: str, *, source: str = "<plan>") -> AnalysisPlan:
    """Read a plan from JSON text: unknown fields are refused, missing ones take the defaults."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PlanError(f"{source}: not JSON ({exc.msg}, line {exc.lineno})") from None
    if not isinstance(data, dict) or data.pop("format", None) != PLAN_FORMAT:
        raise PlanError(f"{source}: not an analysis plan of format {PLAN_FORMAT}")
    names = {f.name for f in fields(AnalysisPlan)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise PlanError(f"{source}: unknown field {unknown[0]!r}")
    try:
        for name, kind in (("item_weights", ItemWeight), ("criterion_weights", CriterionWeight),
                           ("targets", LevelTarget)):
            if name in data:
                data[name] = tuple(kind(**entry) for entry in data[name])
        if data.get("trim") is not None:
            data["trim"] = tuple(float(x) for x in data["trim"])
        return AnalysisPlan(**data)
    except PlanError as exc:
        raise PlanError(f"{source}: {exc}") from None
    except TypeError as exc:
        raise PlanError(f"{source}: {exc}") from None



def with_overrides(plan: AnalysisPlan, **changes) -> AnalysisPlan:
    """A copy of the plan with the given fields changed (None values are ignored)."""
    return replace(plan, **{k: v for k, v in changes.items() if v is not None})
