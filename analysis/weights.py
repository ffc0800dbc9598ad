"""Design weights, calibration (post-stratification, raking, trimming) and weight diagnostics.

The calibration steps live in :mod:`analysis.poststratify`, :mod:`analysis.raking` and
:mod:`analysis.trimming`; this module checks the inputs, codes the joint cells and runs them.

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

from .poststratify import poststratify_factors
from .raking import rake_factors, rake_targets
from .trimming import trim_weights
from .weighting_error import WeightingError

__all__ = ["WeightResult", "WeightingError", "calibrate", "design_weights", "weight_diagnostics"]

METHODS = ("none", "poststratify", "rake")


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


def calibrate(
    frame: pd.DataFrame, design: np.ndarray, *, method: str = "none", cells=None, margins=None,
    epsilon: float = 1e-12, max_iter: int = 1000, trim=None, trim_max_iter: int = 1000,
    require_hamlets: bool = False, allow_lonely: bool = False,
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
    design, variables = _checked_inputs(frame, design, method, cells, margins)
    cell, key, commune_code, communes, cell_commune = _joint_cells(frame, variables, require_hamlets, allow_lonely)
    targets = rake_targets(key, margins, variables) if method == "rake" else []
    if method == "poststratify":
        final, iterations, steps = _poststratified(design, cell, key, cells, variables)
    elif method == "rake":
        final, iterations, steps = _raked(design, cell, cell_commune, targets, communes, epsilon, max_iter)
    else:
        final, iterations, steps = design.copy(), 0, []
    if trim is not None:
        final, iterations = _trimmed(final, method, trim, trim_max_iter, steps, commune_code, communes)
    return WeightResult(
        design=design, final=final, method=method, cell=cell, cell_commune=cell_commune, communes=communes,
        cell_margins=tuple(code for code, _ in targets), commune_code=commune_code, iterations=iterations,
        diagnostics=weight_diagnostics(final, commune_code, communes, design=design),
    )


def _joint_cells(frame, variables, require_hamlets, allow_lonely):
    """Joint cells, their key table and commune codes, and the communes, once each commune has a variance."""
    cell, key, commune_code = _joint(frame, variables)
    communes = tuple(str(c) for c in _codes(frame["commune"])[1])
    if not allow_lonely:
        _check_communes(frame, commune_code, communes, require_hamlets)
    cell_commune = pd.Index(communes).get_indexer(key["commune"]).astype(np.int64)
    return cell, key, commune_code, communes, cell_commune


def _poststratified(design, cell, key, cells, variables):
    """Post-stratified weights, 0 iterations, and the one calibration step trimming repeats."""
    start_totals = np.bincount(cell, weights=design, minlength=len(key))
    population = poststratify_factors(key, start_totals, cells, variables) * start_totals
    return design * (population / start_totals)[cell], 0, [(cell, population)]


def _raked(design, cell, cell_commune, targets, communes, epsilon, max_iter):
    """Raked weights, the raking iterations, and the margin steps trimming repeats."""
    start_totals = np.bincount(cell, weights=design, minlength=len(cell_commune))
    g, iterations = rake_factors(start_totals, cell_commune, targets, epsilon, max_iter, communes)
    return design * g[cell], iterations, [(code[cell], target) for code, target in targets]


def _trimmed(final, method, trim, trim_max_iter, steps, commune_code, communes):
    """Trimmed weights and the trimming rounds; only a calibration can restore the totals after clipping."""
    if method == "none":
        raise WeightingError("trimming needs a calibration (poststratify or rake) to restore totals")
    return trim_weights(final, commune_code, len(communes), trim, trim_max_iter, steps, communes)


def _checked_inputs(frame, design, method, cells, margins) -> tuple[np.ndarray, list]:
    """The design weights as floats and the weighting variables, once the inputs are known to fit."""
    if method not in METHODS:
        raise ValueError(f"unknown weighting method {method!r}; use one of {', '.join(METHODS)}")
    design = np.asarray(design, dtype=float)
    if design.shape != (len(frame),):
        raise ValueError("design weights and responses differ in length")
    if method == "poststratify" and cells is None:
        raise WeightingError("post-stratification needs population cells")
    if method == "rake" and margins is None:
        raise WeightingError("raking needs population margins")
    return design, _weighting_variables(frame, method, cells, margins)


def _weighting_variables(frame, method, cells, margins) -> list:
    """The variables the population table calibrates on; each must be a column of the responses."""
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
    return variables


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
