"""Confidence intervals that stay on the answer scale and keep their promise at 0 % and 100 %.

Methods (``ci``):

* ``normal``: estimate ± z SE; ``t``: estimate ± t_df SE (df = R's ``degf`` of the domain).
* ``logit``: shares by R's ``svyciprop(method="logit")``, expit(logit p ∓ t_df SE / (p(1 − p)));
  means and scores by t (kept as the engine's first, R-checked behaviour).
* ``beta`` (the plan's default):

  - shares by Korn & Graubard (1998), as R's ``svyciprop(method="beta")``: with the effective
    n* = p(1 − p) / V × (t_{n−1} / t_df)², where n is R's ``nrow`` of the domain's design (the
    domain's respondents, or every respondent when the weights are calibrated, as R's ``subset``
    keeps them), the interval is [B⁻¹(α/2; n*p, n*(1 − p) + 1), B⁻¹(1 − α/2; n*p + 1, n*(1 − p))].
    Where the estimated variance is 0 (everyone satisfied, one respondent, one hamlet) R has no
    interval; n* is then the number of respondents who answered (the Clopper–Pearson interval), so
    "100 % of 3 people" reads [29 %, 100 %], not [100 %, 100 %]. Without degrees of freedom
    (df < 1) the t ratio is left out.
  - means and scores by the logit transform of the answer scale: p = (mean − 1)/(K − 1) (a score
    is 100 p), expit(logit p ∓ t_df SE_p / (p(1 − p))) mapped back, so a 1–5 mean never gets a bound
    above 5. At zero variance (everyone gave the same answer) the same Clopper–Pearson rule is used
    on p: a mean in [1, K] has at most the variance of a share with that p, so this is conservative.

References
----------
Korn, E. L., Graubard, B. I. (1998). Confidence intervals for proportions with small expected
numbers of positive counts estimated from survey data. *Survey Methodology* 24(2), 193–201.
Lumley, T. (2010). *Complex Surveys*, §2.3.1; R ``survey`` 4.1.1 ``svyciprop``.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = ["INTERVAL_METHODS", "confidence_bounds", "korn_graubard"]

INTERVAL_METHODS = ("beta", "logit", "t", "normal")


def _quantile(alpha: float, df, method: str):
    if method == "normal":
        return stats.norm.ppf(1 - alpha / 2)
    with np.errstate(invalid="ignore"):
        return stats.t.ppf(1 - alpha / 2, df)


def korn_graubard(p, se, df, n_obs, n_rows, alpha: float):
    """Korn–Graubard bounds of shares ``p`` (R ``svyciprop(method="beta")``); see the module notes."""
    p, var = np.asarray(p, float), np.asarray(se, float) ** 2
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = (stats.t.ppf(alpha / 2, np.asarray(n_rows, float) - 1) / stats.t.ppf(alpha / 2, df)) ** 2
        ratio = np.where(np.asarray(df, float) >= 1, ratio, 1.0)
        n_eff = p * (1 - p) / var * ratio
    n_eff = np.where(_flat(p, var), np.asarray(n_obs, float), n_eff)
    x = n_eff * p
    with np.errstate(invalid="ignore", divide="ignore"):
        lo = np.where(p <= 0, 0.0, stats.beta.ppf(alpha / 2, x, n_eff - x + 1))
        hi = np.where(p >= 1, 1.0, stats.beta.ppf(1 - alpha / 2, x + 1, n_eff - x))
    none = ~(np.asarray(n_obs, float) > 0) | np.isnan(p) | np.isnan(var)
    return np.where(none, np.nan, lo), np.where(none, np.nan, hi)


def _flat(p, var):
    """Zero variance, to rounding (a lonely hamlet's total is 0 up to 1e-17), or p at 0 or 1."""
    with np.errstate(invalid="ignore"):
        return (p <= 0) | (p >= 1) | (var <= 1e-12 * p * (1 - p))


def _logit_bounds(p, se_p, q):
    """expit(logit p ∓ q se_p / (p(1 − p))) where 0 < p < 1; NaN elsewhere."""
    with np.errstate(invalid="ignore", divide="ignore"):
        centre = np.log(p / (1 - p))
        half = q * se_p / (p * (1 - p))
        return 1 / (1 + np.exp(-(centre - half))), 1 / (1 + np.exp(-(centre + half)))


def confidence_bounds(est, se, df, n_obs, n_rows, kind, *, method: str, conf_level: float, scale_max: int):
    """Lower and upper bounds for every row of the long table.

    ``kind`` is ``"share"``, ``"mean"`` (1–scale_max) or ``"score"`` (0–100) per row; ``n_obs``
    counts the respondents who answered, ``n_rows`` R's ``nrow`` of the domain (Korn–Graubard only).
    """
    if method not in INTERVAL_METHODS:
        raise ValueError(f"ci must be one of {', '.join(INTERVAL_METHODS)}, not {method!r}")
    est, se, kind = np.asarray(est, float), np.asarray(se, float), np.asarray(kind)
    alpha = 1 - conf_level
    q = _quantile(alpha, df, method)
    lo, hi = est - q * se, est + q * se
    share = kind == "share"
    if method == "logit":
        inner = share & (est > 0) & (est < 1)
        llo, lhi = _logit_bounds(est, se, q)
        lo = np.where(inner, llo, np.where(share, np.clip(lo, 0, 1), lo))
        hi = np.where(inner, lhi, np.where(share, np.clip(hi, 0, 1), hi))
    elif method == "beta":
        klo, khi = korn_graubard(est, se, df, n_obs, n_rows, alpha)
        lo, hi = np.where(share, klo, lo), np.where(share, khi, hi)
        mlo, mhi = _scale_bounds(est, se, df, n_obs, kind, q, alpha, scale_max)
        lo, hi = np.where(share, lo, mlo), np.where(share, hi, mhi)
    return lo, hi


def _scale_bounds(est, se, df, n_obs, kind, q, alpha, scale_max):
    """Means and scores: logit interval on the unit scale, Clopper–Pearson at zero variance."""
    width = np.where(kind == "score", 100.0, scale_max - 1.0)
    offset = np.where(kind == "score", 0.0, 1.0)
    p, se_p = (est - offset) / width, se / width
    lo, hi = _logit_bounds(p, se_p, np.where(np.isfinite(q), q, _quantile(alpha, np.inf, "t")))
    flat = _flat(p, se_p * se_p)
    clo, chi = korn_graubard(np.clip(p, 0, 1), np.where(flat, 0.0, se_p), df, n_obs, n_obs, alpha)
    lo, hi = np.where(flat, clo, lo), np.where(flat, chi, hi)
    return offset + width * lo, offset + width * hi
