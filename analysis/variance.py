"""Stratum variances summed over a domain, with R's rules for a stratum of one sampled unit.

A commune with one sampled hamlet (clustered design) or one respondent (stratified design) has no
between-unit variation to estimate its variance from: a *lonely PSU*. R ``survey`` 4.1
(``options(survey.lonely.psu=…)``, ``survey:::onestrat`` and ``onestage``) offers five rules, all
reproduced here:

* ``fail``: refuse (R stops; :func:`analysis.weights.calibrate` raises before estimation).
* ``certainty`` and ``remove``: the stratum contributes 0 (R computes both the same way).
* ``adjust``: the stratum contributes its PSU total squared, t² = (t − 0)², i.e. the deviation
  from the grand mean of the linearized totals, which is 0 (Lumley 2010, §3.2).
* ``average``: lonely strata are left out and the sum over the others is scaled by H / H_ok, the
  number of strata over the number with two or more PSUs. R counts H and H_ok over the domain's
  strata when the design is not calibrated (its ``subset`` drops the other rows) and over every
  stratum when it is (``subset`` keeps them with zero weight); so does this module.

References
----------
Lumley, T. (2010). *Complex Surveys: A Guide to Analysis Using R*. Wiley, §3.2.
R package ``survey`` 4.1.1, ``onestrat``: https://cran.r-project.org/package=survey
"""

from __future__ import annotations

import numpy as np

__all__ = ["LONELY_PSU_RULES", "domain_variance"]

LONELY_PSU_RULES = ("fail", "remove", "adjust", "certainty", "average")


def _group_sum(code: np.ndarray, table: np.ndarray, n_out: int) -> np.ndarray:
    flat = (code[:, None] * table.shape[1] + np.arange(table.shape[1])).ravel()
    return np.bincount(flat, weights=table.ravel(), minlength=n_out * table.shape[1]).reshape(n_out, -1)


def domain_variance(
    s1, s2, n_h, dom_of_h, n_domains: int, *, lonely_psu: str, calibrated: bool, population_psus=None
) -> np.ndarray:
    """Σ_h n_h/(n_h − 1) Σ_k (t_k − t̄_h)² over the strata h of each domain (domains × measures).

    Parameters
    ----------
    s1, s2 : ndarray (strata × measures)
        Σ t_k and Σ t_k² over the PSU totals of each stratum.
    n_h : ndarray (strata)
        Sampled PSUs per stratum (those without an answer included).
    dom_of_h : ndarray of int
        Domain of each stratum.
    lonely_psu : str
        One of :data:`LONELY_PSU_RULES` (``fail`` leaves NaN: the caller refused earlier).
    calibrated : bool
        Whether the weights were calibrated (changes R's ``average`` scaling, see the module notes).
    population_psus : ndarray (strata), optional
        N_h, the PSUs (hamlets) of each stratum's population: the finite-population correction
        f_h = (N_h − n_h)/N_h multiplies the stratum's variance, lonely or not, and a stratum whose
        every PSU was sampled contributes 0 (R ``svydesign(fpc=…)``, ``onestrat``).
    """
    if lonely_psu not in LONELY_PSU_RULES:
        raise ValueError(f"lonely_psu must be one of {', '.join(LONELY_PSU_RULES)}, not {lonely_psu!r}")
    n = np.asarray(n_h, dtype=float)[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        v = n / (n - 1) * (s2 - s1 * s1 / n)
    single = {"adjust": s1 * s1, "fail": np.full_like(s1, np.nan)}.get(lonely_psu, np.zeros_like(s1))
    v = np.where(n > 1, v, np.where(n == 1, single, 0.0))
    if population_psus is not None:
        f = ((np.asarray(population_psus, float) - n[:, 0]) / np.asarray(population_psus, float))[:, None]
        v = np.where(f < 1e-7, 0.0, f * v)
    var = _group_sum(dom_of_h, v, n_domains)
    if lonely_psu != "average":
        return var
    ok = (n[:, 0] > 1).astype(float)
    if calibrated:
        strata, ok_strata = np.full(n_domains, float(len(ok))), np.full(n_domains, ok.sum())
    else:
        strata = np.bincount(dom_of_h, minlength=n_domains).astype(float)
        ok_strata = np.bincount(dom_of_h, weights=ok, minlength=n_domains)
    with np.errstate(invalid="ignore", divide="ignore"):
        return var * (strata / ok_strata)[:, None]
