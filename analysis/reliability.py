"""Reliability of the item battery (Cronbach's α) and an ordinal-logit drivers model.

References
----------
Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests. *Psychometrika* 16.
Revelle, W. ``psych::alpha`` (raw_alpha, raw.r, r.drop).
McCullagh, P. (1980). Regression models for ordinal data. *JRSS B* 42 (proportional odds).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["AlphaResult", "cronbach_alpha", "fit_drivers"]


@dataclass(frozen=True, eq=False)
class AlphaResult:
    """Cronbach's α on complete cases with per-item statistics.

    ``items`` has columns item, raw_r (item–total correlation), r_drop (item–rest correlation) and
    alpha_if_dropped.
    """

    alpha: float
    n: int
    k: int
    items: pd.DataFrame


def _alpha(cov: np.ndarray) -> float:
    k = cov.shape[0]
    return k / (k - 1) * (1 - np.trace(cov) / cov.sum())


def cronbach_alpha(items: pd.DataFrame) -> AlphaResult:
    """Cronbach's α = k/(k − 1) · (1 − Σ σ²_k / σ²_total) on the rows answering every item.

    Matches ``psych::alpha(x)$total$raw_alpha`` when ``x`` has no missing values.
    """
    values = items.apply(pd.to_numeric, errors="coerce").to_numpy(float)
    complete = values[~np.isnan(values).any(axis=1)]
    n, k = complete.shape
    if k < 2:
        raise ValueError("Cronbach's alpha needs at least two items")
    if n < 2:
        raise ValueError("Cronbach's alpha needs at least two complete responses")
    cov = np.cov(complete, rowvar=False)
    total = complete.sum(axis=1)
    raw_r = np.array([np.corrcoef(complete[:, j], total)[0, 1] for j in range(k)])
    r_drop = np.array([np.corrcoef(complete[:, j], total - complete[:, j])[0, 1] for j in range(k)])
    keep = [np.delete(np.arange(k), j) for j in range(k)]
    dropped = np.array([_alpha(cov[np.ix_(idx, idx)]) if k > 2 else np.nan for idx in keep])
    table = pd.DataFrame(
        {"item": list(items.columns), "raw_r": raw_r, "r_drop": r_drop, "alpha_if_dropped": dropped}
    )
    return AlphaResult(alpha=float(_alpha(cov)), n=int(n), k=int(k), items=table)


def fit_drivers(frame: pd.DataFrame, outcome: str, predictors, weights=None) -> pd.DataFrame:
    """Weighted proportional-odds (ordinal logit) model of ``outcome`` on the criteria.

    The log-likelihood is Σ w_i log P(y_i | x_i) with weights scaled to mean 1 (a pseudo-likelihood,
    statsmodels ``OrderedModel``). Its standard errors are model-based, not design-based: use the
    table to rank drivers, not for inference. Rows with any missing value are dropped. Warnings
    from the optimiser are collected in ``result.attrs["warnings"]`` instead of raised.

    Returns
    -------
    DataFrame
        predictor, coef, se, odds_ratio, p_value; ``attrs`` holds n, converged and warnings.
    """
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    predictors = list(predictors)
    data = frame[[outcome, *predictors]].apply(pd.to_numeric, errors="coerce")
    w = np.ones(len(frame)) if weights is None else np.asarray(weights, dtype=float)
    ok = data.notna().all(axis=1).to_numpy() & np.isfinite(w)
    data, w = data[ok], w[ok]
    if len(data) <= len(predictors) + 2:
        raise ValueError("too few complete responses for the drivers model")
    w = w / w.mean()

    class _Weighted(OrderedModel):
        def loglikeobs(self, params):
            return w * super().loglikeobs(params)

    y = pd.Series(pd.Categorical(data[outcome].astype(int), ordered=True))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = _Weighted(y, data[predictors].to_numpy(float), distr="logit")
        res = model.fit(method="bfgs", disp=False, maxiter=500)
        bse = np.asarray(res.bse)
        pvalues = np.asarray(res.pvalues)
    k = len(predictors)
    out = pd.DataFrame(
        {
            "predictor": predictors,
            "coef": np.asarray(res.params)[:k],
            "se": bse[:k],
            "odds_ratio": np.exp(np.asarray(res.params)[:k]),
            "p_value": pvalues[:k],
        }
    )
    out.attrs.update(
        n=int(len(data)),
        converged=bool(res.mle_retvals.get("converged", False)),
        warnings=[str(c.message) for c in caught],
    )
    return out
