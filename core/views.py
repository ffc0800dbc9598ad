"""Public home page, staff dashboard, language switch and health check."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Flask,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required

from core.auth import safe_next
from core.backup import last_backup
from core.db import get_session, utc_now
from core.services import database_reachable

bp = Blueprint("core", __name__)


@dataclass(frozen=True)
class PageSection:
    """A block a feature adds to the home page or the dashboard.

    ``load`` returns a dict, or None to leave the block out. The block's template
    is included with the page's context and reads that dict as ``context``
    (e.g. ``context.surveys``).
    """

    template: str
    load: Callable[[], dict[str, Any] | None]


def add_home_section(app: Flask, section: PageSection) -> None:
    """Let a feature show a block on the public home page without core importing it."""
    app.extensions.setdefault("home_sections", []).append(section)


def add_dashboard_section(app: Flask, section: PageSection) -> None:
    """Let a feature show a block on the staff dashboard."""
    app.extensions.setdefault("dashboard_sections", []).append(section)


def _render_sections(key: str) -> list[tuple[str, dict[str, Any]]]:
    blocks = []
    for section in current_app.extensions.get(key, []):
        context = section.load()
        if context is not None:
            blocks.append((section.template, context))
    return blocks


@bp.route("/")
def index() -> Any:
    """Public home: what the platform is and what residents can do now."""
    return render_template("core/index.html", sections=_render_sections("home_sections"))


@bp.route("/dashboard")
@login_required
def dashboard() -> Any:
    """Staff landing page after sign-in."""
    return render_template(
        "core/dashboard.html", user=current_user, sections=_render_sections("dashboard_sections")
    )


@bp.route("/lang/<code>")
def set_language(code: str) -> Any:
    """Switch the interface language and go back where the user was."""
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    return redirect(safe_next(request.args.get("next")) if request.args.get("next") else url_for("core.index"))


@bp.route("/healthz")
def healthz() -> Any:
    """Liveness, database reachability and the age of the last backup, for the proxy and monitoring.

    An old backup does not make the site unhealthy: monitoring alerts on ``backup_age_seconds``.
    """
    backup = last_backup(Path(current_app.config["BACKUP_STATUS_FILE"]))
    backup_age = int((utc_now() - backup.taken_at).total_seconds()) if backup else None
    if not database_reachable(get_session()):
        return {"status": "error", "database": "unreachable", "backup_age_seconds": backup_age}, 503
    return {"status": "ok", "database": "ok", "backup_age_seconds": backup_age}
