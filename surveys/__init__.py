"""Resident satisfaction surveys (issue 3): builder, QR links, respondent form, paper, monitor."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session


def init_app(app: Flask) -> None:
    """Register the respondent's and the staff's blueprints, the home and dashboard sections, CLI and demo data."""
    from core.audit import add_audit_phrases
    from core.cli import add_demo_seeder, add_purger
    from core.views import PageSection, add_dashboard_section, add_home_section
    from surveys import audit as surveys_audit
    from surveys import cli, respond
    from surveys.demo import seed_demo_survey, seed_earlier_survey
    from surveys.views import surveys_staff
    from surveys.views.filters import register_filters

    respond.init_app(app)
    app.register_blueprint(surveys_staff)
    add_home_section(app, PageSection("surveys/_home.html", _home_context))
    add_dashboard_section(app, PageSection("surveys/_dashboard.html", _dashboard_context))
    add_demo_seeder(app, seed_earlier_survey, before_reform=True)
    add_demo_seeder(app, seed_demo_survey)
    app.cli.add_command(cli.surveys_cli)
    add_purger(app, _purge)
    add_audit_phrases(app, actions=surveys_audit.ACTIONS, objects=surveys_audit.OBJECTS)
    register_filters(app)


def _home_context() -> dict[str, Any] | None:
    from core.db import get_session
    from surveys.respond.links import list_open_surveys

    surveys = list_open_surveys(get_session())
    return {"surveys": surveys} if surveys else None


def _dashboard_context() -> dict[str, Any] | None:
    from flask_login import current_user

    from core.models import MANAGER_ROLES

    return {"can_build": current_user.role in MANAGER_ROLES}


def _purge(session: Session, cutoff: datetime) -> str:
    from surveys.respond.store import purge_client_hashes

    return f"client hashes removed from {purge_client_hashes(session, timedelta(0), now=cutoff)} responses"
