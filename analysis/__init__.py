"""Weighted satisfaction indices that agree with R's ``survey`` package.

Pure numerics: imports numpy, pandas, scipy, statsmodels and the standard library only.

Public API
----------
compute_indices(responses, items=None, *, design, weighting, cells, margins, item_weights, ...)
    -> ResultTable (``.to_frame()`` is the long table)
compute_weights(responses, *, weighting, cells, margins, ...) -> WeightResult
cronbach_alpha(items_frame) -> AlphaResult
fit_drivers(frame, outcome, predictors, weights) -> DataFrame
apply_thresholds(table, rules, *, min_n_eff=30) -> DataFrame
write_table(table, fileobj, fmt="csv")
AnalysisPlan(...), load_plan(text), dump_plan(plan), run_plan(plan, responses, ...) -> ResultTable
describe_plan(plan, lang="vi"|"en") -> the method paragraph
"""

from .api import ResultTable, compute_indices, compute_weights, run_plan
from .data import InputError, read_table
from .estimates import COLUMNS, MEASURES, EstimateOptions, estimate_indices
from .exports import write_table
from .method import describe_plan
from .plan import AnalysisPlan, PlanError, dump_plan, load_plan
from .reliability import AlphaResult, cronbach_alpha, fit_drivers
from .thresholds import DEFAULT_RULES, ThresholdRule, apply_thresholds, parse_rule
from .weights import WeightingError, WeightResult, calibrate, design_weights

__all__ = [
    "AnalysisPlan",
    "PlanError",
    "describe_plan",
    "dump_plan",
    "load_plan",
    "run_plan",
    "COLUMNS",
    "DEFAULT_RULES",
    "MEASURES",
    "AlphaResult",
    "EstimateOptions",
    "InputError",
    "ResultTable",
    "ThresholdRule",
    "WeightResult",
    "WeightingError",
    "apply_thresholds",
    "calibrate",
    "compute_indices",
    "compute_weights",
    "cronbach_alpha",
    "design_weights",
    "estimate_indices",
    "fit_drivers",
    "parse_rule",
    "read_table",
    "write_table",
]
