"""task leases: one durable claim per task, held by one worker until its lease runs out; and the teams'
weekly summaries sent to the owner (one row per team and week)

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "task_claims",
        sa.Column("task_id", sa.String(), nullable=False),
        sa.Column("holder", sa.String(), nullable=False),
        sa.Column("lease_until", sa.Float(), nullable=False),  # seconds since the epoch, on the office's clock
        sa.Column("claimed_at", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("task_id"),
        if_not_exists=True,
    )
    op.create_table(
        "team_summaries",
        sa.Column("team", sa.String(), nullable=False),
        sa.Column("week", sa.String(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sent_at", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("team", "week"),
        if_not_exists=True,
    )


def downgrade() -> None:
    op.drop_table("team_summaries")
    op.drop_table("task_claims")
