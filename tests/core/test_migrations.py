"""The schema comes only from Alembic, and the migrations match the models exactly."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from core.db import Base, import_models, make_engine
from tests.conftest import alembic_config


@pytest.fixture
def empty_database_url(tmp_path) -> Iterator[str]:
    """A brand-new empty database of the kind the suite runs on."""
    server_url = os.environ.get("DATABASE_URL")
    if not server_url:
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    name = f"ntm_migrations_{uuid.uuid4().hex[:10]}"
    admin_url = make_url(make_engine(server_url).url).set(database="postgres")
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(make_engine(server_url).url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_one_linear_history_with_a_single_head():
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1


def test_upgrade_from_empty_leaves_no_difference_with_the_models(empty_database_url):
    command.upgrade(alembic_config(empty_database_url), "head")
    import_models()
    engine = make_engine(empty_database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert differences == []


def test_downgrade_to_base_removes_every_table(empty_database_url):
    config = alembic_config(empty_database_url)
    command.upgrade(config, "head")
    command.downgrade(config, "base")
    engine = make_engine(empty_database_url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()


def test_answers_move_into_their_response_and_back_without_loss(empty_database_url):
    """0006 turns the answer rows into one document per response, keyed by question code; its downgrade undoes it."""
    config, engine = _answered_survey_at_0005(empty_database_url)
    command.upgrade(config, "0006_answers_in_response")
    with engine.connect() as connection:
        documents = dict(connection.execute(text("SELECT id, answers FROM survey_responses ORDER BY id")).all())
        tokens = connection.execute(text("SELECT nonce, response_id FROM survey_submission_tokens")).all()
    documents = {i: json.loads(d) if isinstance(d, str) else d for i, d in documents.items()}
    assert documents == {1: {"q01": "4", "q02": "Đường làng còn lầy lội"}, 2: {"q01": "5"}, 3: {}}
    assert list(documents[1]) == ["q01", "q02"]  # the form's order, whatever order the rows had
    assert [tuple(t) for t in tokens] == [("n1", 1)]  # SQLite rebuilt survey_responses under them
    command.downgrade(config, "0005_submission_indexes")
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT response_id, question_id, value FROM survey_answers ORDER BY response_id, question_id")
        ).all()
        columns = {c["name"] for c in inspect(connection).get_columns("survey_responses")}
    engine.dispose()
    assert [tuple(r) for r in rows] == [(1, 1, "4"), (1, 2, "Đường làng còn lầy lội"), (2, 1, "5")]
    assert "answers" not in columns


def test_the_downgrade_refuses_answers_it_could_not_put_back_and_changes_nothing(empty_database_url):
    config, engine = _answered_survey_at_0005(empty_database_url)
    command.upgrade(config, "0006_answers_in_response")
    with engine.begin() as connection:  # q02 removed after it was answered: no row could hold its answer
        connection.execute(text("DELETE FROM survey_questions WHERE id = 2"))
    with pytest.raises(RuntimeError, match="1 answers whose code no question"):
        command.downgrade(config, "0005_submission_indexes")
    with engine.connect() as connection:
        columns = {c["name"] for c in inspect(connection).get_columns("survey_responses")}
        tables = set(inspect(connection).get_table_names())
    engine.dispose()
    assert "answers" in columns and "survey_answers" not in tables


def _answered_survey_at_0005(url: str):
    config = alembic_config(url)
    command.upgrade(config, "0005_submission_indexes")
    engine = make_engine(url)
    at = datetime(2026, 1, 1, tzinfo=UTC)
    with engine.begin() as connection:
        for statement, rows in _ANSWERED_SURVEY:
            connection.execute(text(statement), [row | {"at": at} for row in rows])
    return config, engine


# Two questions, three responses: both answered (rows in reverse order), one answered, none.
_ANSWERED_SURVEY = [
    (
        "INSERT INTO areas (id, code, name, unit_type, level, path, valid_from) "
        "VALUES (1, '29578', 'Xã Đồng Phú', 'xa', 'commune', '/1/', '2020-01-01')",
        [{}],
    ),
    (
        "INSERT INTO surveys (id, title, introduction, status, margins, created_at) "
        "VALUES (1, 'S', '', 'open', '{}', :at)",
        [{}],
    ),
    ("INSERT INTO survey_versions (id, survey_id, number, created_at) VALUES (1, 1, 1, :at)", [{}]),
    ("INSERT INTO survey_sections (id, version_id, position, title) VALUES (1, 1, 0, 'A')", [{}]),
    (
        "INSERT INTO survey_questions (id, version_id, section_id, position, code, text, type, required, "
        "allow_dont_know, options) "
        "VALUES (:id, 1, 1, :id, :code, 'Q', :type, :no, :no, '[]')",
        [
            {"id": 1, "code": "q01", "type": "satisfaction5", "no": False},
            {"id": 2, "code": "q02", "type": "long_text", "no": False},
        ],
    ),
    (
        "INSERT INTO survey_responses (id, survey_id, version_id, commune_id, channel, submitted_at, answers_hash, "
        "is_possible_duplicate) "
        "VALUES (:id, 1, 1, 1, 'qr', :at, 'a', :no)",
        [{"id": i, "no": False} for i in (1, 2, 3)],
    ),
    (
        "INSERT INTO survey_answers (response_id, question_id, value) VALUES (:response, :question, :value)",
        [
            {"response": 1, "question": 2, "value": "Đường làng còn lầy lội"},
            {"response": 1, "question": 1, "value": "4"},
            {"response": 2, "question": 1, "value": "5"},
        ],
    ),
    ("INSERT INTO survey_submission_tokens (nonce, response_id, used_at) VALUES ('n1', 1, :at)", [{}]),
]
