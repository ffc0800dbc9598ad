"""Verdicts against configurable targets, judged on the whole interval, never on a small sample.

Targets differ by province and period (e.g. QĐ 320/2022: share satisfied ≥ 80% per item per commune,
≥ 90% per district), so they are parameters, never constants of the engine.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["DEFAULT_RULES", "ThresholdRule", "apply_thresholds", "parse_rule"]


@dataclass(frozen=True)
class ThresholdRule:
    """Target for one measure at one level: estimate's CI lower bound ≥ target passes.

    ``item`` is an item code, ``composite_*`` or ``"*"`` for every row of the level and measure.
    """

    level: str
    measure: str
    target: float
    item: str = "*"


DEFAULT_RULES = (
    ThresholdRule("commune", "prop_sat", 0.80),
    ThresholdRule("district", "prop_sat", 0.90),
)


def parse_rule(text: str) -> ThresholdRule:
    """Parse ``level:measure:target[:item]``, e.g. ``commune:prop_sat:0.8``."""
    parts = text.split(":")
    if len(parts) not in (3, 4):
        raise ValueError(f"threshold {text!r} is not level:measure:target[:item]")
    level, measure = parts[0], parts[1]
    if level not in ("commune", "district", "overall"):
        raise ValueError(f"threshold {text!r}: level must be commune, district or overall")
    if measure not in ("mean", "score", "prop_sat", "prop_dissat"):
        raise ValueError(
            f"threshold {text!r}: measure must be mean, score, prop_sat or prop_dissat"
        )
    try:
        target = float(parts[2])
    except ValueError:
        raise ValueError(f"threshold {text!r}: target {parts[2]!r} is not a number") from None
    return ThresholdRule(level, measure, target, parts[3] if len(parts) == 4 else "*")


def apply_thresholds(table: pd.DataFrame, rules, *, min_n_eff: float = 30.0) -> pd.DataFrame:
    """Add ``target``, ``verdict``, ``meets_target`` and ``low_n_eff`` columns to the long table.

    ``verdict`` is three-way where a rule applies: ``meets`` when the whole interval lies at or above
    the target, ``does not meet`` when it lies below, ``cannot tell`` otherwise (for
    ``prop_dissat``, where lower is better, mirrored); a row whose Kish effective n is below
    ``min_n_eff`` (or unknown) reads ``not enough responses`` and is never judged. ``meets_target``
    is True for ``meets``, False for ``does not meet`` and ``cannot tell`` (not shown to meet), empty
    where no rule applies or the row is not judged. A later rule overrides an earlier one.
    """
    out = table.copy()
    target = np.full(len(out), np.nan)
    for rule in rules:
        hit = ((out["level"] == rule.level) & (out["measure"] == rule.measure)).to_numpy()
        if rule.item != "*":
            hit &= (out["item"] == rule.item).to_numpy()
        target[hit] = rule.target
    lo, hi = out["ci_lo"].to_numpy(float), out["ci_hi"].to_numpy(float)
    lower_better = (out["measure"] == "prop_dissat").to_numpy()
    n_eff = out["n_eff_kish"].to_numpy(float)
    low = ~(n_eff >= min_n_eff)
    with np.errstate(invalid="ignore"):
        meets = np.where(lower_better, hi <= target, lo >= target)
        fails = np.where(lower_better, lo > target, hi < target)
    judged = ~np.isnan(target) & ~low
    verdict = np.select(
        [np.isnan(target), low, meets, fails], ["", "not enough responses", "meets", "does not meet"], "cannot tell"
    )
    out["target"] = target
    out["verdict"] = verdict
    out["meets_target"] = pd.array(np.where(judged, meets, None), dtype="boolean")
    out["low_n_eff"] = low
    return out
