"""teams: the board's cards, sprints and versioned artifacts of each team's workspace

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "team_cards",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("team", sa.String(), nullable=False),
        sa.Column("sprint_id", sa.String(), nullable=True),
        sa.Column("key", sa.String(), server_default="", nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), server_default="", nullable=False),
        sa.Column("owner_id", sa.String(), nullable=False),
        sa.Column("depends_on", sa.Text(), server_default="[]", nullable=False),
        sa.Column("deliverable", sa.Text(), server_default="", nullable=False),
        sa.Column("due", sa.String(), nullable=True),
        sa.Column("task_id", sa.String(), nullable=True),
        sa.Column("moved_to", sa.String(), nullable=True),
        sa.Column("escalated_at", sa.String(), nullable=True),
        sa.Column("created_at", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_index("ix_team_cards_team", "team_cards", ["team", "sprint_id"], if_not_exists=True)
    op.create_index("ix_team_cards_task", "team_cards", ["task_id"], if_not_exists=True)
    op.create_table(
        "sprints",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("team", sa.String(), nullable=False),
        sa.Column("goal", sa.Text(), nullable=False),
        sa.Column("lead_id", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("starts", sa.String(), nullable=False),
        sa.Column("ends", sa.String(), nullable=False),
        sa.Column("created_at", sa.String(), nullable=False),
        sa.Column("approved_at", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    # (team, path, version) is the key: two writers based on the same version cannot both commit.
    op.create_table(
        "team_artifacts",
        sa.Column("team", sa.String(), nullable=False),
        sa.Column("path", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(), nullable=False),
        sa.Column("author_id", sa.String(), nullable=False),
        sa.Column("task_id", sa.String(), nullable=True),
        sa.Column("created_at", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("team", "path", "version"),
        if_not_exists=True,
    )


def downgrade() -> None:
    op.drop_table("team_artifacts")
    op.drop_table("sprints")
    op.drop_table("team_cards")
