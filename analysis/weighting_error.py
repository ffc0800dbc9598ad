"""The one error calibration raises, shared by the weighting modules and the callers that word it."""

from __future__ import annotations

__all__ = ["WeightingError"]


class WeightingError(ValueError):
    """Weights cannot be computed; the message names the commune and the cell.

    ``reason`` tells callers that word their own message which failure it was: ``empty_cell``
    (a population category without respondents), ``unknown_level`` (respondents in a category
    the population table lacks or gives 0), ``not_converged`` (raking), ``lonely_psu`` (one respondent
    or hamlet under the ``fail`` rule), ``no_population`` (a sampled commune missing from the cells
    or margins), else None.
    """

    def __init__(
        self,
        message: str,
        *,
        commune: str | None = None,
        cell: str | None = None,
        reason: str | None = None,
    ):
        self.commune, self.cell, self.reason = commune, cell, reason
        super().__init__(message)
