"""Time the full analysis table on 1,000,000 responses × 19 items in 100 communes.

Runs raking per commune plus every estimate and linearized SE, for the stratified and the clustered
design, and reports the median wall time of a few runs and the peak memory. With Rscript present,
``--r-rows N`` also times R's ``survey`` on N generated rows (R on 1M rows takes very long) and
prints the speed ratio against Python on the same rows.

Usage: python benchmarks/analysis_speed.py [--rows 1000000] [--repeat 3] [--r-rows 20000]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analysis import compute_indices  # noqa: E402

SEXES = np.array(["F", "M"])
AGES = np.array(["18-29", "30-39", "40-49", "50-59", "60+"])


def generate(n: int, n_communes: int = 100, n_items: int = 19, seed: int = 7):
    """Responses, margins and item names; vectorised so 1M rows take about a second."""
    rng = np.random.default_rng(seed)
    commune = rng.integers(0, n_communes, n)
    commune[:n_communes] = np.arange(n_communes)  # every commune sampled
    commune.sort()
    hamlet = rng.integers(0, 8, n)
    sex = rng.integers(0, 2, n)
    age = rng.choice(5, n, p=[0.15, 0.2, 0.2, 0.2, 0.25])
    starts = np.searchsorted(commune, np.arange(n_communes))
    ends = np.append(starts[1:], n)
    for offset in range(10):  # every sex × age cell and at least two hamlets in every commune
        idx = starts + offset
        idx = idx[idx < ends]
        sex[idx], age[idx], hamlet[idx] = offset % 2, offset // 2, offset % 8
    hamlet_effect = rng.normal(0, 0.4, (n_communes, 8))[commune, hamlet]
    names = np.array([f"C{c:03d}" for c in range(n_communes)])
    frame = pd.DataFrame(
        {
            "id": np.arange(n).astype(str),
            "district": pd.Categorical(np.char.add("D", (np.arange(n_communes) // 10).astype(str))[commune]),
            "commune": pd.Categorical(names[commune]),
            "hamlet": pd.Categorical(np.char.add("H", hamlet.astype(str))),
            "sex": pd.Categorical(SEXES[sex]),
            "age_group": pd.Categorical(AGES[age]),
            "design_weight": rng.uniform(20, 60, (n_communes, 8))[commune, hamlet],
        }
    )
    items = [f"q{k + 1:02d}" for k in range(n_items)]
    base = 3.3 + 0.2 * age - 0.2 * sex + hamlet_effect
    for k, item in enumerate(items):
        y = np.clip(np.rint(base + rng.normal(0, 1.0, n) + 0.05 * k), 1, 5)
        y[rng.random(n) < 0.1] = np.nan
        frame[item] = y
    pop_sex = rng.integers(2000, 6000, (n_communes, 2)).astype(float)
    share = rng.dirichlet(np.ones(5) * 4, n_communes)
    pop_age = share * pop_sex.sum(axis=1, keepdims=True)
    margins = pd.concat(
        [
            pd.DataFrame(
                {
                    "commune": np.repeat(names, 2),
                    "variable": "sex",
                    "level": np.tile(SEXES, n_communes),
                    "count": pop_sex.ravel(),
                }
            ),
            pd.DataFrame(
                {
                    "commune": np.repeat(names, 5),
                    "variable": "age_group",
                    "level": np.tile(AGES, n_communes),
                    "count": pop_age.ravel(),
                }
            ),
        ],
        ignore_index=True,
    )
    return frame, margins, items


def run_python(frame, margins, items):
    """Rake per commune and estimate everything for both designs; return the two tables."""
    return [
        compute_indices(frame, items, design=design, weighting="rake", margins=margins).to_frame()
        for design in ("stratified", "clustered")
    ]


def time_r(frame, margins, items) -> float | None:
    """Seconds R's survey needs for the same table (both designs), or None without R."""
    if shutil.which("Rscript") is None:
        return None
    script = Path(__file__).with_name("analysis_speed.R")
    with tempfile.TemporaryDirectory() as tmp:
        frame.to_csv(os.path.join(tmp, "responses.csv"), index=False)
        margins.to_csv(os.path.join(tmp, "margins.csv"), index=False)
        out = subprocess.run(["Rscript", str(script), tmp, ",".join(items)], capture_output=True, text=True)
        if out.returncode != 0:
            print("R failed:", out.stderr[-500:])
            return None
        return float(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--r-communes", type=int, default=100, help="communes in R's data set")
    parser.add_argument("--r-rows", type=int, default=0, help="also time R on this many rows (0: skip)")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    frame, margins, items = generate(args.rows)
    print(
        f"generated {len(frame):,} responses × {len(items)} items in {frame['commune'].nunique()} "
        f"communes in {time.perf_counter() - t0:.1f} s"
    )
    times, cpu = [], []
    for _ in range(args.repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        tables = run_python(frame, margins, items)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"python: median {statistics.median(times):.2f} s over {len(times)} runs "
        f"(min {min(times):.2f}, max {max(times):.2f}; CPU {statistics.median(cpu):.2f} s); "
        f"rows out: {sum(len(t) for t in tables):,}; "
        f"peak RSS {peak_mb:.0f} MB (whole process, data included)"
    )
    if args.r_rows:
        sub, sub_margins, _ = generate(args.r_rows, n_communes=args.r_communes)
        t0 = time.perf_counter()
        run_python(sub, sub_margins, items)
        t_py = time.perf_counter() - t0
        t_r = time_r(sub, sub_margins, items)
        if t_r is None:
            print("R: not available")
        else:
            print(
                f"R survey on {len(sub):,} rows in {args.r_communes} communes: {t_r:.1f} s; "
                f"python on the same rows: {t_py:.2f} s; "
                f"ratio {t_r / t_py:.0f}×"
            )


if __name__ == "__main__":
    main()
