"""The feedback side's privileged actions read in words on /admin/audit, exports included."""

from __future__ import annotations

import re
from pathlib import Path

from core.models import AuditEntry

PACKAGE = Path(__file__).resolve().parents[2] / "feedback"
LITERAL_ACTION = re.compile(r'record_audit\(\s*session,\s*[\w.]+,\s*"([\w.]+)"')
MODERATION = {f"feedback.comment.{action}" for action in ("approve", "hide", "unhide")}  # moderate_comment's actions


def test_every_action_of_the_package_has_words(app):
    found = {m for path in PACKAGE.rglob("*.py") for m in LITERAL_ACTION.findall(path.read_text())}
    assert {"feedback.version.publish", "feedback.disposition.create", "feedback.export"} <= found
    assert sorted((found | MODERATION) - app.extensions["audit_phrases"]["actions"].keys()) == []


def test_the_synthesis_export_records_who_took_it(client, auth, session, document, officer):
    auth.login(officer.email)
    assert client.get(f"/feedback/manage/{document.code}/export.xlsx?type=mttq").status_code == 200
    entry = session.query(AuditEntry).filter_by(action="feedback.export").one()
    assert (entry.actor_id, entry.details["format"], entry.details["type"]) == (officer.id, "xlsx", "mttq")
