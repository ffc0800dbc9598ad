"""Replicate variances: delete-one-hamlet jackknife (JKn) and Rao–Wu bootstrap, re-calibrated.

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
Rao, J. N. K., Wu, C. F. J. (1988). Resampling inference with complex survey data. *JASA* 83, 231–241.
Lumley, T. (2010). *Complex Surveys*, §2.3 and §7.4; R ``survey`` 4.1.1 ``jknweights``, ``subbootweights``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["bootstrap_variances", "jackknife_variances", "with_replicates"]

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


def _commune_replicates(h, grid, wr, A, B, d_unit, g_cell, multiplier):
    """Replicate totals of commune h, ``multiplier`` (replicates × its PSUs) scaling design weights.

    Returns T' (replicates × items·3) and N' (replicates × items), after re-calibration.
    """
    psus = np.flatnonzero(grid.stratum_of_psu == h)
    units = np.flatnonzero(np.isin(grid.psu_of_unit, psus))
    local_psu = np.searchsorted(psus, grid.psu_of_unit[units])
    cells, local_cell = np.unique(grid.cell_of_unit[units], return_inverse=True)
    per_unit = multiplier[:, local_psu]  # replicates × units
    cell_onehot = _one_hot(local_cell, len(cells))
    start = (per_unit * d_unit[units]) @ cell_onehot
    full_totals = g_cell[cells] * (d_unit[units] @ cell_onehot)
    g = _recalibrate(start, full_totals, wr, cells)
    factor = per_unit * g[:, local_cell]
    return factor @ A[units], factor @ B[units]


def _jackknife_multipliers(n_h: int) -> np.ndarray:
    multiplier = np.full((n_h, n_h), n_h / (n_h - 1.0))
    np.fill_diagonal(multiplier, 0.0)
    return multiplier


def _unit_tables(codes, f, a, grid, wr):
    """Design-weight sums per (PSU, cell) unit: A (units × items·measures), B (units × items)."""
    n_units, V, K, M = len(grid.cell_of_unit), f.shape[0], codes.shape[1], f.shape[1]
    A, B = np.empty((n_units, K * M)), np.empty((n_units, K))
    for k in range(K):
        D = np.bincount(grid.unit * V + codes[:, k], weights=wr.design, minlength=n_units * V).reshape(n_units, V)
        A[:, k * M:(k + 1) * M], B[:, k] = D @ f, D @ a
    d_unit = np.bincount(grid.unit, weights=wr.design, minlength=n_units)
    g_cell = np.bincount(wr.cell, weights=wr.final) / np.bincount(wr.cell, weights=wr.design)
    return A, B, d_unit, g_cell


def jackknife_variances(codes, f, a, grid, wr, domains, comps) -> dict:
    """JKn variances of every item and composite: ``{(level, k or name): array (areas × measures)}``.

    ``codes`` are the item answers (respondents × items), ``f`` and ``a`` the measure and
    answered indicators per answer code, ``domains`` the (level, domain of commune, labels) list and
    ``comps`` the composite coefficients, as in :func:`analysis.estimates.estimate_indices`.
    """
    _require_hamlets(grid)
    K, M = codes.shape[1], f.shape[1]
    A, B, d_unit, g_cell = _unit_tables(codes, f, a, grid, wr)
    T_h, N_h = _commune_totals(grid, A, B, g_cell)
    out = {(level, name): np.zeros((len(labels), M)) for level, _, labels in domains for name in (*range(K), *comps)}
    totals = {level: (_sum_rows(dom, T_h, len(labels)), _sum_rows(dom, N_h, len(labels)))
              for level, dom, labels in domains}
    for h in range(grid.n_strata):
        n_h = int(grid.psus_per_stratum[h])
        if n_h < 2:
            continue
        T_rep, N_rep = _commune_replicates(h, grid, wr, A, B, d_unit, g_cell, _jackknife_multipliers(n_h))
        for level, dom, _ in domains:
            g = dom[h]
            T_g, N_g = totals[level][0][g], totals[level][1][g]
            theta = _ratio(T_g - T_h[h] + T_rep, N_g - N_h[h] + N_rep, K, M)
            _accumulate(out, level, g, theta - _ratio(T_g[None], N_g[None], K, M), (n_h - 1) / n_h, comps)
    return out


def bootstrap_variances(codes, f, a, grid, wr, domains, comps, *, replicates: int, seed: int) -> dict:
    """Rao–Wu rescaling bootstrap variances, every replicate re-calibrated (same layout as the jackknife).

    In each commune, n_h − 1 of its n_h hamlets are drawn with replacement; hamlet j drawn k_j times
    gets the multiplier k_j n_h/(n_h − 1) (Rao & Wu 1988 with m_h = n_h − 1, R's
    ``subbootstrap``). V = Σ_b (θ_b − θ̂)² / B (``mse = TRUE``). A commune with one sampled hamlet
    keeps its weights in every replicate. ``seed`` makes the draws reproducible.
    """
    _require_hamlets(grid)
    rng = np.random.default_rng(seed)
    K, M = codes.shape[1], f.shape[1]
    A, B, d_unit, g_cell = _unit_tables(codes, f, a, grid, wr)
    T_h, N_h = _commune_totals(grid, A, B, g_cell)
    out = {(level, name): np.zeros((len(labels), M)) for level, _, labels in domains for name in (*range(K), *comps)}
    rep = {level: (np.zeros((replicates, len(labels), K * M)), np.zeros((replicates, len(labels), K)))
           for level, _, labels in domains}
    for h in range(grid.n_strata):
        n_h = int(grid.psus_per_stratum[h])
        if n_h < 2:
            T_rep, N_rep = np.repeat(T_h[h][None], replicates, 0), np.repeat(N_h[h][None], replicates, 0)
        else:
            draws = rng.multinomial(n_h - 1, np.full(n_h, 1.0 / n_h), size=replicates)
            T_rep, N_rep = _commune_replicates(h, grid, wr, A, B, d_unit, g_cell, draws * n_h / (n_h - 1.0))
        for level, dom, _ in domains:
            rep[level][0][:, dom[h]] += T_rep
            rep[level][1][:, dom[h]] += N_rep
    for level, dom, labels in domains:
        T_g, N_g = _sum_rows(dom, T_h, len(labels)), _sum_rows(dom, N_h, len(labels))
        for g in range(len(labels)):
            theta = _ratio(rep[level][0][:, g], rep[level][1][:, g], K, M)
            _accumulate(out, level, g, theta - _ratio(T_g[g][None], N_g[g][None], K, M), 1.0 / replicates, comps)
    return out


def _require_hamlets(grid) -> None:
    if grid.psu_of_unit is None:
        raise ValueError("replicate variances resample hamlets: they need the clustered design")


def _commune_totals(grid, A, B, g_cell):
    """Full-sample totals per commune, Σ w a f and Σ w a (communes × items·measures, × items)."""
    full = g_cell[grid.cell_of_unit][:, None]
    commune_of_unit = grid.stratum_of_psu[grid.psu_of_unit]
    return _sum_rows(commune_of_unit, full * A, grid.n_strata), _sum_rows(commune_of_unit, full * B, grid.n_strata)


def _ratio(T, N, K, M):
    """Item estimates T/N per replicate: (replicates × items × measures)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return T.reshape(-1, K, M) / N[:, :, None]


def _accumulate(out, level, g, dev, scale, comps) -> None:
    """Add scale × Σ_replicates dev² to every item's and composite's variance of domain g."""
    for k in range(dev.shape[1]):
        out[(level, k)][g] += scale * (dev[:, k, :] ** 2).sum(axis=0)
    for name, coef in comps.items():
        out[(level, name)][g] += scale * (np.einsum("rkm,k->rm", dev, coef) ** 2).sum(axis=0)


def _sum_rows(code, table, n_out):
    out = np.zeros((n_out, table.shape[1]))
    np.add.at(out, code, table)
    return out


def with_replicates(rows, jk: dict, items) -> list:
    """Replace each row's linearized variance by the replicates', scaling deff alike."""
    index = {item: k for k, item in enumerate(items)}
    out = []
    for level, labels, item, R, var, deff, n_obs, N, n_eff in rows:
        new = jk[(level, index.get(item, item))]
        with np.errstate(invalid="ignore", divide="ignore"):
            out.append((level, labels, item, R, new, deff * new / var, n_obs, N, n_eff))
    return out
