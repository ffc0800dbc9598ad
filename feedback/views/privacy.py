"""The privacy notice of the comment pages: what is published where, why, for how long, and by whom."""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template


def privacy() -> Any:
    """The full notice the comment form links to; the controller and retention come from the configuration."""
    config = current_app.config
    return render_template(
        "feedback/privacy.html", retention_days=config["FEEDBACK_RETENTION_DAYS"],
        controller=config["FEEDBACK_CONTROLLER"], controller_contact=config["FEEDBACK_CONTROLLER_CONTACT"],
    )
