"""sprints by status: releasing a team's work reads the active sprints by index, not every sprint the team
ever planned (a team that runs for months plans hundreds)

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_sprints_status", "sprints", ["status", "team"], unique=False, if_not_exists=True)


def downgrade() -> None:
    op.drop_index("ix_sprints_status", table_name="sprints")
