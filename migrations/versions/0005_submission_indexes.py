"""surveys: index client and answers hashes together; drop the answers' index duplicated by their unique key

Revision ID: 0005_submission_indexes
Revises: 0004_duplicate_review
Create Date: 2026-11-29 05:40:00.000000

Every submission asks whether the same client already sent the same answers. With an index on
the client hash alone, PostgreSQL visited every earlier response from that address: under the
load benchmark (one address) this grew with each response stored. survey_answers had an index
on response_id beside the unique (response_id, question_id) index, which already serves it.
"""

from __future__ import annotations

from alembic import op


revision = "0005_submission_indexes"
down_revision = "0004_duplicate_review"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.drop_index("ix_survey_responses_client_hash")
        batch_op.create_index("ix_survey_responses_client_hash_answers_hash", ["client_hash", "answers_hash"], unique=False)
    with op.batch_alter_table("survey_answers", schema=None) as batch_op:
        batch_op.drop_index("ix_survey_answers_response_id")


def downgrade() -> None:
    with op.batch_alter_table("survey_answers", schema=None) as batch_op:
        batch_op.create_index("ix_survey_answers_response_id", ["response_id"], unique=False)
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.drop_index("ix_survey_responses_client_hash_answers_hash")
        batch_op.create_index("ix_survey_responses_client_hash", ["client_hash"], unique=False)
