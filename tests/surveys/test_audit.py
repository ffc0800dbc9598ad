"""The surveys' privileged actions read in words on /admin/audit, exports included."""

from __future__ import annotations

import re
from pathlib import Path

from core.audit import describe
from core.models import AuditEntry, Role
from surveys.models import DuplicateReview, SurveyStatus
from tests.factories import make_user

PACKAGE = Path(__file__).resolve().parents[2] / "surveys"
LITERAL_ACTION = re.compile(r'record_audit\(\s*session,\s*[\w.]+,\s*"([\w.]+)"')


def audit_actions() -> set[str]:
    """Every action the package records: the literal ones, and those built from an enum."""
    found = {m for path in PACKAGE.rglob("*.py") for m in LITERAL_ACTION.findall(path.read_text())}
    return (found | {"survey.load_margins"} | {f"survey.{s.value}" for s in SurveyStatus}
            | {f"survey.duplicate.{d.value}" for d in DuplicateReview})


def test_every_action_of_the_package_has_words(app):
    phrases = app.extensions["audit_phrases"]["actions"]
    actions = audit_actions()
    assert {"survey.create", "survey.add_section", "survey.export"} <= actions  # the scan finds them
    assert sorted(actions - phrases.keys()) == []


def test_a_closed_survey_reads_as_a_sentence(app, session, officer, survey):
    entry = AuditEntry(actor=officer, action="survey.closed", object_type="surveys", object_id=survey.id)
    with app.test_request_context():
        assert f"đã đóng khảo sát #{survey.id} lúc" in describe(entry)


def test_a_microdata_export_records_who_took_which_communes(client, auth, session, areas, survey):
    analyst = make_user(session, role=Role.ANALYST, email="analyst@tinh.vn")
    session.commit()
    auth.login(analyst.email)
    for fmt in ("csv", "xlsx"):
        response = client.get(f"/surveys/{survey.id}/export.{fmt}")
        assert response.status_code == 200 and response.data
        response.close()
    entries = session.query(AuditEntry).filter_by(action="survey.export").order_by(AuditEntry.id).all()
    assert [(e.actor_id, e.details["format"]) for e in entries] == [(analyst.id, "csv"), (analyst.id, "xlsx")]
    assert set(entries[0].details["communes"]) == {"29578", "29581"}
