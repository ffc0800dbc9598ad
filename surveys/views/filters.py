"""Numbers on staff pages in the reader's locale: Vietnamese writes 48,5 %, English 48.5%."""

from __future__ import annotations

import math

from flask import Flask
from flask_babel import format_decimal, format_percent


def _missing(value: float | None) -> bool:
    try:  # None, NaN, and pandas' NA (which math.isnan refuses)
        return value is None or math.isnan(value)
    except TypeError:
        return True


def percent(value: float | None, digits: int = 1) -> str:
    """A share (0.485) as a percentage with ``digits`` decimals; "—" when there is none."""
    return "—" if _missing(value) else format_percent(value, "#,##0." + "0" * digits + "%" if digits else "#,##0%")


def decimal(value: float | None, digits: int = 1) -> str:
    """A number with exactly ``digits`` decimals (integers get thousands separators); "—" when missing."""
    return "—" if _missing(value) else format_decimal(value, "#,##0." + "0" * digits if digits else "#,##0")


def register_filters(app: Flask) -> None:
    """``{{ share|percent }}`` and ``{{ x|decimal(2) }}`` in templates."""
    app.add_template_filter(percent, "percent")
    app.add_template_filter(decimal, "decimal")
