"""The ideas every feature shares live once in core: short codes, public links, local time, numbering."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from flask import Flask

from core.links import CODE_ALPHABET, new_short_code, public_url
from core.models import Area
from core.numbering import numbered_questions, numbered_sections
from core.timezones import to_local, to_utc


def _section(title: str, *codes: str) -> SimpleNamespace:
    return SimpleNamespace(title=title, questions=[SimpleNamespace(code=c) for c in codes])


SECTIONS = [_section("A", "q1", "q2"), _section("B", "hamlet"), _section("C"), _section("D", "q3")]


def test_questions_are_numbered_on_across_sections_over_those_shown() -> None:
    shown = {"q1", "q2", "q3"}  # the hamlet question is hidden in a commune without hamlets
    groups = numbered_sections(SECTIONS, shown)
    assert [g.section.title for g in groups] == ["A", "D"]
    assert [(n, q.code) for n, q in numbered_questions(SECTIONS, shown)] == [(1, "q1"), (2, "q2"), (3, "q3")]


def test_the_builder_keeps_empty_sections_and_numbers_every_question() -> None:
    groups = numbered_sections(SECTIONS, keep_empty=True)
    assert [g.section.title for g in groups] == ["A", "B", "C", "D"]
    assert [[n for n, _ in g.questions] for g in groups] == [[1, 2], [3], [], [4]]


def test_short_codes_avoid_look_alike_characters_and_codes_in_use(session, monkeypatch) -> None:
    session.add(Area(level="province", code="99", name="Tỉnh Thử", unit_type="tỉnh", valid_from=date(2019, 1, 1)))
    session.flush()
    draws = iter("99" + "ab")  # the first draw is taken, the second is free
    monkeypatch.setattr("core.links.secrets.choice", lambda alphabet: next(draws))
    assert new_short_code(session, Area.code, 2) == "ab"
    assert not set("0o1li") & set(CODE_ALPHABET)


@pytest.mark.parametrize(
    ("base", "expected"),
    [("https://ykien.example.gov.vn/", "https://ykien.example.gov.vn/s/abc123?via=qr"),
     (None, "http://ntm.test/s/abc123?via=qr")],
)
def test_public_links_use_the_configured_address(app: Flask, base: str | None, expected: str) -> None:
    app.config["PUBLIC_BASE_URL"] = base
    with app.test_request_context():
        assert public_url("surveys_public.respond", code="abc123", via="qr") == expected


def test_local_time_follows_the_configured_time_zone(app: Flask) -> None:
    app.config["BABEL_DEFAULT_TIMEZONE"] = "Asia/Tokyo"  # TIMEZONE=Asia/Tokyo
    with app.app_context():
        assert to_utc(datetime(2026, 1, 1, 9, 0)) == datetime(2026, 1, 1, 0, 0, tzinfo=UTC)
        assert to_local(datetime(2026, 1, 1, 0, 0, tzinfo=UTC)) == datetime(2026, 1, 1, 9, 0)
        assert to_utc(None) is None and to_local(None) is None
