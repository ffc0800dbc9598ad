"""core: crosswalk entries, the old units each new unit of a reorganisation was made from

Revision ID: 0007_crosswalk
Revises: 0006_answers_in_response
Create Date: 2026-12-01 14:30:00.000000

From 1 July 2025 Vĩnh Long's 124 communes were made from the old units of three provinces,
whole ("full") or in part ("partial"). Each entry links two area rows (a code and a
period), so a reused code can never make an old unit's results look like the new one's.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_crosswalk"
down_revision = "0006_answers_in_response"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "crosswalk_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("old_area_id", sa.Integer(), nullable=False),
        sa.Column("new_area_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("full", "partial", name="crosswalk_kind", native_enum=False, create_constraint=True, length=32),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["old_area_id"], ["areas.id"], name=op.f("fk_crosswalk_entries_old_area_id_areas")),
        sa.ForeignKeyConstraint(["new_area_id"], ["areas.id"], name=op.f("fk_crosswalk_entries_new_area_id_areas")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crosswalk_entries")),
        sa.UniqueConstraint("old_area_id", "new_area_id", name=op.f("uq_crosswalk_entries_old_area_id_new_area_id")),
    )
    with op.batch_alter_table("crosswalk_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_crosswalk_entries_old_area_id"), ["old_area_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_crosswalk_entries_new_area_id"), ["new_area_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("crosswalk_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_crosswalk_entries_new_area_id"))
        batch_op.drop_index(batch_op.f("ix_crosswalk_entries_old_area_id"))
    op.drop_table("crosswalk_entries")
