"""Helpers of the R cross-checks: is R there, and how far apart are two columns of figures."""

from __future__ import annotations

import os
import shutil
import subprocess

import numpy as np


def r_missing_reason() -> str | None:
    """Why the R cross-checks cannot run here, or None when Rscript and its packages are there."""
    if shutil.which("Rscript") is None:
        return "Rscript not found (install r-base-core r-cran-survey r-cran-psych, see .ci/install-r.sh)"
    probe = subprocess.run(
        [
            "Rscript",
            "-e",
            'for (p in c("survey", "psych")) '
            "if (!requireNamespace(p, quietly = TRUE)) quit(status = 3)",
        ],
        capture_output=True,
        text=True,
    )
    if probe.returncode != 0:
        return "R packages survey and psych are not installed (r-cran-survey, r-cran-psych)"
    return None


def rel_diff(ours, ref):
    """Largest relative difference; absolute where R's figure is 0; NaN must match NaN."""
    ours, ref = np.asarray(ours, float), np.asarray(ref, float)
    assert (np.isnan(ours) == np.isnan(ref)).all(), "NaN in one table but not the other"
    ok = ~np.isnan(ref)
    scale = np.where(np.abs(ref[ok]) > 1e-12, np.abs(ref[ok]), 1.0)
    diff = np.abs(ours[ok] - ref[ok]) / scale
    return diff.max() if diff.size else 0.0


def run_r_script(script, out_dir, design, weighting, items, item_weights, *, lonely_psu="fail", ci="logit",
                 variance="linearization", fpc=False):
    """Run the reference script (``synthetic.R_SCRIPT``) on the CSV files in ``out_dir``."""
    return subprocess.run(
        ["Rscript", str(script), str(out_dir), design, weighting, ",".join(items), ",".join(map(str, item_weights))],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "SURVEY_LONELY_PSU": lonely_psu, "SURVEY_CI": ci, "SURVEY_VARIANCE": variance,
             "SURVEY_FPC": "1" if fpc else ""},
    )
