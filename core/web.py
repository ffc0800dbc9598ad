"""Request-wide behaviour: language choice, security headers, friendly error pages."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, has_request_context, render_template, request, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def select_locale() -> str:
    """The user's chosen language, else the browser's best match, else the default."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands speak the configured default language
        return current_app.config["DEFAULT_LANGUAGE"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or current_app.config["DEFAULT_LANGUAGE"]


class CookieSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, without building its signer for a visitor who has no session.

    Flask builds the signing serializer before it looks for the cookie. Most requests come
    from residents on the survey form, who never get a session cookie (``surveys.respond.formtoken``).
    """

    def open_session(self, app: Flask, request: Any) -> SecureCookieSession | None:  # noqa: D102 - Flask's API
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)
_LOWER_NAMES = tuple(name.lower() for name, _value in SECURITY_HEADERS)


def add_security_headers(response: Any) -> Any:
    """Headers every response carries (no inline script, no framing, no sniffing).

    One a response already has stands. The names present are read once: each
    ``Headers.setdefault`` walks and lower-cases every header (2 % of a worker's time under
    the survey load).
    """
    headers = response.headers
    present = {name.lower() for name, _value in headers}
    for (name, value), lower in zip(SECURITY_HEADERS, _LOWER_NAMES, strict=True):
        if lower not in present:
            headers.add(name, value)
    if request.endpoint and request.endpoint != "static" and "cache-control" not in present:
        headers.add("Cache-Control", "no-store" if session.get("_user_id") else "no-cache")
    if "vary" in present:
        response.vary.update(("Accept-Language", "Cookie"))
    else:  # the usual case, without parsing and rewriting a header set
        headers.add("Vary", "Accept-Language, Cookie")
    return response


ERROR_TEMPLATES = {400: "errors/400.html", 403: "errors/403.html", 404: "errors/404.html"}


def render_http_error(error: HTTPException) -> Any:
    """A page in the user's language instead of Werkzeug's English default.

    An error raised with a response of its own (``abort(response)``) keeps it.
    """
    if error.response is not None:
        return error.response
    template = ERROR_TEMPLATES.get(error.code or 500, "errors/generic.html")
    return render_template(template, error=error), error.code


def render_csrf_error(error: CSRFError) -> Any:
    """An expired or missing form token: explain and invite a reload, change nothing."""
    return render_template("errors/400.html", error=error, csrf=True), 400


def render_server_error(error: Exception) -> Any:
    """Unexpected failure: log it, show a calm page; the request's session is rolled back."""
    current_app.logger.exception("unhandled error", exc_info=error)
    return render_template("errors/500.html"), 500


def register_error_handlers(app: Flask) -> None:
    """Attach the handlers above."""
    app.register_error_handler(CSRFError, render_csrf_error)
    app.register_error_handler(HTTPException, render_http_error)
    app.register_error_handler(500, render_server_error)
