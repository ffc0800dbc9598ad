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
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("answers", sa.JSON(), nullable=True))
    aggregate = "json_object_agg" if op.get_bind().dialect.name == "postgresql" else "json_group_object"
    op.execute(f"""
        UPDATE survey_responses SET answers = coalesce((
            SELECT {aggregate}(q.code, a.value)
            FROM survey_answers a JOIN survey_questions q ON q.id = a.question_id
            WHERE a.response_id = survey_responses.id), '{{}}')
    """)
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.alter_column("answers", existing_type=sa.JSON(), nullable=False)
    with op.batch_alter_table("survey_answers", schema=None) as batch_op:
        batch_op.drop_index("ix_survey_answers_question_id")
    op.drop_table("survey_answers")


def downgrade() -> None:
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
    each = "json_each_text" if op.get_bind().dialect.name == "postgresql" else "json_each"
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
