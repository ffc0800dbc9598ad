"""Communes left out because they cannot be calibrated: their rows, with the reason, in the table.

With collapsing on, a commune whose weights still cannot be computed (no population figures,
raking that cannot meet its margins) does not stop the run: it is left
out, its rows carry no estimate and say why, and the district and province rows that would have
included it say which commune they lack.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .data import Responses

__all__ = ["communes_by_district", "with_skipped_communes", "without_communes"]


def without_communes(resp: Responses, communes) -> Responses:
    """The responses without the given communes (unused area labels dropped)."""
    if not communes:
        return resp
    keep = ~resp.frame["commune"].astype(str).isin(list(communes)).to_numpy()
    frame = resp.frame[keep].reset_index(drop=True)
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.CategoricalDtype):
            frame[column] = frame[column].cat.remove_unused_categories()
    return Responses(frame=frame, items=resp.items, codes=resp.codes[keep], scale_max=resp.scale_max)


def communes_by_district(responses: pd.DataFrame) -> dict[str, str]:
    """commune → district, from the responses (empty when they have no district column)."""
    if "district" not in responses.columns:
        return {}
    pairs = responses[["commune", "district"]].astype(str).apply(lambda col: col.str.strip()).drop_duplicates()
    return dict(zip(pairs["commune"], pairs["district"], strict=True))


def with_skipped_communes(table: pd.DataFrame, skipped: dict[str, str], district_of: dict[str, str]) -> pd.DataFrame:
    """Add one row per item and measure for each skipped commune and name them on the wider rows."""
    template = table[table["level"] == "commune"].drop_duplicates(["item", "measure"])[["item", "measure"]]
    rows = [template.assign(level="commune", area=commune, reason=f"not estimated: {why}")
            for commune, why in skipped.items()]
    out = pd.concat([table, *rows], ignore_index=True)
    out["n_obs"] = out["n_obs"].fillna(0).astype(np.int64)
    for level, lacking in (("district", lambda area: [c for c in skipped if district_of.get(c) == area]),
                           ("overall", lambda area: list(skipped))):
        rows = (out["level"] == level).to_numpy()
        notes = out.loc[rows, "area"].map(lambda area, f=lacking: _without_note(f(area)))
        out.loc[rows, "reason"] = np.where(out.loc[rows, "reason"] == "", notes, out.loc[rows, "reason"])
    rank = {level: i for i, level in enumerate(dict.fromkeys(table["level"]))}
    order = out.assign(_rank=out["level"].map(rank)).sort_values(["_rank", "area"], kind="stable").index
    return out.loc[order].reset_index(drop=True)


def _without_note(communes) -> str:
    return f"without commune(s) {', '.join(communes)} (not estimated)" if communes else ""
