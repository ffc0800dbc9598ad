"""surveys: review of possible duplicate responses (pending, kept, excluded; who, when, note)

Revision ID: 0004_duplicate_review
Revises: 0003_feedback
Create Date: 2026-11-29 02:46:23.871677
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0004_duplicate_review"
down_revision = "0003_feedback"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("duplicate_review", sa.Enum("pending", "kept", "excluded", name="duplicate_review", native_enum=False, create_constraint=True, length=32), nullable=True))
        batch_op.add_column(sa.Column("duplicate_reviewed_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("duplicate_reviewed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("duplicate_review_note", sa.String(length=500), server_default="", nullable=False))
        batch_op.create_foreign_key(batch_op.f("fk_survey_responses_duplicate_reviewed_by_id_users"), "users", ["duplicate_reviewed_by_id"], ["id"])

    # Responses flagged before this revision wait for review, like every new flagged one.
    responses = sa.table(
        "survey_responses", sa.column("is_possible_duplicate", sa.Boolean), sa.column("duplicate_review", sa.String)
    )
    op.execute(responses.update().where(responses.c.is_possible_duplicate.is_(True)).values(duplicate_review="pending"))

    # A second batch: on SQLite the table is rebuilt, and the rows must satisfy these already.
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.create_check_constraint(
            "review_iff_flagged",
            "(is_possible_duplicate AND duplicate_review IS NOT NULL)"
            " OR (NOT is_possible_duplicate AND duplicate_review IS NULL)",
        )
        batch_op.create_check_constraint(
            "decision_has_reviewer",
            "duplicate_review IS NULL OR duplicate_review = 'pending'"
            " OR (duplicate_reviewed_by_id IS NOT NULL AND duplicate_reviewed_at IS NOT NULL)",
        )


def downgrade() -> None:
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_survey_responses_decision_has_reviewer"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_survey_responses_review_iff_flagged"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_survey_responses_duplicate_review"), type_="check")
        batch_op.drop_constraint(batch_op.f("fk_survey_responses_duplicate_reviewed_by_id_users"), type_="foreignkey")
        batch_op.drop_column("duplicate_review_note")
        batch_op.drop_column("duplicate_reviewed_at")
        batch_op.drop_column("duplicate_reviewed_by_id")
        batch_op.drop_column("duplicate_review")
