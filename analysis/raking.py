"""Raking: the margin targets of every joint cell and iterative proportional fitting on the joint table.

Reference: Lumley, T. (2010). *Complex Surveys*, ch. 7; R package ``survey``: ``rake``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .weighting_error import WeightingError

__all__ = ["rake_factors", "rake_targets"]


def rake_targets(key, margins, variables):
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


def rake_factors(start_totals, cell_commune, targets, epsilon, max_iter, communes):
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
