"""The options of ``python -m analysis``: every plan field can be given on the command line."""

from __future__ import annotations

import argparse

from .plan import CALIBRATIONS, DESIGNS, INTERVALS, LONELY_PSU, VARIANCES

__all__ = ["UsageError", "build_parser"]


class UsageError(Exception):
    """A bad option; reported as one line with exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line instead of usage + error
        raise UsageError(f"{self.prog}: {message} (see --help)")


def _choices(option: str, allowed):
    """An argparse type: a comma-separated list of allowed values."""

    def parse(text: str) -> list[str]:
        values = [v.strip() for v in text.split(",")]
        bad = [v for v in values if v not in allowed]
        if bad:
            raise UsageError(f"{option} {bad[0]!r}: choose from {', '.join(allowed)}")
        return list(dict.fromkeys(values))

    return parse


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m analysis``."""
    p = _Parser(
        prog="python -m analysis",
        description="Weighted satisfaction indices per commune, district and overall, with "
        "linearized standard errors matching R's survey package.",
    )
    p.add_argument(
        "--responses",
        required=True,
        metavar="FILE",
        help="responses CSV/XLSX, one row per respondent",
    )
    pop = p.add_mutually_exclusive_group()
    pop.add_argument(
        "--cells", metavar="FILE", help="population cells: commune, <variables...>, count"
    )
    pop.add_argument(
        "--margins", metavar="FILE", help="population margins: commune, variable, level, count"
    )
    p.add_argument(
        "--item-weights", metavar="FILE", help="item, weight[, group] for the weighted composite"
    )
    p.add_argument(
        "--hamlet-population",
        metavar="FILE",
        help="commune, hamlet, population: design weight = hamlet population ÷ hamlet sample",
    )
    p.add_argument(
        "--plan",
        metavar="FILE",
        help="analysis plan (JSON); options given beside it override its fields",
    )
    p.add_argument(
        "--plan-out", metavar="FILE", help="also write the plan this run used (JSON)"
    )
    p.add_argument(
        "--hamlet-counts",
        metavar="FILE",
        help="commune, hamlets: hamlets in each commune's population (finite-population correction)",
    )
    p.add_argument(
        "--design",
        type=_choices("--design", DESIGNS),
        help="auto, stratified or clustered; several, comma-separated, give one table for each (stacked)",
    )
    p.add_argument(
        "--weighting",
        type=_choices("--weighting", CALIBRATIONS),
        help="none, poststratify or rake; several, comma-separated, as --design",
    )
    p.add_argument(
        "--design-weights",
        choices=["auto", "one", "given", "hamlet"],
        help="auto: the design_weight column if present, else hamlet populations if given, else 1",
    )
    p.add_argument(
        "--items", help="comma-separated item columns (default: every non-reserved column)"
    )
    p.add_argument("--out", required=True, metavar="FILE", help="long table, .csv or .xlsx")
    p.add_argument(
        "--weights-out", metavar="FILE", help="also write one row per respondent with its weight"
    )
    p.add_argument(
        "--reliability-out",
        metavar="FILE",
        help="also write Cronbach's alpha and item-total correlations",
    )
    p.add_argument(
        "--diagnostics-out",
        metavar="FILE",
        help="also write weight diagnostics per commune (min, max, ratio, Kish n_eff, deff_w)",
    )
    p.add_argument(
        "--drivers-out",
        metavar="FILE",
        help="also write a weighted ordinal-logit model of --outcome on the items",
    )
    p.add_argument(
        "--outcome", metavar="COLUMN", help="overall satisfaction column for --drivers-out"
    )
    p.add_argument(
        "--satisfied-min", type=int, help="answers ≥ this are satisfied (default 4)"
    )
    p.add_argument(
        "--dissatisfied-max",
        type=int,
        help="answers ≤ this are dissatisfied (default 2)",
    )
    p.add_argument("--scale-max", type=int, help="highest answer code (default 5)")
    p.add_argument("--conf-level", type=float)
    p.add_argument(
        "--ci",
        choices=list(INTERVALS),
        help="beta (default): Korn-Graubard for shares, logit on the answer scale for means; logit: "
        "logit-t for shares and t for means; t; normal",
    )
    p.add_argument(
        "--lonely-psu",
        choices=list(LONELY_PSU),
        help="R's survey.lonely.psu rule for a commune with one sampled hamlet or respondent "
        "(default adjust; fail refuses such a commune)",
    )
    p.add_argument(
        "--variance",
        choices=list(VARIANCES),
        help="linearization (default), jkn (delete-one-hamlet jackknife) or bootstrap (Rao-Wu); "
        "replicates are re-calibrated",
    )
    p.add_argument("--replicates", type=int, help="bootstrap replicates (default 500)")
    p.add_argument("--seed", type=int, help="bootstrap random seed (default 20260101)")
    p.add_argument(
        "--collapse",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="merge empty calibration cells within a commune (default) or refuse them (--no-collapse)",
    )
    p.add_argument(
        "--target",
        action="append",
        default=None,
        metavar="LEVEL:MEASURE:VALUE[:ITEM]",
        help="pass/fail target judged on the CI bound, e.g. commune:prop_sat:0.8 (repeatable; "
        "replaces the defaults commune:prop_sat:0.8 and district:prop_sat:0.9)",
    )
    p.add_argument(
        "--min-n-eff",
        type=float,
        help="flag areas whose Kish effective n is below this",
    )
    p.add_argument(
        "--trim",
        metavar="LOW,HIGH",
        help="bounds on weight ÷ commune mean weight, then re-calibrate",
    )
    p.add_argument(
        "--epsilon", type=float, help="raking tolerance relative to Σ weights"
    )
    p.add_argument("--max-iter", type=int, help="raking iteration cap")
    return p
