"""core: a session generation per account, so that signing out ends copied session cookies too

Revision ID: 0008_session_generation
Revises: 0007_crosswalk
Create Date: 2026-12-01 14:30:00.000000

Flask's session is a signed cookie the server does not keep: a copy taken before sign-out or
before a password change went on working. Every session now carries the account's generation
(User.get_id), and raising it ends them all. Existing accounts start at 0.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0008_session_generation"
down_revision = "0007_crosswalk"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_generation", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("session_generation")
