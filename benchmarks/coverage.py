"""Do the default plan's 95 % intervals cover the truth 95 % of the time? A simulation.

Builds one finite population (24 communes in 4 districts, 8–16 hamlets each, a real hamlet effect
on satisfaction, which also depends on sex and age), then draws many samples the way fieldwork
does: in each commune 2–6 hamlets at random, then 30–200 respondents spread over them, chosen with
a tilt towards women and people over 60 that the design weights do not know (calibration must
repair it). Each sample is analysed with the default plan (clustered by hamlet, raked to the
commune's sex and age margins, empty cells collapsed, lonely hamlets ``adjust``, Korn–Graubard and
logit-scale intervals) and every interval is checked against the population's true value.

Prints: the intra-hamlet correlation of the items in the population, coverage of the mean and of
the share satisfied per level (commune, district, province), commune coverage by sample size, the
lowest commune, and how many samples produced no table.

Usage: python benchmarks/coverage.py [--samples 1000] [--seed 2026]
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analysis import AnalysisPlan, run_plan  # noqa: E402

ITEMS = ("q1", "q2", "q3")
AGES = ("18-29", "30-44", "45-59", "60+")
SIZE_BANDS = ((30, 59), (60, 119), (120, 200))


@dataclass(frozen=True, eq=False)
class Population:
    """Every adult: commune, district, hamlet, sex, age group, answers; plus the sampling frame."""

    people: pd.DataFrame
    margins: pd.DataFrame
    truth: pd.DataFrame  # level, area, item, measure, true value
    sample_size: dict  # commune -> respondents per sample
    hamlets_sampled: dict  # commune -> hamlets per sample


def build_population(seed: int = 2026, n_communes: int = 24) -> Population:
    """A finite population whose items have an intra-hamlet correlation of about 0.1."""
    rng = np.random.default_rng(seed)
    parts = []
    for c in range(n_communes):
        n_hamlets = int(rng.integers(8, 17))
        sizes = rng.integers(80, 300, n_hamlets)
        hamlet = np.repeat(np.arange(n_hamlets), sizes)
        n = len(hamlet)
        parts.append(pd.DataFrame({
            "district": f"D{c % 4 + 1}", "commune": f"C{c + 1:02d}", "hamlet": [f"H{h + 1}" for h in hamlet],
            "sex": rng.choice(["F", "M"], n), "age": rng.choice(4, n, p=[0.25, 0.3, 0.25, 0.2]),
            "latent": rng.normal(0, 0.25) + rng.normal(0, 0.5, n_hamlets)[hamlet],
        }))
    people = pd.concat(parts, ignore_index=True)
    people["age_group"] = np.asarray(AGES)[people["age"]]
    base = people["latent"] + 0.3 * people["age"] - 0.3 * (people["sex"] == "M")
    for k, item in enumerate(ITEMS):
        people[item] = np.clip(np.round(3.0 + 0.2 * k + base + rng.normal(0, 1, len(people))), 1, 5)
    margins = pd.concat([
        people.groupby(["commune", var]).size().rename("count").reset_index().rename(columns={var: "level"})
        .assign(variable=var) for var in ("sex", "age_group")], ignore_index=True)
    communes = sorted(people["commune"].unique())
    sample_size = {c: int(n) for c, n in zip(communes, rng.integers(30, 201, len(communes)), strict=True)}
    hamlets_sampled = {c: min(people.loc[people["commune"] == c, "hamlet"].nunique(), 2 + sample_size[c] // 50)
                       for c in communes}
    return Population(people, margins[["commune", "variable", "level", "count"]], _truth(people), sample_size,
                      hamlets_sampled)


def _truth(people: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for level, key in (("commune", "commune"), ("district", "district"), ("overall", None)):
        groups = people.groupby(key) if key else [("ALL", people)]
        for area, group in groups:
            for item in ITEMS:
                rows.append((level, area, item, "mean", group[item].mean()))
                rows.append((level, area, item, "prop_sat", (group[item] >= 4).mean()))
    return pd.DataFrame(rows, columns=["level", "area", "item", "measure", "truth"])


def intra_hamlet_correlation(people: pd.DataFrame) -> float:
    """Smallest ICC over the items: variance of hamlet means about their commune's mean ÷ total variance."""
    iccs = []
    for item in ITEMS:
        residual = people[item] - people.groupby("commune")[item].transform("mean")
        hamlet_mean = residual.groupby([people["commune"], people["hamlet"]]).transform("mean")
        iccs.append(hamlet_mean.var() / residual.var())
    return min(iccs)


def draw_sample(pop: Population, rng: np.random.Generator) -> pd.DataFrame:
    """Hamlets at random in each commune, then respondents tilted towards women and the over-60s."""
    people = pop.people
    tilt = np.where(people["sex"] == "F", 1.6, 1.0) * np.where(people["age_group"] == "60+", 1.8, 1.0)
    chosen, weights = [], []
    for commune, group in people.groupby("commune").groups.items():
        hamlets = people.loc[group, "hamlet"]
        names = hamlets.unique()
        picked = rng.choice(names, pop.hamlets_sampled[commune], replace=False)
        per_hamlet = np.diff(np.linspace(0, pop.sample_size[commune], len(picked) + 1).round().astype(int))
        for name, n in zip(picked, per_hamlet, strict=True):
            members = group[(hamlets == name).to_numpy()]
            p = tilt[members] / tilt[members].sum()
            chosen.append(rng.choice(members, n, replace=False, p=p))
            weights.append(np.full(n, len(names) / len(picked) * len(members) / n))
    sample = people.loc[np.concatenate(chosen), ["district", "commune", "hamlet", "sex", "age_group", *ITEMS]]
    return sample.assign(design_weight=np.concatenate(weights)).reset_index(drop=True)


def run_coverage(samples: int, seed: int = 2026, pop: Population | None = None) -> dict:
    """Coverage of the default plan's intervals over ``samples`` samples; see the module docstring."""
    pop = pop or build_population(seed)
    rng = np.random.default_rng(seed + 1)
    plan = AnalysisPlan(name="coverage benchmark")
    hits, failures = [], 0
    for _ in range(samples):
        sample = draw_sample(pop, rng)
        try:
            table = run_plan(plan, sample, list(ITEMS), margins=pop.margins).to_frame()
        except ValueError:
            failures += 1
            continue
        rows = table.merge(pop.truth, on=["level", "area", "item", "measure"])
        hits.append(rows.assign(covered=(rows["ci_lo"] <= rows["truth"]) & (rows["truth"] <= rows["ci_hi"]))
                    [["level", "area", "item", "measure", "covered"]])
    covered = pd.concat(hits, ignore_index=True) if hits else pd.DataFrame()
    return {"samples": samples, "without_table": failures, "covered": covered, "population": pop}


def summarise(result: dict) -> dict:
    """Coverage per level and measure, commune coverage by size band, the lowest commune."""
    cov, pop = result["covered"], result["population"]
    by_level = cov.groupby(["level", "measure"])["covered"].mean()
    commune = cov[cov["level"] == "commune"]
    per_commune = commune.groupby("area")["covered"].mean()
    size = pd.Series(pop.sample_size)
    bands = {f"{lo}-{hi}": per_commune[size[(size >= lo) & (size <= hi)].index].median() for lo, hi in SIZE_BANDS}
    return {"by_level": by_level, "commune_median": per_commune.median(), "commune_min": per_commune.min(),
            "lowest": per_commune.idxmin(), "bands": bands, "without_table": result["without_table"],
            "samples": result["samples"]}


def main(argv=None) -> int:
    """Run the simulation and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    pop = build_population(args.seed)
    print(f"population: {len(pop.people):,} adults, {pop.people['commune'].nunique()} communes, "
          f"{pop.people.groupby('commune')['hamlet'].nunique().sum()} hamlets; "
          f"intra-hamlet correlation of the items ≥ {intra_hamlet_correlation(pop.people):.3f}")
    summary = summarise(run_coverage(args.samples, args.seed, pop))
    print(f"samples: {summary['samples']}, without a table: {summary['without_table']}")
    for (level, measure), value in summary["by_level"].items():
        print(f"coverage {level:8s} {measure:8s}: {100 * value:.1f} %")
    print(f"communes: median {100 * summary['commune_median']:.1f} %, lowest {100 * summary['commune_min']:.1f} % "
          f"({summary['lowest']}, n = {pop.sample_size[summary['lowest']]})")
    for band, value in summary["bands"].items():
        print(f"communes of {band} respondents: median {100 * value:.1f} %")
    print(f"time: {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
