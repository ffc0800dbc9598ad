"""Survey services: plain functions, session first, the actor passed in; they flush, the view commits.

One module per topic: access (who may follow or manage a survey), surveys (create, edit details, open and
close), builder (questions and sections), paper (sheets typed in or imported), margins (population shares),
monitor (fieldwork coverage), duplicates (review of possible duplicates), indices (weighted satisfaction).
"""

# Transitional: the respondent's views (surveys/respond/views.py) import these from here until the
# resident's path moves into surveys/respond/ on its own branch; drop this import at that merge.
from surveys.services.surveys import (  # noqa: F401
    LinkView,
    find_link,
    find_respondent_link,
    nonce_used,
    store_response,
    survey_state,
)
