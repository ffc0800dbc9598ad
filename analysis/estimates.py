"""Domain means, shares and composite indices with Taylor-linearized standard errors.

The estimator reproduces R ``survey`` 4.1 (``svymean(~q, design, na.rm=TRUE, deff=TRUE)``, ``svyby``,
``svyratio`` + ``svycontrast``, ``svyciprop(method="logit")``) for designs stratified by commune
with respondents or hamlets as primary sampling units, sampled with replacement.

Every item answer is a code v ∈ {0 (no answer), 1, …, scale_max}, so every linearized value
depends only on the respondent's joint calibration cell j and answer v. The estimator therefore
aggregates weights once per item on a (unit × cell × answer) grid with ``np.bincount`` and does all
further algebra on that small grid; only the stratified composite needs one gather per item.

Notes
-----
For a domain g (commune, district = set of communes, overall = all communes) and a variable f(v)
(the answer, 1{v ≥ s} or 1{v ≤ t}), with a(v) = 1{v ≥ 1}:

* N̂_g = Σ_{i∈g} w_i a_i,  R_g = Σ_{i∈g} w_i a_i f_i / N̂_g.
* u_i = 1{i∈g} a_i (f_i − R_g) / N̂_g  (Binder 1983; Lumley 2010, §2.2).
* Calibration residual (R ``svyrecvar``): post-stratification subtracts the w-weighted cell mean of
  u (all sampled people of the cell, those who skipped included); raking subtracts, alternately and
  for ``rake_rounds`` rounds (R uses 10), the unweighted mean of u within each margin cell.
* e_i = w_i u_i; V = Σ_h n_h/(n_h − 1) Σ_{k∈h} (t_k − t̄_h)² over PSU totals t_k of stratum h.
  n_h counts every sampled PSU of the stratum, those who skipped the item included (R keeps them
  with zero weight in calibrated designs and pads dropped PSUs with zeros in ``onestrat``).
* deff = V / [s² (N̂ − n) / (N̂ n)], s² = n/(n − 1) Σ w a (f − R)² / N̂ (R ``deff=TRUE``).
* Composite = Σ_k c_k R_k with Σ c_k = 1; e = Σ_k c_k e_k over all respondents of the domain
  (R: ``svycontrast`` of ``svyratio(~y1+…, ~a1+…, covmat=TRUE)``); its deff is not defined (NaN).
* df = PSUs − strata within the domain (R ``degf``); t intervals use qt(1 − α/2, df); logit
  intervals expit(logit p ∓ t SE / (p(1 − p))) (R ``svyciprop(method="logit")``).

References
----------
Lumley, T. (2004). Analysis of complex survey samples. *J. Stat. Softw.* 9(8).
Lumley, T. (2010). *Complex Surveys: A Guide to Analysis Using R*. Wiley.
Kish, L. (1965). *Survey Sampling*. Wiley.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from .data import Responses
from .grid import (
    Grid,
    build_grid,
    by_rows,
    composite_coefficients,
    domains_of,
    population_psus,
)
from .intervals import INTERVAL_METHODS
from .long_table import COLUMNS, MEASURES, assemble_table
from .replicates import bootstrap_variances, jackknife_variances, with_replicates
from .variance import LONELY_PSU_RULES, domain_variance
from .weights import WeightResult

__all__ = ["COLUMNS", "MEASURES", "EstimateOptions", "estimate_indices", "composite_coefficients"]



@dataclass(frozen=True)
class EstimateOptions:
    """Options of :func:`estimate_indices`.

    design : ``"stratified"`` (respondents as PSUs) or ``"clustered"`` (hamlets as PSUs);
    satisfied_min / dissatisfied_max : an answer ≥ satisfied_min is satisfied, ≤ dissatisfied_max
    dissatisfied; conf_level : interval level; ci : ``"beta"``, ``"logit"``, ``"t"`` or ``"normal"``
    (see :mod:`analysis.intervals`); rake_rounds : rounds of the raking residual (R: 10);
    levels : which domain levels to report; lonely_psu : R's rule for a commune with one sampled
    PSU (see :mod:`analysis.variance`); variance : ``"linearization"``, ``"jkn"`` (delete-one-hamlet
    jackknife) or ``"bootstrap"`` (Rao–Wu, ``replicates`` draws from ``seed``), every replicate
    re-calibrated (see :mod:`analysis.replicates`).
    """

    design: str = "stratified"
    satisfied_min: int = 4
    dissatisfied_max: int = 2
    conf_level: float = 0.95
    ci: str = "logit"
    rake_rounds: int = 10
    levels: tuple[str, ...] = ("commune", "district", "overall")
    lonely_psu: str = "fail"
    variance: str = "linearization"
    replicates: int = 500
    seed: int = 20260101

    def __post_init__(self):
        if self.design not in ("stratified", "clustered"):
            raise ValueError(f"design must be 'stratified' or 'clustered', not {self.design!r}")
        if self.ci not in INTERVAL_METHODS:
            raise ValueError(f"ci must be one of {', '.join(INTERVAL_METHODS)}, not {self.ci!r}")
        if not 0 < self.conf_level < 1:
            raise ValueError("conf_level must lie strictly between 0 and 1")
        if self.variance not in ("linearization", "jkn", "bootstrap"):
            raise ValueError(f"variance must be linearization, jkn or bootstrap, not {self.variance!r}")
        if self.variance != "linearization" and self.design != "clustered":
            raise ValueError("replicate variances resample hamlets: they need the clustered design")
        if self.lonely_psu not in LONELY_PSU_RULES:
            raise ValueError(f"lonely_psu must be one of {', '.join(LONELY_PSU_RULES)}, not {self.lonely_psu!r}")
        if self.dissatisfied_max >= self.satisfied_min:
            raise ValueError("dissatisfied_max must be below satisfied_min")


def _residual_terms(X, cj, w1j, wr: WeightResult, rounds: int) -> np.ndarray:
    """Per joint cell, the calibration adjustment F[j] subtracted from the linearized values X[v]."""
    n_cells = cj.shape[0]
    if wr.method == "poststratify":
        return (w1j @ X) / w1j.sum(axis=1)[:, None]
    if wr.method != "rake":
        return np.zeros((n_cells, X.shape[1]))
    n_j = cj.sum(axis=1)
    base = cj @ X
    F = np.zeros((n_cells, X.shape[1]))
    counts = [np.bincount(code, weights=n_j) for code in wr.cell_margins]
    for _ in range(rounds):
        for code, n_q in zip(wr.cell_margins, counts, strict=True):
            sums = by_rows(code, base - n_j[:, None] * F, len(n_q))
            F = F + (sums / n_q[:, None])[code]
    return F


def estimate_indices(
    resp: Responses,
    wr: WeightResult,
    *,
    options: EstimateOptions = EstimateOptions(),
    item_weights: pd.DataFrame | None = None,
    hamlet_counts: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Estimate every item and composite, for every domain, as the documented long table.

    Parameters
    ----------
    resp : Responses
        Validated responses (see :func:`analysis.data.validate_responses`).
    wr : WeightResult
        Weights from :func:`analysis.weights.calibrate`.
    options : EstimateOptions
    item_weights : DataFrame, optional
        ``item, weight[, group]`` for the weighted composite.
    hamlet_counts : DataFrame, optional
        ``commune, hamlets``: hamlets in each commune's population, for the finite-population
        correction of the clustered design's linearized variance (R ``svydesign(fpc=…)``).

    Returns
    -------
    DataFrame
        Columns :data:`COLUMNS` and ``reason`` (why a row has no estimate, else empty), one row
        per level × area × item × measure.
    """
    if len(resp.frame) != len(wr.final):
        raise ValueError("weights and responses differ in length")
    if not np.all(wr.final > 0):
        raise ValueError("all weights must be positive")
    f, a, X = _measure_parts(resp.scale_max, options)
    grid = build_grid(resp, wr, options.design)
    if hamlet_counts is not None:
        grid = replace(grid, population_psus=population_psus(hamlet_counts, wr, grid, options))
    domains = domains_of(resp, wr, options.levels)
    comps = composite_coefficients(resp.items, item_weights)
    rows = []
    comp_t = {}  # (level, composite) -> PSU totals (n_psu × 3), clustered only
    comp_tables = []  # per item: {level: L (J, V, 3)}, for the stratified composite
    comp_est = {(lvl, name): 0.0 for lvl, _, _ in domains for name in comps}
    for k, item in enumerate(resp.items):
        item_rows, tables, psu_totals = _item_rows(resp.codes[:, k], item, f, a, X, grid, wr, domains, options)
        _add_to_composites(comps, k, item_rows, psu_totals, comp_est, comp_t)
        rows.extend(item_rows)
        comp_tables.append(tables)
    comp_rows = _composites(resp, wr, grid, domains, comps, comp_est, comp_t, comp_tables, len(a), options)
    rows = _replicate_rows(rows + comp_rows, resp, f, a, grid, wr, domains, comps, options)
    return assemble_table(rows, domains, wr, grid, options, resp.scale_max)


def _measure_parts(scale_max: int, options: EstimateOptions):
    """Per answer code 0..scale_max: the A-parts of the mean, satisfied and dissatisfied shares, and the B-part.

    ``f`` holds the three A-parts, ``a`` the B-part (1 for an answer, 0 for none), ``X`` both side by side.
    """
    v = np.arange(scale_max + 1)
    a = (v >= 1).astype(float)
    f = np.column_stack(
        [v * a, (v >= options.satisfied_min) * a, ((v <= options.dissatisfied_max) & (v >= 1)) * a]
    )
    return f, a, np.column_stack([f, a])


def _item_rows(codes, item, f, a, X, grid, wr, domains, options):
    """One item's row per level, its linearized tables L per level and, clustered, its PSU totals per level."""
    V = len(a)
    w = wr.final
    w2 = w * w
    n_units = len(grid.cell_of_unit)
    clustered = options.design == "clustered"
    n_psu = 0 if grid.psu_of_unit is None else int(grid.psu_of_unit.max()) + 1
    idx = grid.unit * V + codes
    w1u = np.bincount(idx, weights=w, minlength=n_units * V).reshape(n_units, V)
    w2u = np.bincount(idx, weights=w2, minlength=n_units * V).reshape(n_units, V)
    cu = np.bincount(idx, minlength=n_units * V).reshape(n_units, V).astype(float)
    if clustered:
        cj, w1j, w2j = (by_rows(grid.cell_of_unit, t, grid.n_cells) for t in (cu, w1u, w2u))
    else:
        cj, w1j, w2j = cu, w1u, w2u
    F = _residual_terms(X, cj, w1j, wr, options.rake_rounds)
    rows, tables, psu_totals = [], {}, {}
    for level, dom_of_h, labels in domains:
        G = len(labels)
        dom_j = dom_of_h[grid.stratum_of_cell]
        R, N, L = _linearize(f, a, F, w1j, dom_j, G)
        tables[level] = L
        if clustered:
            t_p = psu_totals[level] = _psu_totals(L, w1u, grid, n_psu)
            s1, s2 = _strata_sums(grid.stratum_of_psu, t_p, t_p * t_p, grid.n_strata)
        else:
            s1, s2 = _strata_sums(
                grid.stratum_of_cell,
                (w1j[:, :, None] * L).sum(axis=1),
                (w2j[:, :, None] * L * L).sum(axis=1),
                grid.n_strata,
            )
        var = _variance(s1, s2, grid, dom_of_h, G, options, wr)
        n_obs = np.bincount(dom_j, weights=cj[:, 1:].sum(axis=1), minlength=G)
        sw2 = np.bincount(dom_j, weights=w2j[:, 1:].sum(axis=1), minlength=G)
        vsrs = _srs_variance(f, a, R, N, n_obs, by_rows(dom_j, w1j, G))
        with np.errstate(invalid="ignore", divide="ignore"):
            deff = var / vsrs
            n_eff = N * N / sw2
        rows.append((level, labels, item, R, var, deff, n_obs, N, n_eff))
    return rows, tables, psu_totals


def _add_to_composites(comps, k, item_rows, psu_totals, comp_est, comp_t) -> None:
    """Add item k's estimates and PSU totals, times its coefficient, to every composite (both are linear in them)."""
    for level, _, _, R, *_ in item_rows:
        for name, coef in comps.items():
            comp_est[(level, name)] = comp_est[(level, name)] + coef[k] * R
            if level in psu_totals:
                comp_t[(level, name)] = comp_t.get((level, name), 0.0) + coef[k] * psu_totals[level]


def _replicate_rows(rows, resp, f, a, grid, wr, domains, comps, options) -> list:
    """The rows with replicate variances when the options ask for them (else unchanged)."""
    if options.variance == "jkn":
        return with_replicates(rows, jackknife_variances(resp.codes, f, a, grid, wr, domains, comps), resp.items)
    if options.variance == "bootstrap":
        boot = bootstrap_variances(resp.codes, f, a, grid, wr, domains, comps, replicates=options.replicates,
                                   seed=options.seed)
        return with_replicates(rows, boot, resp.items)
    return rows


def _linearize(f, a, F, w1j, dom_j, G):
    """Domain estimates R (G × 3), N̂ (G) and the residualized u per (cell, answer): L (J × V × 3).

    L[j, v] = (f(v) − F_A[j] − R_g (a(v) − F_B[j])) / N̂_g: the linearized value u of a respondent of
    cell j answering v, after the calibration adjustment F (see :func:`_residual_terms`).
    """
    N = np.bincount(dom_j, weights=w1j @ a, minlength=G)
    T = by_rows(dom_j, w1j @ f, G)
    with np.errstate(invalid="ignore", divide="ignore"):
        R = T / N[:, None]
        L = (
            f[None, :, :]
            - F[:, None, :3]
            - R[dom_j][:, None, :] * (a[None, :, None] - F[:, None, 3:4])
        ) / N[dom_j][:, None, None]
    return R, N, np.nan_to_num(L)  # a domain where nobody answered contributes nothing


def _variance(s1, s2, grid: Grid, dom_of_h, G, options: EstimateOptions, wr: WeightResult):
    """Domain variances from the strata sums, lonely strata by the options' rule."""
    return domain_variance(
        s1, s2, grid.psus_per_stratum, dom_of_h, G, lonely_psu=options.lonely_psu, calibrated=wr.calibrated,
        population_psus=grid.population_psus,
    )


def _strata_sums(stratum, t, t2, H):
    """Σ t and Σ t² per stratum (columns are the three measures)."""
    return by_rows(stratum, t, H), by_rows(stratum, t2, H)


def _srs_variance(f, a, R, N, n_obs, w1g):
    """R's deff denominator s² (N̂ − n)/(N̂ n), s² = n/(n − 1) Σ w a (f − R)² / N̂.

    NaN when N̂ ≤ n: with weights of 1 (N̂ = n) the denominator is 0 and R prints Inf,
    a figure that means nothing to a reader, so the table leaves the cell empty.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        ss = ((w1g * a)[:, :, None] * (f[None, :, :] - R[:, None, :]) ** 2).sum(axis=1)
        s2 = n_obs[:, None] / (n_obs[:, None] - 1) * ss / N[:, None]
        vsrs = s2 * (N - n_obs)[:, None] / (N * n_obs)[:, None]
    return np.where((n_obs < N)[:, None], vsrs, np.nan)


def _psu_totals(L, w1u, grid: Grid, n_psu: int) -> np.ndarray:
    """PSU totals t_p = Σ_{i∈p} e_i of the three measures (n_psu × 3)."""
    t_u = (w1u[:, :, None] * L[grid.cell_of_unit]).sum(axis=1)
    return by_rows(grid.psu_of_unit, t_u, n_psu)


def _composites(resp, wr, grid, domains, comps, comp_est, comp_t, comp_tables, V, options):
    """Composite rows: estimate Σ c_k R_k, variance of e = Σ c_k e_k over all respondents."""
    clustered = options.design == "clustered"
    H = grid.n_strata
    rows = []
    answered_any = {name: (resp.codes[:, coef > 0] > 0).any(axis=1) for name, coef in comps.items()}
    w = wr.final
    keys = [(level, name) for level, _, _ in domains for name in comps]
    if clustered:
        s = {
            key: (
                by_rows(grid.stratum_of_psu, comp_t[key], H),
                by_rows(grid.stratum_of_psu, comp_t[key] ** 2, H),
            )
            for key in keys
        }
    else:
        acc = np.zeros((len(w), 3 * len(keys)))
        for k in range(len(resp.items)):
            lookup = np.concatenate(
                [comps[name][k] * comp_tables[k][level].reshape(-1, 3) for level, name in keys],
                axis=1,
            )
            acc += lookup[wr.cell * V + resp.codes[:, k]]
        acc *= w[:, None]
        h = wr.commune_code
        s1all = by_rows(h, acc, H)
        s2all = by_rows(h, acc * acc, H)
        s = {
            key: (s1all[:, 3 * i : 3 * i + 3], s2all[:, 3 * i : 3 * i + 3])
            for i, key in enumerate(keys)
        }
    for level, dom_of_h, labels in domains:
        G = len(labels)
        dom_i = dom_of_h[wr.commune_code]
        for name in comps:
            s1, s2 = s[(level, name)]
            var = _variance(s1, s2, grid, dom_of_h, G, options, wr)
            mask = answered_any[name]
            n_obs = np.bincount(dom_i[mask], minlength=G).astype(float)
            sw = np.bincount(dom_i[mask], weights=w[mask], minlength=G)
            sw2 = np.bincount(dom_i[mask], weights=w[mask] ** 2, minlength=G)
            with np.errstate(invalid="ignore", divide="ignore"):
                n_eff = sw * sw / sw2
            deff = np.full((G, 3), np.nan)
            rows.append((level, labels, name, comp_est[(level, name)], var, deff, n_obs, sw, n_eff))
    return rows
