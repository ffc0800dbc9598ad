"""Design weights, post-stratification, raking, trimming and weight diagnostics.

Calibration runs within each commune, for all communes at once: every calibrated weight is the
starting weight times a factor of its joint calibration cell (commune × weighting variables), so the
iterations run on the small joint table, never over respondents.

References
----------
Lumley, T. (2010). *Complex Surveys: A Guide to Analysis Using R*, ch. 7 (post-stratification,
raking). R package ``survey`` 4.1: ``postStratify``, ``rake``, ``trimWeights``.
Kish, L. (1965). *Survey Sampling*: effective sample size (Σw)² / Σw².
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["WeightResult", "WeightingError", "calibrate", "design_weights", "weight_diagnostics"]

METHODS = ("none", "poststratify", "rake")


class WeightingError(ValueError):
    """Weights cannot be computed; the message names the commune and the cell.

    ``reason`` tells callers that word their own message which failure it was: ``empty_cell``
    (a population category without respondents), ``unknown_level`` (respondents in a category
    the population table lacks or gives 0), ``not_converged`` (raking), ``lonely_psu`` (one respondent
    or hamlet under the ``fail`` rule), ``no_population`` (a sampled commune missing from the cells
    or margins), else None.
    """

    def __init__(
        self,
        message: str,
        *,
        commune: str | None = None,
        cell: str | None = None,
        reason: str | None = None,
    ):
        self.commune, self.cell, self.reason = commune, cell, reason
        super().__init__(message)


@dataclass(frozen=True, eq=False)
class WeightResult:
    """Final weights and the calibration structure the variance estimator needs.

    Attributes
    ----------
    design, final : ndarray
        Design (starting) weights d_i and calibrated weights w_i, one per respondent.
    method : str
        ``none``, ``poststratify`` or ``rake``.
    cell : ndarray of int
        Joint calibration cell of each respondent (the commune when ``method == "none"``).
    cell_commune : ndarray of int
        Commune code (index into ``communes``) of each joint cell.
    cell_margins : tuple of ndarray
        For raking, the margin cell (commune × level of one variable) of each joint cell.
    communes : tuple of str
        Commune labels, sorted; ``commune_code`` indexes them.
    commune_code : ndarray of int
        Commune code of each respondent.
    iterations : int
        Raking iterations (0 otherwise).
    diagnostics : DataFrame
        One row per commune, see :func:`weight_diagnostics`.
    """

    design: np.ndarray
    final: np.ndarray
    method: str
    cell: np.ndarray
    cell_commune: np.ndarray
    cell_margins: tuple[np.ndarray, ...]
    communes: tuple[str, ...]
    commune_code: np.ndarray
    iterations: int
    diagnostics: pd.DataFrame

    @property
    def calibrated(self) -> bool:
        """Whether the weights were calibrated (this changes the variance estimator)."""
        return self.method != "none"


def design_weights(
    frame: pd.DataFrame, source: str = "one", *, hamlet_population=None
) -> np.ndarray:
    """Return design weights d_i: all 1, the ``design_weight`` column, or hamlet population ÷ sample.

    Parameters
    ----------
    frame : DataFrame
        Validated responses (``commune``; ``hamlet`` for ``source="hamlet"``).
    source : {"one", "given", "hamlet"}
    hamlet_population : DataFrame, optional
        ``commune, hamlet, population``; required for ``source="hamlet"``: d_i = P_hamlet / n_hamlet.
    """
    n = len(frame)
    if source == "one":
        return np.ones(n)
    if source == "given":
        d = np.asarray(frame["design_weight"], dtype=float)
        if not np.all(np.isfinite(d) & (d > 0)):
            raise WeightingError("design weights must be positive numbers")
        return d
    if source != "hamlet":
        raise ValueError(f"unknown design weight source {source!r}")
    if hamlet_population is None:
        raise WeightingError("design weights from hamlets need a hamlet population table")
    key = pd.Series(
        frame["commune"].astype(str).to_numpy(object)
        + "\x1f"
        + frame["hamlet"].astype(str).to_numpy(object)
    )
    pop = pd.Series(
        hamlet_population["population"].to_numpy(float),
        index=hamlet_population["commune"].astype(str)
        + "\x1f"
        + hamlet_population["hamlet"].astype(str),
    )
    sample = key.value_counts()
    p = pop.reindex(key).to_numpy()
    if np.isnan(p).any():
        commune, hamlet = key[np.isnan(p)].iloc[0].split("\x1f")
        raise WeightingError(
            f"commune {commune!r}: hamlet {hamlet!r} has respondents but no population",
            commune=commune,
            cell=f"hamlet={hamlet}",
        )
    return p / sample.reindex(key).to_numpy(float)


def _codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype(str)
    codes, uniques = pd.factorize(values, sort=True)
    return codes.astype(np.int64), np.asarray(uniques, dtype=object)


def _joint(frame: pd.DataFrame, variables) -> tuple[np.ndarray, pd.DataFrame, np.ndarray]:
    """Code respondents by commune × variables; return codes, the cell key table and commune codes."""
    commune_code, communes = _codes(frame["commune"])
    combined = commune_code.copy()
    parts = [(communes, commune_code)]
    for var in variables:
        code, levels = _codes(frame[var])
        combined = combined * len(levels) + code
        parts.append((levels, code))
    uniq, cell = np.unique(combined, return_inverse=True)
    first = np.zeros(len(uniq), dtype=np.int64)
    first[cell[::-1]] = np.arange(len(cell))[::-1]
    key = pd.DataFrame({"commune": communes[commune_code[first]]})
    for var, (levels, code) in zip(variables, parts[1:], strict=True):
        key[var] = levels[code[first]]
    return cell.astype(np.int64), key, commune_code


def _fmt(key_row: pd.Series, variables) -> str:
    return ", ".join(f"{v}={key_row[v]}" for v in variables)


def _poststratify_factors(key, start_totals, cells, variables) -> np.ndarray:
    sampled = set(key["commune"])
    pop = cells[cells["commune"].isin(sampled)]
    merged = key.merge(pop, on=["commune", *variables], how="left")
    missing = merged["count"].isna().to_numpy()
    for c in sorted(sampled - set(pop["commune"])):
        raise WeightingError(
            f"commune {c!r} has respondents but no population cells", commune=c, reason="no_population"
        )
    if missing.any():
        row = merged[missing].iloc[0]
        raise WeightingError(
            f"commune {row['commune']!r}: cell {_fmt(row, variables)} occurs in the data "
            "but not in the population cells",
            commune=row["commune"],
            cell=_fmt(row, variables),
        )
    zero = (merged["count"] <= 0).to_numpy()
    if zero.any():
        row = merged[zero].iloc[0]
        raise WeightingError(
            f"commune {row['commune']!r}: cell {_fmt(row, variables)} has respondents "
            "but a population of 0",
            commune=row["commune"],
            cell=_fmt(row, variables),
        )
    empty = pop.merge(key, on=["commune", *variables], how="left", indicator=True)
    empty = empty[(empty["_merge"] == "left_only") & (empty["count"] > 0)]
    if len(empty):
        row = empty.iloc[0]
        raise WeightingError(
            f"commune {row['commune']!r}: cell {_fmt(row, variables)} has population "
            f"{row['count']:g} but no respondents (empty sample cell)",
            commune=row["commune"],
            cell=_fmt(row, variables),
        )
    return merged["count"].to_numpy(float) / start_totals


def _rake_targets(key, margins, variables):
    """Per margin variable: margin-cell code of every joint cell and the target of every margin cell."""
    sampled = set(key["commune"])
    pop = margins[margins["commune"].isin(sampled)]
    for c in sorted(sampled - set(pop["commune"])):
        raise WeightingError(
            f"commune {c!r} has respondents but no population margins", commune=c, reason="no_population"
        )
    totals = pop.groupby(["commune", "variable"])["count"].sum().unstack("variable")
    for var in variables:
        if var not in totals.columns or totals[var].isna().any():
            c = totals.index[totals[var].isna()][0] if var in totals.columns else sorted(sampled)[0]
            raise WeightingError(
                f"commune {c!r}: no margin for variable {var!r}", commune=c, cell=var
            )
    totals = totals[list(variables)]
    spread = totals.max(axis=1) - totals.min(axis=1)
    bad = spread > 1e-9 * totals.max(axis=1)
    if bad.any():
        c = bad.index[bad.to_numpy()][0]
        listing = ", ".join(f"{v} sums to {totals.loc[c, v]:g}" for v in variables)
        raise WeightingError(f"commune {c!r}: margin totals disagree ({listing})", commune=c)
    out = []
    for var in variables:
        mp = pop[pop["variable"] == var].rename(columns={"level": var})[["commune", var, "count"]]
        cells = key[["commune", var]].drop_duplicates()
        merged = cells.merge(mp, on=["commune", var], how="left")
        lacking = merged["count"].isna() | (merged["count"] <= 0)
        if lacking.any():
            row = merged[lacking.to_numpy()].iloc[0]
            what = "not in the margins" if np.isnan(row["count"]) else "with a population of 0"
            raise WeightingError(
                f"commune {row['commune']!r}: level {var}={row[var]} occurs in the data "
                f"but is {what}",
                commune=row["commune"],
                cell=f"{var}={row[var]}",
                reason="unknown_level",
            )
        empty = mp.merge(cells, on=["commune", var], how="left", indicator=True)
        empty = empty[(empty["_merge"] == "left_only") & (empty["count"] > 0)]
        if len(empty):
            row = empty.iloc[0]
            raise WeightingError(
                f"commune {row['commune']!r}: level {var}={row[var]} has population "
                f"{row['count']:g} but no respondents (empty sample cell)",
                commune=row["commune"],
                cell=f"{var}={row[var]}",
                reason="empty_cell",
            )
        idx = pd.MultiIndex.from_frame(merged[["commune", var]])
        code = idx.get_indexer(pd.MultiIndex.from_frame(key[["commune", var]]))
        out.append((code.astype(np.int64), merged["count"].to_numpy(float)))
    return out


def _rake_factors(start_totals, cell_commune, targets, epsilon, max_iter, communes):
    """Iterative proportional fitting on the joint table, stopping as R's ``rake`` does."""
    g = np.ones_like(start_totals)
    tol = epsilon * start_totals.sum() if epsilon < 1 else epsilon
    old = start_totals.copy()
    for iteration in range(max_iter):
        for code, target in targets:
            current = np.bincount(code, weights=start_totals * g, minlength=len(target))
            g = g * (target / current)[code]
        new = start_totals * g
        delta = np.abs(new - old)
        if delta.max() < tol:
            iterations = iteration
            break
        old = new
    else:
        per_commune = np.zeros(len(communes))
        np.maximum.at(per_commune, cell_commune, delta)
        bad = [communes[i] for i in np.flatnonzero(per_commune >= tol)]
        raise WeightingError(
            f"raking did not converge after {max_iter} iterations (tolerance {tol:g}) in "
            f"commune(s) {', '.join(map(repr, bad[:5]))}",
            commune=bad[0] if bad else None,
            reason="not_converged",
        )
    # A fixed point need not meet every margin: when the sample contradicts the margins (every
    # man young, fewer young people than men in the population) each pass ends on the last
    # margin and nothing changes any more. R's rake() reports that as converged; we refuse it.
    missed = np.zeros(len(communes))
    for code, target in targets:
        current = np.bincount(code, weights=start_totals * g, minlength=len(target))
        np.maximum.at(missed, cell_commune, np.abs(current - target)[code])
    bad = [communes[i] for i in np.flatnonzero(missed >= 10 * tol)]
    if bad:
        raise WeightingError(
            f"raking cannot meet every margin in commune(s) {', '.join(map(repr, bad[:5]))}: "
            "the sample's groups contradict the margins",
            commune=bad[0],
            reason="not_converged",
        )
    return g, iterations


def calibrate(
    frame: pd.DataFrame,
    design: np.ndarray,
    *,
    method: str = "none",
    cells=None,
    margins=None,
    epsilon: float = 1e-12,
    max_iter: int = 1000,
    trim=None,
    trim_max_iter: int = 1000,
    require_hamlets: bool = False,
    allow_lonely: bool = False,
) -> WeightResult:
    """Calibrate design weights to population cells or margins within each commune.

    Parameters
    ----------
    frame : DataFrame
        Validated responses with ``commune`` and the weighting variables.
    design : ndarray
        Design weights d_i (> 0).
    method : {"none", "poststratify", "rake"}
        Post-stratification: w_i = d_i N_c / Σ_{j∈c} d_j in cell c. Raking: iterative proportional
        fitting to every margin until the largest change of the joint weighted table is below
        ``epsilon`` × Σd (R: ``rake(..., control=list(epsilon=epsilon, maxit=max_iter))``).
    cells : DataFrame, optional
        ``commune, <variables...>, count`` (post-stratification).
    margins : DataFrame, optional
        ``commune, variable, level, count`` (raking).
    trim : (float, float), optional
        Bounds (lower, upper) on w_i / mean weight of the commune. Calibration steps and clipping
        alternate until the weights lie within the bounds and meet every total
        (``trim_max_iter`` rounds at most). The variance estimator then treats the weights as
        calibrated to the same cells or margins (not cross-checked with R).
    require_hamlets : bool
        Also refuse a commune whose respondents all come from one hamlet (clustered designs).
    allow_lonely : bool
        Accept a commune with one respondent (or one hamlet): the variance estimator then applies
        a lonely-PSU rule other than ``fail`` (see :mod:`analysis.variance`).

    Returns
    -------
    WeightResult

    Raises
    ------
    WeightingError
        Empty sample cell with a non-zero population, a level lacking from cells/margins, disagreeing
        margin totals, a commune with one respondent (or one hamlet), non-convergence.
    """
    if method not in METHODS:
        raise ValueError(f"unknown weighting method {method!r}; use one of {', '.join(METHODS)}")
    design = np.asarray(design, dtype=float)
    if design.shape != (len(frame),):
        raise ValueError("design weights and responses differ in length")
    if method == "poststratify" and cells is None:
        raise WeightingError("post-stratification needs population cells")
    if method == "rake" and margins is None:
        raise WeightingError("raking needs population margins")
    if method == "poststratify":
        variables = [c for c in cells.columns if c not in ("commune", "count")]
    elif method == "rake":
        variables = list(dict.fromkeys(margins["variable"]))
    else:
        variables = []
    for var in variables:
        if var not in frame.columns:
            raise WeightingError(
                f"weighting variable {var!r} is not a column of the responses", cell=var
            )
    cell, key, commune_code = _joint(frame, variables)
    communes = tuple(str(c) for c in _codes(frame["commune"])[1])
    if not allow_lonely:
        _check_communes(frame, commune_code, communes, require_hamlets)
    cell_commune = pd.Index(communes).get_indexer(key["commune"]).astype(np.int64)
    targets = _rake_targets(key, margins, variables) if method == "rake" else []
    margin_codes = tuple(code for code, _ in targets)

    start_totals = np.bincount(cell, weights=design, minlength=len(key))
    if method == "poststratify":
        population = _poststratify_factors(key, start_totals, cells, variables) * start_totals
        final, iterations = design * (population / start_totals)[cell], 0
        steps = [(cell, population)]
    elif method == "rake":
        g, iterations = _rake_factors(
            start_totals, cell_commune, targets, epsilon, max_iter, communes
        )
        final = design * g[cell]
        steps = [(code[cell], target) for code, target in targets]
    else:
        final, iterations, steps = design.copy(), 0, []
    if trim is not None:
        if method == "none":
            raise WeightingError(
                "trimming needs a calibration (poststratify or rake) to restore totals"
            )
        final, iterations = _trim(
            final, commune_code, len(communes), trim, trim_max_iter, steps, communes
        )
    diagnostics = weight_diagnostics(final, commune_code, communes, design=design)
    return WeightResult(
        design=design,
        final=final,
        method=method,
        cell=cell,
        cell_commune=cell_commune,
        cell_margins=margin_codes,
        communes=communes,
        commune_code=commune_code,
        iterations=iterations,
        diagnostics=diagnostics,
    )


def _check_communes(frame, commune_code, communes, require_hamlets) -> None:
    counts = np.bincount(commune_code, minlength=len(communes))
    if (counts < 2).any():
        c = communes[int(np.flatnonzero(counts < 2)[0])]
        raise WeightingError(
            f"commune {c!r} has only one respondent: its variance cannot be estimated", commune=c,
            reason="lonely_psu",
        )
    if require_hamlets:
        hamlets = frame.groupby(commune_code)["hamlet"].nunique()
        if (hamlets < 2).any():
            c = communes[int(hamlets.index[hamlets.to_numpy() < 2][0])]
            raise WeightingError(
                f"commune {c!r} has respondents from only one hamlet: a clustered "
                "design needs at least two",
                commune=c,
                reason="lonely_psu",
            )


def _trim(w, commune_code, n_communes, bounds, max_iter, steps, communes):
    """Alternate calibration steps and clipping of w / commune mean weight to the bounds.

    Stops when the weights lie within the bounds and every calibration total is met to 1e-10
    relative (a trimmed-raking algorithm in the spirit of Stata's ``ipfraking``).
    """
    lower, upper = bounds
    if not 0 <= lower < 1 < upper:
        raise ValueError("trim bounds must satisfy 0 ≤ lower < 1 < upper")
    n_c = np.bincount(commune_code, minlength=n_communes)
    for iteration in range(1, max_iter + 1):
        for code, target in steps:
            current = np.bincount(code, weights=w, minlength=len(target))
            w = w * (target / current)[code]
        mean = (np.bincount(commune_code, weights=w, minlength=n_communes) / n_c)[commune_code]
        ratio = w / mean
        if np.all((ratio >= lower * (1 - 1e-9)) & (ratio <= upper * (1 + 1e-9))):
            off = max(
                np.max(np.abs(np.bincount(code, weights=w, minlength=len(t)) / t - 1))
                for code, t in steps
            )
            if off < 1e-10:
                return w, iteration
        w = np.clip(w, lower * mean, upper * mean)
    c = communes[int(commune_code[np.argmax(np.abs(np.log(ratio)))])]
    raise WeightingError(
        f"trimming to bounds ({lower:g}, {upper:g}) did not converge after {max_iter} "
        f"rounds (commune {c!r}); widen the bounds",
        commune=c,
    )


def weight_diagnostics(
    w: np.ndarray, commune_code: np.ndarray, communes, *, design=None
) -> pd.DataFrame:
    """Per commune: n, Σw, min, max, max/min, Kish n_eff = (Σw)²/Σw², deff_w = n/n_eff."""
    k = len(communes)
    n = np.bincount(commune_code, minlength=k).astype(float)
    s1 = np.bincount(commune_code, weights=w, minlength=k)
    s2 = np.bincount(commune_code, weights=w * w, minlength=k)
    wmin = np.full(k, np.inf)
    wmax = np.full(k, -np.inf)
    np.minimum.at(wmin, commune_code, w)
    np.maximum.at(wmax, commune_code, w)
    n_eff = s1 * s1 / s2
    out = pd.DataFrame(
        {
            "commune": list(communes),
            "n": n.astype(int),
            "wsum": s1,
            "w_min": wmin,
            "w_max": wmax,
            "w_ratio": wmax / wmin,
            "n_eff_kish": n_eff,
            "deff_weighting": n / n_eff,
        }
    )
    if design is not None:
        out.insert(2, "design_wsum", np.bincount(commune_code, weights=design, minlength=k))
    return out
