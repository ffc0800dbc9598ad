"""Sampling structure of the estimator: strata, PSUs and calibration cells, domains, composites.

Cells j (commune × calibration cell) lie within strata h (communes); PSUs (respondents or hamlets)
within strata; a *unit* is a (PSU, cell) pair, the finest grid the estimator aggregates to.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .data import Responses
from .weights import WeightResult

__all__ = [
    "Grid",
    "by_rows",
    "degrees_of_freedom", "build_grid", "composite_coefficients", "domains_of", "population_psus"]


@dataclass(frozen=True, eq=False)
class Grid:
    """Sampling structure: cells j within strata h, PSUs p within strata, units U = (PSU, cell)."""

    n_cells: int
    stratum_of_cell: np.ndarray
    unit: np.ndarray  # per respondent
    cell_of_unit: np.ndarray
    psu_of_unit: np.ndarray | None
    stratum_of_psu: np.ndarray | None
    n_strata: int
    psus_per_stratum: np.ndarray  # n_h: respondents (stratified) or hamlets (clustered)
    population_psus: np.ndarray | None = None  # N_h: hamlets of the commune, for the fpc


def build_grid(resp: Responses, wr: WeightResult, design: str) -> Grid:
    n_cells, h = len(wr.cell_commune), len(wr.communes)
    if design == "stratified":
        return Grid(
            n_cells,
            wr.cell_commune,
            wr.cell,
            np.arange(n_cells),
            None,
            None,
            h,
            np.bincount(wr.commune_code, minlength=h).astype(float),
        )
    hamlet = pd.factorize(resp.frame["hamlet"])[0].astype(np.int64)
    psu_raw = wr.commune_code * (hamlet.max() + 1) + hamlet
    psu_vals, psu = np.unique(psu_raw, return_inverse=True)
    units, unit = np.unique(psu.astype(np.int64) * n_cells + wr.cell, return_inverse=True)
    stratum_of_psu = psu_vals // (hamlet.max() + 1)
    return Grid(
        n_cells,
        wr.cell_commune,
        unit.astype(np.int64),
        units % n_cells,
        units // n_cells,
        stratum_of_psu,
        h,
        np.bincount(stratum_of_psu, minlength=h).astype(float),
    )


def population_psus(hamlet_counts: pd.DataFrame, wr: WeightResult, grid: Grid, options) -> np.ndarray:
    """N_h per commune from ``commune, hamlets``; every sampled commune needs a count ≥ its sample."""
    if options.design != "clustered" or options.variance != "linearization":
        raise ValueError("hamlet counts (fpc) apply to the clustered design's linearized variance")
    counts = pd.Series(hamlet_counts["hamlets"].to_numpy(float), index=hamlet_counts["commune"].astype(str))
    N = counts.reindex(list(wr.communes)).to_numpy()
    short = np.isnan(N) | (grid.psus_per_stratum > N)
    if short.any():
        c = wr.communes[int(np.flatnonzero(short)[0])]
        raise ValueError(f"commune {c!r}: hamlet count missing or below its {grid.psus_per_stratum[short][0]:g} "
                         "sampled hamlets")
    return N


def domains_of(resp: Responses, wr: WeightResult, levels) -> list[tuple[str, np.ndarray, list[str]]]:
    out = []
    for level in levels:
        if level == "commune":
            out.append((level, np.arange(len(wr.communes)), list(wr.communes)))
        elif level == "overall":
            out.append((level, np.zeros(len(wr.communes), dtype=np.int64), ["ALL"]))
        elif level == "district":
            if "district" not in resp.frame.columns:
                continue
            dcode, labels = pd.factorize(resp.frame["district"], sort=True)
            pairs = np.unique(wr.commune_code * len(labels) + dcode)
            c_of_pair, d_of_pair = pairs // len(labels), pairs % len(labels)
            if len(pairs) != len(wr.communes):
                c = wr.communes[int(c_of_pair[np.flatnonzero(np.diff(c_of_pair) == 0)[0]])]
                raise ValueError(f"commune {c!r} appears under more than one district")
            dom = np.empty(len(wr.communes), dtype=np.int64)
            dom[c_of_pair] = d_of_pair
            labels = [str(x) for x in labels]
            out.append((level, dom, list(labels)))
        else:
            raise ValueError(f"unknown level {level!r}")
    return out


def composite_coefficients(
    items, item_weights: pd.DataFrame | None = None
) -> dict[str, np.ndarray]:
    """Composite definitions: name → coefficients c_k over ``items`` summing to 1.

    ``composite_equal`` always; ``composite_weighted`` when item weights are given; and
    ``composite_<group>`` (given weights within the group) when they carry a ``group`` column.
    """
    items = list(items)
    out = {"composite_equal": np.full(len(items), 1.0 / len(items))}
    if item_weights is not None:
        wmap = dict(zip(item_weights["item"], item_weights["weight"], strict=True))
        a = np.array([float(wmap.get(i, 0.0)) for i in items])
        out["composite_weighted"] = a / a.sum()
        if "group" in item_weights.columns:
            gmap = dict(zip(item_weights["item"], item_weights["group"], strict=True))
            for group in dict.fromkeys(g for g in item_weights["group"] if g):
                ag = np.array([a[k] if gmap.get(i) == group else 0.0 for k, i in enumerate(items)])
                if ag.sum() > 0:
                    out[f"composite_{group}"] = ag / ag.sum()
    return out


def by_rows(code: np.ndarray, table: np.ndarray, n_out: int) -> np.ndarray:
    """Sum the rows of a 2-D table by group code (vectorised over columns)."""
    flat = (code[:, None] * table.shape[1] + np.arange(table.shape[1])).ravel()
    return np.bincount(flat, weights=table.ravel(), minlength=n_out * table.shape[1]).reshape(
        n_out, -1
    )


def degrees_of_freedom(grid: Grid, wr: WeightResult, dom_of_h, G, design) -> np.ndarray:
    """R ``degf``: PSUs with non-zero weight minus strata, within each domain."""
    if design == "clustered":
        units = np.bincount(dom_of_h[grid.stratum_of_psu], minlength=G)
    else:
        units = np.bincount(dom_of_h[wr.commune_code], minlength=G)
    strata = np.bincount(dom_of_h, minlength=G)
    return (units - strata).astype(float)
