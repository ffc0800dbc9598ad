"""Collapse empty calibration cells within a commune, by a documented rule, instead of stopping.

A small commune often has no respondent in some sex × age-group cell (or, for raking, in some age
group) that the population has. Calibration cannot give weight to nobody, so the cell is merged
with its neighbours, one commune at a time, following these steps until every population cell
with people in it has a respondent:

1. merge the empty age group with the next older one (the last with the one before), repeatedly;
2. calibrate to sex only (every age group together);
3. design weights only, scaled to the commune's population total (one cell per commune).

Other communes keep the full cells. The labels are rewritten in the responses and the population
table alike (a merged age group reads ``45-59/60+``, a dropped variable ``*``), so the calibration
and its variance residuals need no special case. :attr:`Collapsed.actions` says per commune what
was done; the long table shows it in its ``collapse`` column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

__all__ = ["ALL_LEVELS", "Collapsed", "collapse_empty_cells"]

ALL_LEVELS = "*"
AGE, SEX = "age_group", "sex"


@dataclass(frozen=True, eq=False)
class Collapsed:
    """Responses and population with collapsed labels, and what was done per commune."""

    frame: pd.DataFrame
    population: pd.DataFrame
    actions: dict[str, str]


def _age_key(label: str):
    """Order age groups by their first number (``18-29`` < ``30-44`` < ``60+``), else by text."""
    match = re.match(r"\s*(\d+)", str(label))
    return (0, int(match.group(1)), "") if match else (1, 0, str(label))


def _relabel(table: pd.DataFrame, mapping: dict[str, dict], method: str) -> pd.DataFrame:
    """Apply {variable: {old label: new label}} to a sample frame, cells or margins."""
    out = table.copy()
    for var, labels in mapping.items():
        if method == "rake" and "variable" in out.columns:
            rows = out["variable"] == var
            out.loc[rows, "level"] = out.loc[rows, "level"].map(lambda x, m=labels: m.get(x, x))
        elif var in out.columns:
            out[var] = out[var].map(lambda x, m=labels: m.get(x, x))
    return out


def _empty_cells(sample: pd.DataFrame, pop: pd.DataFrame, method: str, variables) -> pd.DataFrame:
    """Population cells (or margin levels) with people in them but no respondent."""
    if method == "rake":
        seen = pd.concat(
            [pd.DataFrame({"variable": v, "level": sample[v].unique()}) for v in variables], ignore_index=True
        )
        keys = ["variable", "level"]
    else:
        seen, keys = sample[list(variables)].drop_duplicates(), list(variables)
    grouped = pop.groupby(keys, as_index=False)["count"].sum()
    merged = grouped.merge(seen.assign(_seen=True), on=keys, how="left")
    return merged[(merged["count"] > 0) & merged["_seen"].isna()]


def _merge_ages(sample, pop, method, variables) -> dict[str, str]:
    """Merge each empty age group with its older neighbour (the oldest with the younger one)."""
    known = pop.loc[pop["variable"] == AGE, "level"] if method == "rake" else pop[AGE]
    levels = sorted(set(known), key=_age_key)
    groups = [[level] for level in levels]
    while len(groups) > 1:
        mapping = {level: "/".join(g) for g in groups for level in g}
        empty = _empty_cells(_relabel(sample, {AGE: mapping}, method), _relabel(pop, {AGE: mapping}, method),
                             method, variables)
        bad = set(empty["level"] if method == "rake" else empty[AGE]) & set(mapping.values())
        if not bad:
            return mapping
        i = next(k for k, g in enumerate(groups) if "/".join(g) in bad)
        j = i + 1 if i + 1 < len(groups) else i - 1
        lo, hi = min(i, j), max(i, j)
        groups[lo:hi + 1] = [groups[lo] + groups[hi]]
    return {level: "/".join(groups[0]) for level in levels}


def _commune_rule(sample, pop, method, variables) -> tuple[dict, str]:
    """The first step of the rule after which the commune has no empty cell, and its description."""
    if AGE in variables:
        ages = _merge_ages(sample, pop, method, variables)
        mapping = {AGE: ages}
        several = len(set(ages.values())) > 1  # one group left is step 2, "sex only"
        if several and _empty_cells(_relabel(sample, mapping, method), _relabel(pop, mapping, method), method,
                                    variables).empty:
            merged = sorted({label for label in ages.values() if "/" in label and label not in ages}, key=_age_key)
            return mapping, "merged age groups " + ", ".join(merged)
    everything = {v: {level: ALL_LEVELS for level in _levels(sample, pop, method, v)} for v in variables}
    if SEX in variables and len(variables) > 1:
        mapping = {v: m for v, m in everything.items() if v != SEX}
        if _empty_cells(_relabel(sample, mapping, method), _relabel(pop, mapping, method), method, variables).empty:
            return mapping, "sex only"
    return everything, "design weights only"


def _levels(sample, pop, method, var) -> set:
    known = set(pop.loc[pop["variable"] == var, "level"]) if method == "rake" else set(pop[var])
    return known | set(sample[var])


def collapse_empty_cells(frame: pd.DataFrame, population: pd.DataFrame, method: str, variables) -> Collapsed:
    """Collapse, commune by commune, the cells that have population but no respondent.

    Parameters
    ----------
    frame : DataFrame
        Responses with ``commune`` and the weighting ``variables``.
    population : DataFrame
        Cells ``commune, <variables>, count`` (``method="poststratify"``) or margins
        ``commune, variable, level, count`` (``method="rake"``).

    Returns
    -------
    Collapsed
        Relabelled copies (population counts summed over merged cells) and the actions.
    """
    variables = list(variables)
    sample = frame[["commune", *variables]].astype(str)
    pop = population.astype({c: str for c in population.columns if c != "count"})
    keys = ["commune", "variable", "level"] if method == "rake" else ["commune", *variables]
    empty = _empty_cells_by_commune(sample, pop, method, variables)
    actions, frame_out, pop_parts = {}, frame.copy(), [pop[~pop["commune"].isin(empty)]]
    for var in variables:
        frame_out[var] = sample[var]
    for commune in empty:
        rows = (sample["commune"] == commune).to_numpy()
        mapping, actions[commune] = _commune_rule(sample[rows], pop[pop["commune"] == commune], method, variables)
        frame_out.loc[rows, variables] = _relabel(sample[rows], mapping, method)[variables].to_numpy()
        pop_parts.append(_relabel(pop[pop["commune"] == commune], mapping, method))
    merged = pd.concat(pop_parts, ignore_index=True).groupby(keys, as_index=False, sort=False)["count"].sum()
    return Collapsed(frame=frame_out, population=merged, actions=actions)


def _empty_cells_by_commune(sample, pop, method, variables) -> list[str]:
    """Communes with at least one population cell (or margin level) that has no respondent."""
    if method == "rake":
        seen = pd.concat(
            [sample[["commune", v]].drop_duplicates().rename(columns={v: "level"}).assign(variable=v)
             for v in variables],
            ignore_index=True,
        )
        keys = ["commune", "variable", "level"]
    else:
        seen, keys = sample.drop_duplicates(), ["commune", *variables]
    merged = pop[pop["count"] > 0].merge(seen.assign(_seen=True), on=keys, how="left")
    sampled = set(sample["commune"])
    return sorted(c for c in set(merged.loc[merged["_seen"].isna(), "commune"]) if c in sampled)
