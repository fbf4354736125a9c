"""tasks by status and last change: the office's polls and a team's board read the open tasks and the
recently closed ones by index, without scanning every task the office ever had

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_tasks_status_updated", "tasks", ["status", "updated_at"], unique=False, if_not_exists=True)


def downgrade() -> None:
    op.drop_index("ix_tasks_status_updated", table_name="tasks")
