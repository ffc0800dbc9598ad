"""Commands (retention, margins) and the English catalog (the demo data: test_demo.py)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from core.db import utc_now
from core.i18n import untranslated
from surveys.models import Channel, Response
from surveys.respond.store import record_response
from tests.surveys.conftest import valid_answers

CATALOG = Path(__file__).resolve().parents[2] / "surveys" / "translations" / "en" / "LC_MESSAGES" / "messages.po"


def test_english_catalog_is_complete():
    assert CATALOG.exists()
    assert untranslated(CATALOG) == []


def test_purge_command_forgets_old_client_hashes(app, runner, session, survey, link):
    record_response(
        session, link, valid_answers(survey), channel=Channel.QR, client_hash="old", now=utc_now() - timedelta(days=100)
    )
    session.commit()
    result = runner.invoke(args=["surveys", "purge-client-hashes", "--older-than", "90"])
    assert result.exit_code == 0, result.output
    assert "1 responses" in result.output
    assert session.scalar(select(Response.client_hash)) is None


def test_the_retention_purge_forgets_old_response_hashes_and_keeps_recent_ones(app, runner, session, survey, link):
    old = record_response(session, link, valid_answers(survey), channel=Channel.QR, client_hash="old",
                          now=utc_now() - timedelta(days=100))
    recent = record_response(session, link, valid_answers(survey, "29578-02"), channel=Channel.QR, client_hash="new")
    session.commit()
    result = runner.invoke(args=["purge", "--older-than", "90"])
    assert result.exit_code == 0, result.output
    assert "client hashes removed from 1 responses" in result.output and "throttle" in result.output
    session.expire_all()
    assert (session.get(Response, old.id).client_hash, session.get(Response, recent.id).client_hash) == (None, "new")


def test_load_margins_command_uses_the_pages_parser(app, runner, session, survey, tmp_path):
    path = tmp_path / "margins.csv"
    path.write_text("variable,category,count\nsex,nam,490\nsex,nu,510\n", encoding="utf-8")
    result = runner.invoke(args=["surveys", "load-margins", str(survey.id), str(path)])
    assert result.exit_code == 0, result.output
    session.refresh(survey)
    assert survey.margins["sex"] == {"nam": 0.49, "nu": 0.51}
    path.write_text("variable,category,share\nincome,x,2\n", encoding="utf-8")
    result = runner.invoke(args=["surveys", "load-margins", str(survey.id), str(path)])
    assert result.exit_code != 0
    assert "margins.csv:2:variable" in result.output  # file, row and column of the bad cell
    session.refresh(survey)
    assert survey.margins["sex"] == {"nam": 0.49, "nu": 0.51}
