"""Pass/fail flags against configurable targets, judged on the interval's lower bound.

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
    """Add ``target``, ``meets_target`` and ``low_n_eff`` columns to the long table.

    ``meets_target`` is True when ``ci_lo ≥ target`` (``ci_hi ≤ target`` for ``prop_dissat``,
    where lower is better), False otherwise, and empty where no rule applies. A later rule
    overrides an earlier one for the same rows. ``low_n_eff`` flags a Kish effective n below
    ``min_n_eff``.
    """
    out = table.copy()
    target = np.full(len(out), np.nan)
    for rule in rules:
        hit = ((out["level"] == rule.level) & (out["measure"] == rule.measure)).to_numpy()
        if rule.item != "*":
            hit &= (out["item"] == rule.item).to_numpy()
        target[hit] = rule.target
    lower_better = (out["measure"] == "prop_dissat").to_numpy()
    with np.errstate(invalid="ignore"):
        ok = np.where(
            lower_better, out["ci_hi"].to_numpy() <= target, out["ci_lo"].to_numpy() >= target
        )
    out["target"] = target
    out["meets_target"] = pd.array(np.where(np.isnan(target), None, ok), dtype="boolean")
    out["low_n_eff"] = (out["n_eff_kish"].to_numpy() < min_n_eff) | np.isnan(
        out["n_eff_kish"].to_numpy()
    )
    return out
