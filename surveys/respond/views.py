"""Public pages: the respondent form behind a short link, its QR codes and the thank-you page.

Read top to bottom: ``respond`` shows the form (``_recent_link``, ``_blank_form``) or stores it
(``_submit``, ``_store_once`` → ``store.store_response``); then ``thanks`` and the QR codes.
"""

from __future__ import annotations

import random
import secrets
import time
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    after_this_request,
    current_app,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import session as flask_session
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError, OperationalError

from core.db import begin_read, begin_single_write, get_session
from core.extensions import client_fingerprint, counts_own_limit, csrf, within_limit
from core.links import public_url
from core.qr import qr_png, qr_svg
from surveys.errors import AnswerErrors, FormAlreadySubmitted, LinkChanged, SurveyUnavailable
from surveys.models import Channel, SurveyArea, survey_state
from surveys.respond import formtoken
from surveys.respond.answers import options_for
from surveys.respond.cache import BoundedCache
from surveys.respond.links import LinkView, RecentLinks, find_link, read_link
from surveys.respond.questions import VersionSpec
from surveys.respond.store import nonce_used, store_response

bp = Blueprint("surveys_public", __name__)
WRITE_ATTEMPTS = 8


@bp.route("/s/<code>", methods=["GET", "POST"])
@csrf.exempt  # the one-time token is this form's CSRF protection (formtoken)
@counts_own_limit
def respond(code: str) -> Any:
    """The questionnaire for one commune; POST stores exactly one response per rendered form."""
    if request.method == "POST":
        if not within_limit(submit_rate_limit(), scope="surveys_public.respond"):
            return _rate_limited(code)
        return _submit(code)
    link, version = _recent_link(code)
    state = survey_state(link.survey)
    if state != "open":
        return _unavailable(link, state)
    return _blank_form(link, version, _via())


def _recent_link(code: str) -> tuple[LinkView, VersionSpec]:
    """The link and its questions as read at most SURVEY_PAGE_MAX_AGE ago (``links.RecentLinks``).

    Under load most requests then skip the database. Pages show it; a submission judged by it
    is stored only if its write finds the survey still open with the same version and the
    hamlet still current (``store.store_response``, ``recheck_link``).
    """
    found = _recent_links().get(code)
    if found is None:
        session = get_session()
        begin_read(session)
        try:
            found = _read_link(code)
        except OperationalError:
            # A pooled connection the database dropped (restart, idle timeout): the pool has now
            # discarded it and every older one, so a second try runs on a fresh connection.
            # (A POST reads before it begins its SQLite write transaction, which this would replace.)
            session.rollback()
            begin_read(session)
            found = _read_link(code)
    return found


def _read_link(code: str) -> tuple[LinkView, VersionSpec]:
    """The link read now, kept as the recent copy for the requests that follow."""
    found = _recent_links().read(get_session(), code)
    if found is None:
        abort(404)
    return found


def _recent_links() -> RecentLinks:
    return current_app.extensions["surveys.recent_links"]


def _respondent_link_or_404(code: str) -> tuple[LinkView, VersionSpec]:
    """The link (survey, commune, hamlets: read now) and its current questions (cached once frozen)."""
    found = read_link(get_session(), code)
    if found is None:
        abort(404)
    return found


def _unavailable(link: SurveyArea | LinkView, state: str) -> Any:
    status = {"closed": 410, "not_yet": 403}.get(state, 404)
    if state == "draft":
        abort(404)
    return render_template("surveys/unavailable.html", link=link, state=state), status


# A blank form differs from one request to the next only by its one-time token, so the page
# is rendered once with this marker in its place. It is random per process: nothing a
# survey's author or a commune's name contains can be mistaken for it.
_TOKEN_SLOT = f"token-{secrets.token_hex(12)}"
_blank_pages = BoundedCache(256)


def _blank_form(link: LinkView, version: VersionSpec, via: str) -> Any:
    """The unanswered form; after the first request only its one-time token is filled in.

    Rendering the page was most of the CPU time of every GET. The key holds everything the
    page shows: the version's full content (wording, order, choices; a draft edited in place
    has another content), the survey's title, introduction and dates and the commune with its
    current hamlets (all in ``link``, as ``_recent_link`` gives it), the language, the channel
    and the address (for the language switch): the page never differs from a fresh render of
    the same ``link`` and ``version``. A signed-in officer (whose
    page carries their own menu) or a pending flash message gets a fresh render.
    """
    if current_user.is_authenticated or "_flashes" in flask_session:
        return _form(link, version, issue_token(link), via)
    key = (version.content, str(get_locale()), link, via, request.full_path)
    page = _blank_pages.get(key)
    if page is None:
        page = render_template(
            "surveys/respond.html", link=link, survey=link.survey, version=version, values={}, errors={},
            options=options_for(version, link.area), token=_TOKEN_SLOT, via=via,
        )
        _blank_pages.put(key, page)
    return page.replace(_TOKEN_SLOT, issue_token(link), 1)


def _form(
    link: LinkView, version: VersionSpec, token: str, via: str, values: Any = None, errors: Any = None,
    status: int = 200,
) -> Any:
    """The form with the answers given and their errors (a blank form is ``_blank_form``)."""
    context = {"link": link, "survey": link.survey, "version": version, "values": values or {}, "errors": errors or {}}
    return render_template("surveys/respond.html", token=token, via=via, options=options_for(version, link.area),
                           **context), status


def _via() -> str:
    """How the resident came: the QR code's link carries ?via=qr, and the form sends it back."""
    sent = request.form if request.method == "POST" else request.args
    return "qr" if sent.get("via") == "qr" else "link"


def _rate_limited(code: str) -> Any:
    """Too many submissions from this connection: keep the answers and ask to send again later."""
    link, version = _respondent_link_or_404(code)
    errors = {"token": _("Có quá nhiều phiếu gửi từ cùng một kết nối. "
                         "Vui lòng đợi một phút rồi bấm Gửi phiếu lần nữa.")}
    return _form(link, version, request.form.get("token", ""), _via(), request.form.to_dict(flat=False), errors, 429)


def _submit(code: str) -> Any:
    """Store the response; retried when the database is busy (safe: the nonce makes it idempotent)."""
    session = get_session()
    fresh = False
    for attempt in range(WRITE_ATTEMPTS):
        try:
            return _store_once(code, fresh)
        except OperationalError:
            # SQLite refuses a read-then-write transaction at once when another
            # writer got in first ("database is locked"); back off and try again.
            session.rollback()
            time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))
        except LinkChanged:
            # The survey closed, or changed, since the copy of its link was read: read it now.
            session.rollback()
            fresh = True
    link, version = _respondent_link_or_404(code)
    errors = {"token": _("Hệ thống đang bận. Câu trả lời chưa được lưu; vui lòng bấm Gửi phiếu lần nữa.")}
    return _form(link, version, request.form.get("token", ""), _via(), request.form.to_dict(flat=False), errors, 503)


def _store_once(code: str, fresh: bool) -> Any:
    """One try at storing the POSTed form, against the recent copy of its link or, when ``fresh``, a new read.

    Raises ``LinkChanged`` when the copy may have misjudged the form (``_submit`` then tries
    again with a fresh read): the write found the survey closed or changed, the copy says it is
    not open, or the answers failed its checks.
    """
    session = get_session()
    if not fresh:
        link, version = _recent_link(code)
        if survey_state(link.survey) != "open":
            raise LinkChanged  # the copy may predate a reopening: the answers deserve a fresh look
        # A version nobody answered yet may be edited in place, which the write cannot see.
        fresh = not version.frozen
    # On PostgreSQL store_response writes in one statement, so no transaction is needed around
    # it; on SQLite this takes the write lock (core.db), before a fresh read of the link.
    begin_single_write(session)
    if fresh:
        link, version = _read_link(code)
        state = survey_state(link.survey)
        if state != "open":
            return _unavailable(link, state)
    token = formtoken.read(current_app.secret_key, request.form.get("token", ""), link.id)
    refusal = _token_refusal(token)
    if refusal is not None:
        values = request.form.to_dict(flat=False)
        return _form(link, version, issue_token(link), _via(), values, {"token": refusal}, 400)
    return _store(link, version, token.nonce, fresh)


def _token_refusal(token: formtoken.FormToken | None) -> str | None:
    """Why a POSTed form cannot be stored as it is (the page then offers a fresh token), or None."""
    if token is None:
        return _("Phiếu đã hết hạn. Vui lòng kiểm tra lại và bấm Gửi một lần nữa.")
    if not current_app.config.get("WTF_CSRF_ENABLED", True):  # the app-wide switch tests use
        return None
    cookie = formtoken.browser_id(request.cookies.get(formtoken.COOKIE))
    if cookie is None:
        # No cookie: blocked by the browser, or a form posted from another site (SameSite).
        return _("Trình duyệt chưa gửi lại cookie của phiếu. Vui lòng cho phép cookie với trang này "
                 "rồi bấm Gửi phiếu lần nữa.")
    if cookie != token.browser or request.headers.get("Sec-Fetch-Site") == "cross-site":
        return _("Phiếu đã hết hạn. Vui lòng kiểm tra lại và bấm Gửi một lần nữa.")
    return None


def _store(link: LinkView, version: VersionSpec, nonce: str, fresh: bool) -> Any:
    """Store the answers under the form's one-time ``nonce``: the thank-you page, or the form with why not."""
    session = get_session()
    values = request.form.to_dict(flat=False)
    thanks = redirect(url_for("surveys_public.thanks", code=link.code), code=303)
    try:
        store_response(
            session, link, values, channel=Channel(_via()), nonce=nonce, client_hash=client_fingerprint(),
            version=version, recheck_link=True,
        )
        session.commit()
    except FormAlreadySubmitted:
        # A double tap or a resent POST: same thank-you, nothing new stored. Nothing was
        # written; COMMIT rather than ROLLBACK, which would make psycopg drop its prepared statements.
        session.commit()
        return thanks
    except AnswerErrors as exc:
        session.rollback()
        begin_read(session)  # no transaction: its rollback would drop psycopg's prepared statements
        if nonce_used(session, nonce):
            return thanks  # the form was stored before; answers changed since do not matter
        if not fresh:
            raise LinkChanged from exc  # judged by a copy: the form shown may be newer (a new version, a hamlet)
        return _form(link, version, request.form["token"], _via(), values, exc.errors, 400)
    except SurveyUnavailable as exc:
        session.rollback()
        if not fresh:
            raise LinkChanged from exc  # the copy's dates may be older than a change to them
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
    return render_template("surveys/thanks.html", link=_recent_link(code)[0])


@bp.route("/s/<code>/qr.png")
def qr_png_view(code: str) -> Any:
    """The QR code of a commune's link, as PNG."""
    link = _link_or_404(code)
    return Response(qr_png(link_url(link, via="qr")), mimetype="image/png")


@bp.route("/s/<code>/qr.svg")
def qr_svg_view(code: str) -> Any:
    """The QR code of a commune's link, as SVG (for print shops)."""
    link = _link_or_404(code)
    return Response(qr_svg(link_url(link, via="qr")), mimetype="image/svg+xml")


def _link_or_404(code: str) -> SurveyArea:
    link = find_link(get_session(), code)
    if link is None:
        abort(404)
    return link


def link_url(link: SurveyArea | LinkView, **params: Any) -> str:
    """The commune's absolute short link, as printed on posters and in QR codes."""
    return public_url("surveys_public.respond", code=link.code, **params)


def issue_token(link: SurveyArea | LinkView) -> str:
    """A signed one-time token for one rendered form, bound to this browser (see ``formtoken``)."""
    return formtoken.issue(current_app.secret_key, link.id, _browser())


def _browser() -> str:
    """This browser's id from its form cookie (a new one if it has none), sent back with this response.

    Sent again with every token, so the cookie always outlives the newest token it signs
    (both last ``formtoken.MAX_AGE``).
    """
    if "form_browser" not in g:
        g.form_browser = formtoken.browser_id(request.cookies.get(formtoken.COOKIE)) or formtoken.new_browser_id()

        @after_this_request
        def remember(response: Any) -> Any:
            response.set_cookie(
                formtoken.COOKIE, g.form_browser, max_age=formtoken.MAX_AGE, path="/s/", httponly=True,
                samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"],
            )
            return response
    return g.form_browser


def submit_rate_limit() -> str:
    """Per client; generous, since a whole hamlet may share one mobile address."""
    return current_app.config["SURVEY_SUBMIT_RATE_LIMIT"]
