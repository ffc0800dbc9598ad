"""Sign-in, sign-out, password change and the role checks every feature uses."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from core.accounts import AccountError, authenticate, change_password
from core.db import get_session
from core.extensions import client_fingerprint, keyed_hash, limiter, login_manager
from core.forms import ChangePasswordForm, LoginForm
from core.models import Role, User

bp = Blueprint("auth", __name__, url_prefix="/auth")

__all__ = ["bp", "login_required", "role_required"]


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Reload the signed-in user on every request; a session of an earlier generation
    (see ``User.end_sessions``) or of a deactivated account is signed out at once.

    A bare id is a cookie issued before generations existed: generation 0, which the
    account's first sign-out or password change ends.
    """
    account, _sep, generation = user_id.partition(":")
    if not account.isdigit() or not (generation or "0").isdigit():
        return None
    user = get_session().get(User, int(account))
    if user is None or not user.is_active or user.session_generation != int(generation or "0"):
        return None
    return user


def role_required(*roles: Role) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Allow signed-in users with one of ``roles``; others get 403 (or the login page)."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def _login_key() -> str:
    """Throttle per client and per e-mail typed, so one account cannot be brute-forced
    from many addresses nor many accounts from one, and nothing reveals which exist.

    The e-mail is hashed: the storage (Redis) never holds what was typed, and a key stays
    short whatever was sent (a 490,000-character "e-mail" left two keys of that size).
    """
    email = (request.form.get("email") or "").strip().lower()
    return f"{client_fingerprint()}:{keyed_hash(email)}"


def safe_next(target: str | None) -> str:
    """Only same-site relative paths are followed after sign-in (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("core.dashboard")


def _failed(response: Any) -> bool:
    """Only failed sign-ins count: a success redirects; officers sharing one commune
    connection for a training session must not lock each other out."""
    return response.status_code != 302


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT"], key_func=_login_key, methods=["POST"], deduct_when=_failed
)
@limiter.limit("100 per hour", methods=["POST"], deduct_when=_failed)
def login() -> Any:
    """Show the sign-in form and sign the user in."""
    form = LoginForm()
    if form.validate_on_submit():
        session = get_session()
        user = authenticate(session, form.email.data, form.password.data)
        if user is not None:
            session.commit()
            login_user(user)
            return redirect(safe_next(request.args.get("next")))
        # One message for unknown e-mail, wrong password and inactive account alike.
        flash(_("Thư điện tử hoặc mật khẩu không đúng."), "error")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    """Sign out (POST with CSRF, so a link on another site cannot sign you out).

    Every session of the account ends, not only this cookie: a copy of it (a shared
    computer, a stolen cookie) would otherwise stay signed in.
    """
    if current_user.is_authenticated:
        current_user.end_sessions()
        get_session().commit()
    logout_user()
    flash(_("Bạn đã đăng xuất."), "info")
    return redirect(url_for("core.index"))


@bp.route("/sessions/end-others", methods=["POST"])
@login_required
def end_other_sessions() -> Any:
    """Sign out of every other browser (a lost phone, a shared computer) and stay signed in here."""
    current_user.end_sessions()
    get_session().commit()
    login_user(current_user._get_current_object())  # this browser's cookie gets the new generation
    flash(_("Đã đăng xuất khỏi mọi thiết bị khác."), "info")
    return redirect(url_for("auth.password"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password() -> Any:
    """Change one's own password."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        session = get_session()
        try:
            change_password(session, current_user, form.current_password.data, form.new_password.data)
        except AccountError as exc:
            form.current_password.errors.append(str(exc))
        else:
            session.commit()
            login_user(current_user._get_current_object())  # the change ended every session; keep this one
            flash(_("Đã đổi mật khẩu. Các thiết bị khác đã bị đăng xuất."), "info")
            return redirect(url_for("core.dashboard"))
    return render_template("auth/password.html", form=form)
