"""Public pages: the respondent form behind a short link, its QR codes and the thank-you page."""

from __future__ import annotations

import random
import secrets
import threading
import time
from collections import OrderedDict
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import session as flask_session
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError, OperationalError

from core.db import begin_read, begin_write, get_session
from core.extensions import client_fingerprint, limiter
from core.qr import qr_png, qr_svg
from surveys.answers import options_for
from surveys.errors import AnswerErrors, FormAlreadySubmitted, SurveyUnavailable
from surveys.formcache import VersionSpec, version_spec
from surveys.models import Channel, SurveyArea
from surveys.services import (
    LinkView,
    find_link,
    find_respondent_link,
    nonce_used,
    store_response,
    survey_state,
)

bp = Blueprint("surveys", __name__)
TOKEN_MAX_AGE = 7 * 24 * 3600  # a form left open in a tab for days still submits once
WRITE_ATTEMPTS = 8


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="surveys.form")


def issue_token(link: SurveyArea | LinkView) -> str:
    """A signed one-time nonce for one rendered form; stored only when it is used."""
    return _serializer().dumps({"n": secrets.token_urlsafe(18), "l": link.id})


def read_token(token: str, link: SurveyArea | LinkView) -> str | None:
    """The nonce of a genuine, unexpired token issued for this link, else None."""
    try:
        data = _serializer().loads(token, max_age=TOKEN_MAX_AGE)
    except BadData:
        return None
    return data.get("n") if isinstance(data, dict) and data.get("l") == link.id else None


def public_url(link: SurveyArea, **params: Any) -> str:
    """The absolute short link printed on posters and in QR codes."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        path = url_for("surveys.respond", code=link.code, **params)
        return base.rstrip("/") + path
    return url_for("surveys.respond", code=link.code, _external=True, **params)


def submit_rate_limit() -> str:
    """Per client; generous, since a whole hamlet may share one mobile address."""
    return current_app.config["SURVEY_SUBMIT_RATE_LIMIT"]


def _link_or_404(code: str) -> SurveyArea:
    link = find_link(get_session(), code)
    if link is None:
        abort(404)
    return link


def _respondent_link_or_404(code: str) -> tuple[LinkView, VersionSpec]:
    """The link (survey, commune, hamlets: read every time) and its current questions (cached once frozen)."""
    session = get_session()
    found = find_respondent_link(session, code)
    if found is None:
        abort(404)
    link, version_key = found
    return link, version_spec(session, version_key)


def _unavailable(link: SurveyArea | LinkView, state: str) -> Any:
    status = {"closed": 410, "not_yet": 403}.get(state, 404)
    if state == "draft":
        abort(404)
    return render_template("surveys/unavailable.html", link=link, state=state), status


def _form(
    link: LinkView, version: VersionSpec, token: str, via: str, values: Any = None, errors: Any = None,
    status: int = 200,
) -> Any:
    """The form with the answers given and their errors (a blank form is ``_blank_form``)."""
    context = {"link": link, "survey": link.survey, "version": version, "values": values or {}, "errors": errors or {}}
    return render_template("surveys/respond.html", token=token, via=via, options=options_for(version, link.area),
                           **context), status


# A blank form differs from one request to the next only by its two tokens, so the page is
# rendered once with these markers in their place. They are random per process: nothing a
# survey's author or a commune's name contains can be mistaken for them.
_TOKEN_SLOT = f"token-{secrets.token_hex(12)}"
_CSRF_SLOT = f"csrf-{secrets.token_hex(12)}"
_PAGE_CACHE: OrderedDict[tuple[Any, ...], str] = OrderedDict()
_PAGE_CACHE_SIZE = 256
_cache_lock = threading.Lock()


def _blank_form(link: LinkView, version: VersionSpec, via: str) -> Any:
    """The unanswered form; after the first request only its one-time token and CSRF token are filled in.

    Rendering the page was most of the CPU time of every GET. The key holds everything the
    page shows: the version's full content (wording, order, choices; a draft edited in place
    has another content), the survey's title, introduction and dates and the commune with its
    current hamlets (all in ``link``, read on every request), the language, the channel and
    the address (for the language switch). Never a stale page. A signed-in officer (whose
    page carries their own menu) or a pending flash message gets a fresh render.
    """
    if current_user.is_authenticated or "_flashes" in flask_session:
        return _form(link, version, issue_token(link), via)
    key = (version.content, str(get_locale()), link, via, request.full_path)
    with _cache_lock:
        page = _PAGE_CACHE.get(key)
        if page is not None:
            _PAGE_CACHE.move_to_end(key)
    if page is None:
        page = render_template(
            "surveys/respond.html", link=link, survey=link.survey, version=version, values={}, errors={},
            options=options_for(version, link.area), token=_TOKEN_SLOT, via=via, csrf_token=lambda: _CSRF_SLOT,
        )
        with _cache_lock:
            _PAGE_CACHE[key] = page
            while len(_PAGE_CACHE) > _PAGE_CACHE_SIZE:
                _PAGE_CACHE.popitem(last=False)
    return page.replace(_TOKEN_SLOT, issue_token(link), 1).replace(_CSRF_SLOT, generate_csrf(), 1)


def _rate_limited(_limit: Any) -> Any:
    """Too many submissions from this connection: keep the answers and ask to send again later."""
    link, version = _respondent_link_or_404((request.view_args or {}).get("code", ""))
    via = "qr" if request.form.get("via") == "qr" else "link"
    errors = {"token": _("Có quá nhiều phiếu gửi từ cùng một kết nối. Vui lòng đợi một phút rồi bấm Gửi phiếu lần nữa.")}
    body, _status = _form(link, version, request.form.get("token", ""), via, request.form.to_dict(flat=False), errors)
    return current_app.make_response((body, 429))


@bp.route("/s/<code>", methods=["GET", "POST"])
@limiter.limit(submit_rate_limit, methods=["POST"], on_breach=_rate_limited)
def respond(code: str) -> Any:
    """The questionnaire for one commune; POST stores exactly one response per rendered form."""
    if request.method == "POST":
        return _submit(code)
    session = get_session()
    begin_read(session)
    try:
        link, version = _respondent_link_or_404(code)
    except OperationalError:
        # A pooled connection the database dropped (restart, idle timeout): the pool has now
        # discarded it and every older one, so a second try runs on a fresh connection.
        # (A POST retries in _submit, whose SQLite write transaction must not be replaced here.)
        session.rollback()
        link, version = _respondent_link_or_404(code)
    state = survey_state(link.survey)
    if state != "open":
        return _unavailable(link, state)
    return _blank_form(link, version, _via())


def _via() -> str:
    return "qr" if (request.values.get("via") == "qr") else "link"


def _submit(code: str) -> Any:
    """Store the response; retried when the database is busy (safe: the nonce makes it idempotent)."""
    session = get_session()
    for attempt in range(WRITE_ATTEMPTS):
        try:
            return _store_once(code)
        except OperationalError:
            # SQLite refuses a read-then-write transaction at once when another
            # writer got in first ("database is locked"); back off and try again.
            session.rollback()
            time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))
    link, version = _respondent_link_or_404(code)
    errors = {"token": _("Hệ thống đang bận. Câu trả lời chưa được lưu; vui lòng bấm Gửi phiếu lần nữa.")}
    return _form(link, version, request.form.get("token", ""), _via(), request.form.to_dict(flat=False), errors, 503)


def _store_once(code: str) -> Any:
    session = get_session()
    begin_write(session)  # before anything is read, so nothing loaded has to be read again
    link, version = _respondent_link_or_404(code)
    state = survey_state(link.survey)
    if state != "open":
        return _unavailable(link, state)
    via = _via()
    values = request.form.to_dict(flat=False)
    nonce = read_token(request.form.get("token", ""), link)
    if nonce is None:
        errors = {"token": _("Phiếu đã hết hạn. Vui lòng kiểm tra lại và bấm Gửi một lần nữa.")}
        return _form(link, version, issue_token(link), via, values, errors, 400)
    thanks = redirect(url_for("surveys.thanks", code=link.code), code=303)
    try:
        store_response(
            session, link, values, channel=Channel(via), nonce=nonce, client_hash=client_fingerprint(),
            version=version,
        )
        session.commit()
    except FormAlreadySubmitted:
        # A double tap or a resent POST: same thank-you, nothing new stored. Nothing was
        # written; COMMIT rather than ROLLBACK, which would make psycopg drop its prepared statements.
        session.commit()
        return thanks
    except AnswerErrors as exc:
        session.rollback()
        if nonce_used(session, nonce):
            return thanks  # the form was stored before; answers changed since do not matter
        return _form(link, version, request.form["token"], via, values, exc.errors, 400)
    except SurveyUnavailable as exc:
        session.rollback()
        return _unavailable(link, exc.state)
    except IntegrityError:
        # The same token committed by a concurrent request: that response stands.
        session.rollback()
        if not nonce_used(session, nonce):
            raise
    return thanks


@bp.route("/s/<code>/cam-on")
def thanks(code: str) -> Any:
    """Shown after a submission (and again for any resend of the same form)."""
    begin_read(get_session())
    found = find_respondent_link(get_session(), code)
    if found is None:
        abort(404)
    return render_template("surveys/thanks.html", link=found[0])


@bp.route("/s/<code>/qr.png")
def qr_png_view(code: str) -> Any:
    """The QR code of a commune's link, as PNG."""
    link = _link_or_404(code)
    return Response(qr_png(public_url(link, via="qr")), mimetype="image/png")


@bp.route("/s/<code>/qr.svg")
def qr_svg_view(code: str) -> Any:
    """The QR code of a commune's link, as SVG (for print shops)."""
    link = _link_or_404(code)
    return Response(qr_svg(public_url(link, via="qr")), mimetype="image/svg+xml")
