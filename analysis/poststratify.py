"""Post-stratification factors: population count ÷ weighted sample count of each joint cell.

Reference: Lumley, T. (2010). *Complex Surveys*, ch. 7; R package ``survey``: ``postStratify``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .weighting_error import WeightingError

__all__ = ["poststratify_factors"]


def poststratify_factors(key, start_totals, cells, variables) -> np.ndarray:
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
            f"commune {row['commune']!r}: cell {_cell_label(row, variables)} occurs in the data "
            "but not in the population cells",
            commune=row["commune"],
            cell=_cell_label(row, variables),
        )
    zero = (merged["count"] <= 0).to_numpy()
    if zero.any():
        row = merged[zero].iloc[0]
        raise WeightingError(
            f"commune {row['commune']!r}: cell {_cell_label(row, variables)} has respondents "
            "but a population of 0",
            commune=row["commune"],
            cell=_cell_label(row, variables),
        )
    empty = pop.merge(key, on=["commune", *variables], how="left", indicator=True)
    empty = empty[(empty["_merge"] == "left_only") & (empty["count"] > 0)]
    if len(empty):
        row = empty.iloc[0]
        raise WeightingError(
            f"commune {row['commune']!r}: cell {_cell_label(row, variables)} has population "
            f"{row['count']:g} but no respondents (empty sample cell)",
            commune=row["commune"],
            cell=_cell_label(row, variables),
        )
    return merged["count"].to_numpy(float) / start_totals



def _cell_label(key_row: pd.Series, variables) -> str:
    return ", ".join(f"{v}={key_row[v]}" for v in variables)
