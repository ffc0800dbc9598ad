"""Request-wide behaviour: language choice, security headers, friendly error pages."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_to_bytes

from flask import Flask, current_app, has_request_context, render_template, request, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from core.db import MAX_ID

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


class RowIdConverter(IntegerConverter):
    """``<int:…>`` in every route: a number past MAX_ID matches no route (404), as an unknown id does.

    Ids are SQL integers; a larger one would fail the query itself (an OverflowError in SQLite's
    driver, out of range on PostgreSQL) and give a 500 instead of "not found"."""

    def __init__(self, url_map: Any, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_ID,
                 signed: bool = False) -> None:
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


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
    if hsts := current_app.config["HSTS_MAX_AGE"]:
        headers["Strict-Transport-Security"] = f"max-age={hsts}; includeSubDomains"
    if request.endpoint != "static":  # unrouted too: a 404 or 405 page shows who is signed in
        _set_cache_control(response, present)
    if "vary" in present:
        response.vary.update(("Accept-Language", "Cookie"))
    else:  # the usual case, without parsing and rewriting a header set
        headers.add("Vary", "Accept-Language, Cookie")
    return response


def _is_text(raw: bytes) -> bool:
    """UTF-8 without a NUL byte: what every column, template and the database driver accept."""
    if b"\x00" in raw:
        return False
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _is_decoded_text(value: str) -> bool:
    """A value Werkzeug already decoded: a NUL, or U+FFFD where it replaced invalid UTF-8, is refused."""
    return "\x00" not in value and "\ufffd" not in value


def _request_is_text() -> bool:
    """The path, query string and form fields (names, values, file names) of this request."""
    if not _is_text(request.environ.get("PATH_INFO", "").encode("latin-1", "replace")):
        return False
    if not _is_text(unquote_to_bytes(request.query_string)):
        return False
    if request.mimetype == "application/x-www-form-urlencoded":
        # Werkzeug leaves invalid bytes percent-encoded in the values; read the body as sent.
        # get_data caches it, and the form is then parsed from that copy.
        return _is_text(unquote_to_bytes(request.get_data(cache=True)))
    if request.mimetype == "multipart/form-data":
        fields = [text for pair in request.form.items(multi=True) for text in pair]
        fields += [name for name, upload in request.files.items(multi=True) for name in (name, upload.filename or "")]
        return all(_is_decoded_text(text) for text in fields)
    return True


def refuse_malformed_input() -> Any:
    """A NUL byte or invalid UTF-8 in the path, the query string or a form field: 400, nothing read further.

    Runs before anything else (sign-in, CSRF, rate limits, the view), so no page, query or
    export ever sees such text; PostgreSQL refuses NUL in strings and answered 500 before.
    """
    if _request_is_text():
        return None
    return render_template("errors/400.html", malformed=True), 400


def _set_cache_control(response: Any, present: set[str]) -> None:
    """Nothing a signed-in user sees is kept by a browser or proxy cache (no-store); pages for
    everyone are revalidated (no-cache). A file sent to a signed-in user (an export, microdata)
    is no-store even though ``send_file`` marked it no-cache: a download is what a shared
    computer's cache must not keep. Any other Cache-Control a view set stands.
    """
    signed_in = bool(session.get("_user_id"))
    if "cache-control" not in present:
        response.headers.add("Cache-Control", "no-store" if signed_in else "no-cache")
    elif signed_in and response.headers.get("Content-Disposition", "").startswith("attachment"):
        response.headers["Cache-Control"] = "no-store"


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
