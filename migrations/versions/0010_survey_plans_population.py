"""surveys: saved analysis plans and a survey's own population figures, one row per version

Revision ID: 0010_survey_plans_population
Revises: 0009_comment_reference
Create Date: 2026-12-01 15:30:00.000000

Each save of a survey's analysis plan adds a version; the body is the JSON file that
``python -m analysis --plan`` reads, so a table naming a plan version can be re-run. A survey's population figures
(hamlet populations, per-commune margins or cells) are kept per kind and version likewise.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_survey_plans_population"
down_revision = "0009_comment_reference"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "survey_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("saved_by_id", sa.Integer(), nullable=True),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["survey_id"], ["surveys.id"], name=op.f("fk_survey_plans_survey_id_surveys")),
        sa.ForeignKeyConstraint(["saved_by_id"], ["users.id"], name=op.f("fk_survey_plans_saved_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_plans")),
        sa.UniqueConstraint("survey_id", "version", name=op.f("uq_survey_plans_survey_id_version")),
    )
    with op.batch_alter_table("survey_plans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_survey_plans_survey_id"), ["survey_id"], unique=False)
    op.create_table(
        "survey_populations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("loaded_by_id", sa.Integer(), nullable=True),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["survey_id"], ["surveys.id"], name=op.f("fk_survey_populations_survey_id_surveys")),
        sa.ForeignKeyConstraint(["loaded_by_id"], ["users.id"], name=op.f("fk_survey_populations_loaded_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_populations")),
        sa.UniqueConstraint("survey_id", "kind", "version", name=op.f("uq_survey_populations_survey_id_kind_version")),
    )
    with op.batch_alter_table("survey_populations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_survey_populations_survey_id"), ["survey_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("survey_populations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_populations_survey_id"))
    op.drop_table("survey_populations")
    with op.batch_alter_table("survey_plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_plans_survey_id"))
    op.drop_table("survey_plans")
