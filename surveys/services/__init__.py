"""Survey services: plain functions, session first, the actor passed in; they flush, the view commits.

One module per topic: access (who may follow or manage a survey), surveys (create, edit details, open and
close), builder (questions and sections), paper (sheets typed in or imported), margins (population shares),
monitor (fieldwork coverage), duplicates (review of possible duplicates), indices (weighted satisfaction).
"""
