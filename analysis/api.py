"""One-call entry point: responses in, the long table of indices out."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .collapse import collapse_empty_cells
from .data import (
    Responses,
    validate_cells,
    validate_hamlet_population,
    validate_item_weights,
    validate_margins,
    validate_responses,
)
from .estimates import EstimateOptions, estimate_indices
from .skipped import communes_by_district, with_skipped_communes, without_communes
from .thresholds import DEFAULT_RULES, ThresholdRule, apply_thresholds
from .weights import WeightingError, WeightResult, calibrate, design_weights

if TYPE_CHECKING:
    from .plan import AnalysisPlan

__all__ = ["ResultTable", "compute_indices", "compute_weights", "run_plan"]


@dataclass(frozen=True, eq=False)
class ResultTable:
    """Result of :func:`compute_indices`: the long table plus the weights behind it."""

    table: pd.DataFrame
    weights: WeightResult
    responses: Responses
    options: EstimateOptions
    plan: AnalysisPlan | None = None

    def to_frame(self) -> pd.DataFrame:
        """Return (a copy of) the long table."""
        return self.table.copy()

    def weights_frame(self) -> pd.DataFrame:
        """Return one row per respondent: id (if any), commune, design weight and final weight."""
        frame = self.responses.frame
        out = pd.DataFrame({"commune": frame["commune"].to_numpy()})
        if "id" in frame.columns:
            out.insert(0, "id", frame["id"].to_numpy())
        out["design_weight"] = self.weights.design
        out["weight"] = self.weights.final
        return out


def compute_weights(
    responses: pd.DataFrame | Responses,
    *,
    weighting: str = "none",
    cells=None,
    margins=None,
    design_weights_from: str = "auto",
    hamlet_population=None,
    epsilon: float = 1e-12,
    max_iter: int = 1000,
    trim=None,
    require_hamlets: bool = False,
    allow_lonely: bool = False,
) -> WeightResult:
    """Compute design weights and calibrate them within each commune (see :func:`calibrate`).

    ``design_weights_from="auto"`` uses the ``design_weight`` column when present, else hamlet
    populations when given, else 1.
    """
    frame = responses.frame if isinstance(responses, Responses) else responses
    if cells is not None:
        cells, _ = validate_cells(cells)
    if margins is not None:
        margins, _ = validate_margins(margins)
    if hamlet_population is not None:
        hamlet_population = validate_hamlet_population(hamlet_population)
    source = design_weights_from
    if source == "auto":
        source = (
            "given"
            if "design_weight" in frame.columns
            else "hamlet"
            if hamlet_population is not None
            else "one"
        )
    d = design_weights(frame, source, hamlet_population=hamlet_population)
    return calibrate(
        frame,
        d,
        method=weighting,
        cells=cells,
        margins=margins,
        epsilon=epsilon,
        max_iter=max_iter,
        trim=trim,
        require_hamlets=require_hamlets,
        allow_lonely=allow_lonely,
    )


def _population(weighting: str, cells, margins) -> tuple[pd.DataFrame | None, tuple[str, ...]]:
    """The validated cells (post-stratification) or margins (raking) and their variables."""
    if weighting == "poststratify":
        if cells is None:
            raise ValueError("weighting='poststratify' needs cells")
        return validate_cells(cells)
    if weighting == "rake":
        if margins is None:
            raise ValueError("weighting='rake' needs margins")
        return validate_margins(margins)
    if weighting != "none":
        raise ValueError(f"unknown weighting {weighting!r}")
    return None, ()


SKIPPABLE = ("no_population", "not_converged")  # what a commune's own small sample can cause


def _weigh(resp: Responses, weigh, method: str, population, variables, collapse: bool):
    """Collapse (when asked) and calibrate; with collapse on, a commune that still cannot be
    calibrated (no population figures, raking that cannot meet its margins) is left out and named,
    and the others are weighted without it. Errors in the files (a level the population lacks,
    margins that disagree) still refuse, pointing at the line to correct.

    Returns the responses used, the weights, the collapse actions (None when off) and the skipped
    communes with their reasons.
    """
    skipped: dict[str, str] = {}
    while True:
        used = without_communes(resp, skipped)
        frame, actions, pop = used.frame, ({} if collapse else None), population
        if collapse and method != "none":
            collapsed = collapse_empty_cells(frame, population, method, variables)
            frame, actions, pop = collapsed.frame, collapsed.actions, collapsed.population
        key = "cells" if method == "poststratify" else "margins"
        try:
            return used, weigh(frame, **({key: pop} if method != "none" else {})), actions, skipped
        except WeightingError as exc:
            if not collapse or exc.reason not in SKIPPABLE or exc.commune in skipped:
                raise
            skipped[exc.commune] = str(exc)
            if len(skipped) == resp.frame["commune"].nunique():
                raise


def compute_indices(
    responses: pd.DataFrame, items=None, *, design: str = "stratified", weighting: str = "none",
    cells: pd.DataFrame | None = None, margins: pd.DataFrame | None = None, item_weights: pd.DataFrame | None = None,
    design_weights_from: str = "auto", hamlet_population: pd.DataFrame | None = None, satisfied_min: int = 4,
    dissatisfied_max: int = 2, conf_level: float = 0.95, ci: str = "logit", epsilon: float = 1e-12,
    max_iter: int = 1000, trim: tuple[float, float] | None = None,
    thresholds: tuple[ThresholdRule, ...] | None = DEFAULT_RULES, min_n_eff: float = 30.0, scale_max: int = 5,
    levels=("commune", "district", "overall"), sources: dict[str, str] | None = None, lonely_psu: str = "fail",
    collapse: bool = False, variance: str = "linearization", hamlet_counts: pd.DataFrame | None = None,
    replicates: int = 500, seed: int = 20260101,
) -> ResultTable:
    """Weight the responses and estimate every item and composite index per domain.

    Parameters
    ----------
    responses : DataFrame
        One row per respondent (``id``, ``district``, ``commune``, ``hamlet``, weighting variables, optional
        ``design_weight``, item columns 1..scale_max with NaN/empty/``NA`` = no answer).
    items : list of str, optional
        Item columns (default: every non-reserved column, see :func:`validate_responses`).
    design : {"stratified", "clustered"}
        Strata = communes; PSUs = respondents or hamlets; with replacement.
    weighting : {"none", "poststratify", "rake"}
    cells, margins : DataFrame, optional
        Population cells ``commune, <vars>, count`` or margins ``commune, variable, level, count``.
    item_weights : DataFrame, optional
        ``item, weight[, group]``: adds ``composite_weighted`` (and group composites).
    thresholds : tuple of ThresholdRule, optional
        Targets judged on the interval's lower bound (None: no flag columns).
    min_n_eff : float
        Flag ``low_n_eff`` below this Kish effective n.
    sources : dict, optional
        Names for error messages: ``{"responses": "file.csv", "item_weights": ...}``.
    lonely_psu : {"fail", "remove", "adjust", "certainty", "average"}
        R's ``survey.lonely.psu`` rule for a commune with one sampled hamlet (clustered) or one respondent
        (stratified); ``fail`` refuses such a commune (see :mod:`analysis.variance`).
    variance : {"linearization", "jkn", "bootstrap"}
        Taylor linearization, the delete-one-hamlet jackknife, or the Rao–Wu bootstrap of ``replicates`` draws
        from ``seed``; replicates are re-calibrated (clustered design only; see :mod:`analysis.replicates`).
    hamlet_counts : DataFrame, optional
        ``commune, hamlets`` (in the population): finite-population correction of the clustered linearized variance.
    collapse : bool
        Within a commune, merge calibration cells that have population but no respondent (see
        :mod:`analysis.collapse`) instead of refusing; adds a ``collapse`` column saying what was done.

    Returns
    -------
    ResultTable
        ``.to_frame()`` gives the long table (columns ``level, area, item, measure, estimate, se, ci_lo, ci_hi,
        df, deff, n_obs, wsum, n_eff_kish`` plus flags).
    """
    options = EstimateOptions(design=design, satisfied_min=satisfied_min, dissatisfied_max=dissatisfied_max, ci=ci,
                              conf_level=conf_level, levels=tuple(levels), lonely_psu=lonely_psu, variance=variance,
                              replicates=replicates, seed=seed)
    weigh = _weigher(options, weighting, design_weights_from, hamlet_population, epsilon, max_iter, trim)
    resp, item_weights, population, variables = _validated(responses, items, item_weights, weighting, cells, margins,
                                                           design_weights_from, options, scale_max, sources)
    resp, wr, actions, skipped = _weigh(resp, weigh, weighting, population, variables, collapse)
    table = estimate_indices(resp, wr, options=options, item_weights=item_weights, hamlet_counts=hamlet_counts)
    return _result(table, resp, wr, options, responses, skipped, actions, thresholds, min_n_eff)


def _weigher(options, weighting, design_weights_from, hamlet_population, epsilon, max_iter, trim):
    """:func:`compute_weights` with the calibration settings bound; replicate variances refuse trimming."""
    if options.variance != "linearization" and trim is not None:
        raise ValueError("replicate variances re-calibrate without trimming: use trim with linearization")
    return partial(
        compute_weights,
        weighting=weighting,
        design_weights_from=design_weights_from,
        hamlet_population=hamlet_population,
        epsilon=epsilon,
        max_iter=max_iter,
        trim=trim,
        require_hamlets=options.design == "clustered",
        allow_lonely=options.lonely_psu != "fail",
    )


def _validated(responses, items, item_weights, weighting, cells, margins, design_weights_from, options, scale_max,
               sources):
    """Validated responses and item weights, the population table and its weighting variables.

    ``sources`` names the tables in error messages.
    """
    sources = {"responses": "<responses>", "item_weights": "<item weights>", **(sources or {})}
    population, weighting_vars = _population(weighting, cells, margins)
    required = ["commune"] + (["hamlet"] if options.design == "clustered" else [])
    given = design_weights_from == "given" or (
        design_weights_from == "auto" and "design_weight" in responses.columns
    )
    resp = validate_responses(
        responses,
        items,
        required=required,
        weighting_vars=weighting_vars,
        design_weight=given,
        scale_max=scale_max,
        source=sources["responses"],
    )
    if item_weights is not None:
        item_weights = validate_item_weights(item_weights, resp.items, source=sources["item_weights"])
    return resp, item_weights, population, weighting_vars


def _result(table, resp, wr, options, responses, skipped, actions, thresholds, min_n_eff) -> ResultTable:
    """The estimates with the skipped communes' rows, the threshold flags and, when collapsing, the collapse column."""
    if skipped:
        table = with_skipped_communes(table, skipped, communes_by_district(responses))
    if thresholds is not None:
        table = apply_thresholds(table, thresholds, min_n_eff=min_n_eff)
    if actions is not None:
        commune_rows = (table["level"] == "commune").to_numpy()
        table["collapse"] = np.where(commune_rows, table["area"].map(lambda area: actions.get(area, "")).to_numpy(), "")
    return ResultTable(table=table, weights=wr, responses=resp, options=options)


def run_plan(
    plan: AnalysisPlan,
    responses: pd.DataFrame,
    items=None,
    *,
    cells: pd.DataFrame | None = None,
    margins: pd.DataFrame | None = None,
    hamlet_population: pd.DataFrame | None = None,
    item_weights: pd.DataFrame | None = None,
    hamlet_counts: pd.DataFrame | None = None,
    sources: dict[str, str] | None = None,
) -> ResultTable:
    """Compute the indices as ``plan`` says; the one path the command line and the platform share.

    ``item_weights`` (a table) replaces the plan's own item and criterion weights when given. The
    table gains a ``plan`` column (``name v<version>``) so every copy of it names its plan.
    """
    result = compute_indices(
        responses,
        items,
        design=plan.resolve_design(responses),
        weighting=plan.calibration,
        cells=cells if plan.calibration == "poststratify" else None,
        margins=margins if plan.calibration == "rake" else None,
        item_weights=item_weights if item_weights is not None else plan.item_weight_frame(),
        design_weights_from=plan.design_weights,
        hamlet_population=hamlet_population,
        satisfied_min=plan.satisfied_min,
        dissatisfied_max=plan.dissatisfied_max,
        conf_level=plan.conf_level,
        ci=plan.ci,
        epsilon=plan.epsilon,
        max_iter=plan.max_iter,
        trim=plan.trim,
        thresholds=plan.threshold_rules(),
        min_n_eff=plan.min_n_eff,
        scale_max=plan.scale_max,
        sources=sources,
        lonely_psu=plan.lonely_psu,
        collapse=plan.collapse,
        variance=plan.variance,
        hamlet_counts=hamlet_counts,
        replicates=plan.replicates,
        seed=plan.seed,
    )
    return replace(result, table=result.table.assign(plan=plan.label), plan=plan)
