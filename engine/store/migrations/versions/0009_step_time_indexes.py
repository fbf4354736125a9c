"""steps by time: an employee's latest steps, and what was spent since a moment, read by index

A journal that ran for months holds millions of steps; `headcount log`, the employee panel and the day's
spend each read a few of them. `ix_steps_employee_time` (employee, started_at) replaces `ix_steps_employee`
(the same count of indexes on the hot path). `ix_steps_paid` holds only the steps that cost something, with
every column the day's and the month's spend read, so a free step (rehearsal, a local model) never touches it.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_steps_employee_time", "steps", ["employee_id", "started_at"], unique=False, if_not_exists=True)
    op.drop_index("ix_steps_employee", table_name="steps", if_exists=True)
    op.create_index(
        "ix_steps_paid",
        "steps",
        ["started_at", "employee_id", "cost_usd", "rehearsal"],
        unique=False,
        sqlite_where=sa.text("cost_usd > 0"),
        if_not_exists=True,
    )


def downgrade() -> None:
    op.drop_index("ix_steps_paid", table_name="steps")
    op.create_index("ix_steps_employee", "steps", ["employee_id"], unique=False)
    op.drop_index("ix_steps_employee_time", table_name="steps")
