"""The long result table: one row per level × area × item × measure, with intervals and the reason for no estimate.

:func:`analysis.estimates.estimate_indices` computes the per-(level, item) arrays; this module stacks them,
turns means into 0–100 scores and adds the confidence bounds (see :mod:`analysis.intervals`).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

from .grid import degrees_of_freedom
from .intervals import confidence_bounds

__all__ = ["COLUMNS", "MEASURES", "assemble_table"]

COLUMNS = [
    "level", "area", "item", "measure", "estimate", "se", "ci_lo", "ci_hi", "df", "deff", "n_obs", "wsum",
    "n_eff_kish",
]
MEASURES = ("mean", "score", "prop_sat", "prop_dissat")
_KIND = {"mean": "mean", "score": "score", "prop_sat": "share", "prop_dissat": "share"}
_BASE = ("mean", "prop_sat", "prop_dissat")


def assemble_table(rows, domains, wr, grid, options, scale_max) -> pd.DataFrame:
    """Stack the per-(level, item) arrays into the long table, ordered level, area, item, measure."""
    df_by_level = {
        level: degrees_of_freedom(grid, wr, dom_of_h, len(labels), options.design)
        for level, dom_of_h, labels in domains
    }
    level_rank = {lvl: i for i, (lvl, _, _) in enumerate(domains)}
    n_rows = {  # R's nrow of the domain's design: calibrated designs keep every row in a subset
        level: np.full(len(labels), float(len(wr.final)))
        if wr.calibrated
        else np.bincount(dom_of_h[wr.commune_code], minlength=len(labels)).astype(float)
        for level, dom_of_h, labels in domains
    }
    scale = 100.0 / (scale_max - 1)
    cols: dict[str, list] = defaultdict(list)  # column name -> one array per (level, item, measure)
    for level, labels, item, R, var, deff, n_obs, wsum, n_eff in rows:
        se = np.sqrt(var)
        G = len(labels)
        for m, measure in enumerate(MEASURES):
            col = 0 if measure == "score" else _BASE.index(measure)
            est, s = R[:, col], se[:, col]
            if measure == "score":
                est, s = scale * (est - 1), scale * s
            for name, value in (
                ("level", [level] * G),
                ("area", labels),
                ("item", [item] * G),
                ("measure", [measure] * G),
                ("estimate", est),
                ("se", s),
                ("df", df_by_level[level]),
                ("deff", deff[:, col]),
                ("n_obs", n_obs),
                ("wsum", wsum),
                ("n_eff_kish", n_eff),
                ("_level", np.full(G, level_rank[level])),
                ("_measure", np.full(G, m)),
                ("_n_rows", n_rows[level]),
            ):
                cols[name].append(value)
    out = pd.DataFrame(
        {name: np.concatenate([np.asarray(v) for v in parts]) for name, parts in cols.items()}
    )
    out["n_obs"] = out["n_obs"].astype(np.int64)
    nobody = (out["n_obs"] == 0).to_numpy()  # no estimate: NaN, never an SE of 0
    out.loc[nobody, ["estimate", "se", "deff"]] = np.nan
    kind = out["measure"].map(_KIND).to_numpy()
    lo, hi = confidence_bounds(
        out["estimate"].to_numpy(), out["se"].to_numpy(), out["df"].to_numpy(float), out["n_obs"].to_numpy(),
        out["_n_rows"].to_numpy(), kind, method=options.ci, conf_level=options.conf_level, scale_max=scale_max,
    )
    out["ci_lo"], out["ci_hi"] = lo, hi
    partial = np.isnan(out["estimate"].to_numpy()) & ~nobody  # a composite with an unanswered item
    out["reason"] = np.select([nobody, partial], ["nobody answered", "an item of the composite has no answers"], "")
    out = out.sort_values(["_level", "area", "_measure"], kind="stable")
    return out[[*COLUMNS, "reason"]].reset_index(drop=True)
