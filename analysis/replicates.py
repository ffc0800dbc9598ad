"""Delete-one-hamlet jackknife (JKn) variances, every replicate re-calibrated.

Replicate (h, j) drops hamlet j of commune h and multiplies the design weights of the commune's
other hamlets by n_h/(n_h − 1); the commune is then calibrated again (post-stratified to the same
cells, or raked to the same margins) and every estimate recomputed. With θ̂ the full-sample
estimate, V = Σ_h (n_h − 1)/n_h Σ_j (θ_hj − θ̂)² (``mse = TRUE``). This is R's
``as.svrepdesign(des, type = "JKn", mse = TRUE)`` on the uncalibrated design followed by
``postStratify``/``rake`` of the replicate design, which calibrates every replicate.

Calibration runs within a commune, so a replicate of commune h changes only h's weights: its
estimates for other communes are unchanged, and for a district or the province only h's totals
are replaced. Each commune's replicates are computed together on its (hamlet × cell) grid of
design-weight sums, never over respondents. A commune with one sampled hamlet has no replicate
and contributes nothing (R's ``certainty``/``remove``).

References
----------
Rust, K. F., Rao, J. N. K. (1996). Variance estimation for complex surveys using replication
techniques. *Statistical Methods in Medical Research* 5, 283–310.
Lumley, T. (2010). *Complex Surveys*, §2.3 and §7.4; R ``survey`` 4.1.1 ``jknweights``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["jackknife_variances", "with_jackknife"]

_RAKE_TOLERANCE = 1e-12  # relative to the replicate's sum of weights, as the full-sample raking
_RAKE_MAX_ITER = 1000


def _one_hot(code: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros((len(code), n))
    out[np.arange(len(code)), code] = 1.0
    return out


def _recalibrate(start, full_totals, wr, cells):
    """Calibration factors of each replicate (rows) for the commune's cells (columns)."""
    if wr.method == "none":
        return np.ones_like(start)
    if wr.method == "poststratify":
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(start > 0, full_totals / start, 0.0)
    margins = []
    for code in wr.cell_margins:
        _, local = np.unique(code[cells], return_inverse=True)
        onehot = _one_hot(local, local.max() + 1)
        margins.append((onehot, full_totals @ onehot))
    g = np.ones_like(start)
    for _ in range(_RAKE_MAX_ITER):
        old = start * g
        for onehot, target in margins:
            current = (start * g) @ onehot
            with np.errstate(divide="ignore", invalid="ignore"):
                g = g * (np.where(current > 0, target / current, 0.0) @ onehot.T)
        if np.max(np.abs(start * g - old)) < _RAKE_TOLERANCE * start.sum(axis=1).max():
            break
    return g


def _commune_replicates(h, grid, wr, A, B, d_unit, g_cell):
    """Replicate totals of commune h: T' (replicates × items·3) and N' (replicates × items)."""
    psus = np.flatnonzero(grid.stratum_of_psu == h)
    n_h = len(psus)
    units = np.flatnonzero(np.isin(grid.psu_of_unit, psus))
    local_psu = np.searchsorted(psus, grid.psu_of_unit[units])
    cells, local_cell = np.unique(grid.cell_of_unit[units], return_inverse=True)
    multiplier = np.full((n_h, n_h), n_h / (n_h - 1.0))
    np.fill_diagonal(multiplier, 0.0)
    per_unit = multiplier[:, local_psu]  # replicates × units
    cell_onehot = _one_hot(local_cell, len(cells))
    start = (per_unit * d_unit[units]) @ cell_onehot
    full_totals = (g_cell[cells] * (d_unit[units] @ cell_onehot))
    g = _recalibrate(start, full_totals, wr, cells)
    factor = per_unit * g[:, local_cell]
    return factor @ A[units], factor @ B[units], n_h


def jackknife_variances(codes, f, a, grid, wr, domains, comps) -> dict:
    """JKn variances of every item and composite: ``{(level, k or name): array (areas × measures)}``.

    ``codes`` are the item answers (respondents × items), ``f`` and ``a`` the measure and
    answered indicators per answer code, ``domains`` the (level, domain of commune, labels) list and
    ``comps`` the composite coefficients, as in :func:`analysis.estimates.estimate_indices`.
    """
    if grid.psu_of_unit is None:
        raise ValueError("the jackknife deletes one hamlet at a time: it needs the clustered design")
    n_units, V, K, M = len(grid.cell_of_unit), f.shape[0], codes.shape[1], f.shape[1]
    d_unit = np.bincount(grid.unit, weights=wr.design, minlength=n_units)
    g_cell = np.bincount(wr.cell, weights=wr.final) / np.bincount(wr.cell, weights=wr.design)
    A, B = np.empty((n_units, K * M)), np.empty((n_units, K))
    for k in range(K):
        D = np.bincount(grid.unit * V + codes[:, k], weights=wr.design, minlength=n_units * V).reshape(n_units, V)
        A[:, k * M:(k + 1) * M], B[:, k] = D @ f, D @ a
    full = g_cell[grid.cell_of_unit][:, None]
    commune_of_unit = grid.stratum_of_psu[grid.psu_of_unit]
    T_h = _sum_rows(commune_of_unit, full * A, grid.n_strata)
    N_h = _sum_rows(commune_of_unit, full * B, grid.n_strata)
    out = {(level, name): np.zeros((len(labels), M)) for level, _, labels in domains for name in (*range(K), *comps)}
    totals = {level: (_sum_rows(dom, T_h, len(labels)), _sum_rows(dom, N_h, len(labels)))
              for level, dom, labels in domains}
    for h in range(grid.n_strata):
        if grid.psus_per_stratum[h] < 2:
            continue
        T_rep, N_rep, n_h = _commune_replicates(h, grid, wr, A, B, d_unit, g_cell)
        for level, dom, _ in domains:
            g = dom[h]
            T_g, N_g = totals[level][0][g], totals[level][1][g]
            with np.errstate(divide="ignore", invalid="ignore"):
                theta = (T_g - T_h[h] + T_rep).reshape(n_h, K, M) / (N_g - N_h[h] + N_rep)[:, :, None]
                full_theta = T_g.reshape(K, M) / N_g[:, None]
            dev = theta - full_theta
            for k in range(K):
                out[(level, k)][g] += (n_h - 1) / n_h * (dev[:, k, :] ** 2).sum(axis=0)
            for name, coef in comps.items():
                out[(level, name)][g] += (n_h - 1) / n_h * (np.einsum("rkm,k->rm", dev, coef) ** 2).sum(axis=0)
    return out


def _sum_rows(code, table, n_out):
    out = np.zeros((n_out, table.shape[1]))
    np.add.at(out, code, table)
    return out


def with_jackknife(rows, jk: dict, items) -> list:
    """Replace each row's linearized variance by the jackknife's, scaling deff alike."""
    index = {item: k for k, item in enumerate(items)}
    out = []
    for level, labels, item, R, var, deff, n_obs, N, n_eff in rows:
        new = jk[(level, index.get(item, item))]
        with np.errstate(invalid="ignore", divide="ignore"):
            out.append((level, labels, item, R, new, deff * new / var, n_obs, N, n_eff))
    return out
