"""feedback: a comment's reference code, and the resident's opt-in e-mail when it is answered

Revision ID: 0009_comment_reference
Revises: 0008_session_generation
Create Date: 2026-12-01 15:00:00.000000

The resident is given the code after sending (issue 16): it opens the comment's own page, where
the answer appears once published, and it is what they quote to ask for removal or anonymisation.
Existing comments get a random code of the same alphabet (core.links.CODE_ALPHABET).
notify_by_email and answer_sent_at record the opt-in e-mail sent once the answer is published.
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0009_comment_reference"
down_revision = "0008_session_generation"
branch_labels = None
depends_on = None

# Copied on purpose: a migration must not change when core.links does.
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def upgrade() -> None:
    with op.batch_alter_table("feedback_comments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reference", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("notify_by_email", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("answer_sent_at", sa.DateTime(timezone=True), nullable=True))
    bind = op.get_bind()
    ids = bind.execute(sa.text("SELECT id FROM feedback_comments")).scalars().all()
    codes: set[str] = set()
    while len(codes) < len(ids):
        codes.add("".join(secrets.choice(ALPHABET) for _ in range(8)))
    for comment_id, code in zip(ids, codes, strict=True):
        bind.execute(sa.text("UPDATE feedback_comments SET reference = :code WHERE id = :id"),
                     {"code": code, "id": comment_id})
    with op.batch_alter_table("feedback_comments", schema=None) as batch_op:
        batch_op.alter_column("reference", existing_type=sa.String(length=8), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_feedback_comments_reference"), ["reference"])


def downgrade() -> None:
    with op.batch_alter_table("feedback_comments", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_feedback_comments_reference"), type_="unique")
        batch_op.drop_column("answer_sent_at")
        batch_op.drop_column("notify_by_email")
        batch_op.drop_column("reference")
