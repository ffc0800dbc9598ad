"""surveys: each response keeps its answers as one document {question code: value}, not one row per answer

Revision ID: 0006_answers_in_response
Revises: 0005_submission_indexes
Create Date: 2026-11-29 08:00:00.000000

A submission wrote about 30 answer rows, each with its sequence number, three index entries
and two foreign-key checks: most of PostgreSQL's work per response. Answers are written once
with their response and always read whole, so they now live in survey_responses.answers,
keyed by the codes of the response's own version (unique there, and frozen once the version
has responses). Both directions carry the answers over.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_answers_in_response"
down_revision = "0005_submission_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _refuse_if_any(
        "answers to a question of another version than their response's",
        "SELECT count(*) FROM survey_answers a JOIN survey_responses r ON r.id = a.response_id "
        "JOIN survey_questions q ON q.id = a.question_id WHERE q.version_id <> r.version_id",
    )
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("answers", sa.JSON(), nullable=True))
    # Keys in the form's order, as new responses have them. SQLite before 3.44 has no ORDER BY
    # inside an aggregate; it aggregates an ordered subquery in that order.
    if op.get_bind().dialect.name == "postgresql":
        document = """SELECT json_object_agg(q.code, a.value ORDER BY q.position)
            FROM survey_answers a JOIN survey_questions q ON q.id = a.question_id
            WHERE a.response_id = survey_responses.id"""
    else:
        document = """SELECT json_group_object(code, value) FROM (
            SELECT q.code, a.value FROM survey_answers a JOIN survey_questions q ON q.id = a.question_id
            WHERE a.response_id = survey_responses.id ORDER BY q.position)"""
    op.execute(f"UPDATE survey_responses SET answers = coalesce(({document}), '{{}}')")
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.alter_column("answers", existing_type=sa.JSON(), nullable=False)
    with op.batch_alter_table("survey_answers", schema=None) as batch_op:
        batch_op.drop_index("ix_survey_answers_question_id")
    op.drop_table("survey_answers")


def downgrade() -> None:
    each = "json_each_text" if op.get_bind().dialect.name == "postgresql" else "json_each"
    _refuse_if_any(
        "answers whose code no question of their response's version has",
        f"SELECT count(*) FROM survey_responses r CROSS JOIN {each}(r.answers) AS answer WHERE NOT EXISTS "
        "(SELECT 1 FROM survey_questions q WHERE q.version_id = r.version_id AND q.code = answer.key)",
    )
    op.create_table(
        "survey_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["question_id"], ["survey_questions.id"], name="fk_survey_answers_question_id_survey_questions"),
        sa.ForeignKeyConstraint(["response_id"], ["survey_responses.id"], name="fk_survey_answers_response_id_survey_responses"),
        sa.PrimaryKeyConstraint("id", name="pk_survey_answers"),
        sa.UniqueConstraint("response_id", "question_id", name="uq_survey_answers_response_id_question_id"),
    )
    with op.batch_alter_table("survey_answers", schema=None) as batch_op:
        batch_op.create_index("ix_survey_answers_question_id", ["question_id"], unique=False)
    op.execute(f"""
        INSERT INTO survey_answers (response_id, question_id, value)
        SELECT r.id, q.id, answer.value
        FROM survey_responses r
        CROSS JOIN {each}(r.answers) AS answer
        JOIN survey_questions q ON q.version_id = r.version_id AND q.code = answer.key
        ORDER BY r.id, q.position
    """)
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.drop_column("answers")


def _refuse_if_any(what: str, count_sql: str) -> None:
    """Stop before moving anything when some answers have no place on the other side: never drop them silently."""
    found = op.get_bind().execute(sa.text(count_sql)).scalar()
    if found:
        raise RuntimeError(f"{found} {what}: nothing was changed; fix or remove them first")
