"""The resident's path: from a short link (``/s/<code>``) to a stored response, in one package.

Read in this order:
  views.py      the routes: the form, its submission, the thank-you page, the QR codes
  links.py      the link read as plain data, and the recent copy kept of it
  questions.py  a version's questions as plain data, cached once frozen
  answers.py    the choices each question offers and the validation of the answers
  formtoken.py  the form's one-time token (one response per rendered form, CSRF protection)
  store.py      the response written: one statement on PostgreSQL, step by step on SQLite
  cache.py      the bounded per-process cache the three caches above use
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the residents' blueprint (``surveys_public``) and its recent copy of the links."""
    from surveys.respond import views
    from surveys.respond.links import RecentLinks

    app.register_blueprint(views.bp)
    # Links shown to residents, read at most SURVEY_PAGE_MAX_AGE ago (views._recent_link).
    app.extensions["surveys.recent_links"] = RecentLinks(1024, max_age=app.config["SURVEY_PAGE_MAX_AGE"])
