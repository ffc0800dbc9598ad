"""Comments on the draft summary report (issue 4): publish by paragraph, moderate, answer, export."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask
from flask_login import current_user
from sqlalchemy.orm import Session

from core.cli import add_demo_seeder, add_purger
from core.db import get_session
from core.views import PageSection, add_dashboard_section, add_home_section


def _home_context() -> dict[str, Any] | None:
    from feedback.services.documents import open_documents

    documents = open_documents(get_session())
    return {"feedback_open": documents} if documents else None


def _dashboard_context() -> dict[str, Any] | None:
    from feedback.services.documents import documents_for, open_documents

    session = get_session()
    return {"feedback_documents": documents_for(session, current_user),
            "feedback_open": open_documents(session)}


def init_app(app: Flask) -> None:
    """Register the public and staff blueprints, the home and dashboard blocks, the CLI and the demo data."""
    from core.audit import add_audit_phrases
    from feedback import audit as feedback_audit
    from feedback.cli import feedback_cli
    from feedback.demo import seed_feedback
    from feedback.views import feedback_public, feedback_staff

    app.register_blueprint(feedback_public)
    app.register_blueprint(feedback_staff)
    add_home_section(app, PageSection("feedback/_home.html", _home_context))
    add_dashboard_section(app, PageSection("feedback/_dashboard.html", _dashboard_context))
    add_demo_seeder(app, seed_feedback)
    app.cli.add_command(feedback_cli)
    add_purger(app, _purge)
    add_audit_phrases(app, actions=feedback_audit.ACTIONS, objects=feedback_audit.OBJECTS)


def _purge(session: Session, cutoff: datetime) -> str:
    from feedback.services.moderation import purge_client_hashes

    return f"client hashes removed from {purge_client_hashes(session, created_before=cutoff)} comments"
