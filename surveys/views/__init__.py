"""Routes of signed-in staff: the ``surveys_staff`` blueprint, filled by one module per page group.

Each page group lists its URLs in its ``add_routes``; they are added here, in one place, rather than by
importing a module for the side effect of decorating a shared blueprint.
"""

from __future__ import annotations

from flask import Blueprint

from surveys.views import (
    builder,
    exports,
    fieldwork,
    monitor,
    population,
    posters,
    reports,
    review,
    surveys,
)

surveys_staff = Blueprint("surveys_staff", __name__, url_prefix="/surveys")
for page_group in (surveys, builder, posters, fieldwork, monitor, exports, reports, population, review):
    page_group.add_routes(surveys_staff)
