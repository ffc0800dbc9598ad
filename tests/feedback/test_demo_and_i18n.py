"""Demo data loads once and makes sense; the English catalog is complete."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from core.demo import REFORM_2025
from core.i18n import untranslated
from core.models import User, today_in_vietnam
from feedback.demo import DEMO_TITLE
from feedback.models import Comment, Disposition, Document
from feedback.services.documents import can_manage

CATALOG = Path(__file__).resolve().parents[2] / "feedback" / "translations" / "en" / "LC_MESSAGES" / "messages.po"


def test_demo_seeder_adds_an_open_draft_with_comments_and_answers_once(app, runner, session, client):
    for _ in range(2):
        with app.app_context():  # core's seed-demo is a plain click command (no app context of its own)
            result = runner.invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output
    document = session.scalars(select(Document).where(Document.title == DEMO_TITLE)).one()
    assert f"/d/{document.code}" in result.output
    assert session.scalar(select(func.count()).select_from(Comment)) == 4
    assert session.scalar(select(func.count()).select_from(Disposition)) == 2
    assert document.current_version.is_open(document.current_version.published_at)
    assert DEMO_TITLE in client.get("/").get_data(as_text=True)
    loop = client.get(f"/feedback/{document.code}/answers").get_data(as_text=True)
    assert "Tiếp thu một phần" in loop
    # The officer of the province as it is since 1 July 2025 owns the draft and signs its answers
    # (README's demo accounts); the draft belongs to that province, not to the one before the reform.
    owner = session.get(User, document.created_by_id)
    assert owner.email == "bcd.vinhlong@demo.ntm.vn"
    assert {d.officer.email for d in session.scalars(select(Disposition))} == {"bcd.vinhlong@demo.ntm.vn"}
    assert can_manage(owner, document)
    assert document.area.code == "86" and document.area.is_valid_on(today_in_vietnam())
    assert document.area.valid_from == REFORM_2025


def test_english_catalog_has_no_untranslated_entries():
    assert CATALOG.exists()
    assert untranslated(CATALOG) == []


def test_pages_switch_to_english(client, document):
    client.get("/lang/en")
    page = client.get(f"/feedback/{document.code}").get_data(as_text=True)
    assert "Contents" in page and "Comment" in page
