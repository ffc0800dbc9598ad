"""Trimming: clip weights to bounds relative to the commune mean, then restore the calibration totals."""

from __future__ import annotations

import numpy as np

from .weighting_error import WeightingError

__all__ = ["trim_weights"]


def trim_weights(w, commune_code, n_communes, bounds, max_iter, steps, communes):
    """Alternate calibration steps and clipping of w / commune mean weight to the bounds.

    Stops when the weights lie within the bounds and every calibration total is met to 1e-10
    relative (a trimmed-raking algorithm in the spirit of Stata's ``ipfraking``).
    """
    lower, upper = bounds
    if not 0 <= lower < 1 < upper:
        raise ValueError("trim bounds must satisfy 0 ≤ lower < 1 < upper")
    n_c = np.bincount(commune_code, minlength=n_communes)
    for iteration in range(1, max_iter + 1):
        for code, target in steps:
            current = np.bincount(code, weights=w, minlength=len(target))
            w = w * (target / current)[code]
        mean = (np.bincount(commune_code, weights=w, minlength=n_communes) / n_c)[commune_code]
        ratio = w / mean
        if np.all((ratio >= lower * (1 - 1e-9)) & (ratio <= upper * (1 + 1e-9))):
            off = max(
                np.max(np.abs(np.bincount(code, weights=w, minlength=len(t)) / t - 1))
                for code, t in steps
            )
            if off < 1e-10:
                return w, iteration
        w = np.clip(w, lower * mean, upper * mean)
    c = communes[int(commune_code[np.argmax(np.abs(np.log(ratio)))])]
    raise WeightingError(
        f"trimming to bounds ({lower:g}, {upper:g}) did not converge after {max_iter} "
        f"rounds (commune {c!r}); widen the bounds",
        commune=c,
    )
