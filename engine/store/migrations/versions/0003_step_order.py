"""step order: renumber tasks whose owner steps were numbered from the clock

Owner steps used to get seq = 10**6 + (milliseconds % 10**6): a number that wraps every 1000 s, so
a later owner step could sort before the steps it followed. A task's steps are inserted in the order
they happen (one worker at a time per task; a deferred result commits before the task's next write;
the owner writes only while the task is not being worked), so rowid order is the true order. Only
tasks with such an owner step are renumbered, 1..n.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

CLOCK_NUMBERED = 10**6  # owner steps at or above this were numbered from the clock


def upgrade() -> None:
    conn = op.get_bind()
    affected = conn.execute(
        sa.text("SELECT DISTINCT task_id FROM steps WHERE kind = 'owner' AND seq >= :clock"),
        {"clock": CLOCK_NUMBERED},
    ).scalars()
    for task_id in list(affected):
        rowids = conn.execute(
            sa.text("SELECT rowid FROM steps WHERE task_id = :task_id ORDER BY rowid"), {"task_id": task_id}
        ).scalars()
        conn.execute(
            sa.text("UPDATE steps SET seq = :seq WHERE rowid = :rowid"),
            [{"seq": n, "rowid": rowid} for n, rowid in enumerate(rowids, 1)],
        )


def downgrade() -> None:
    pass  # the new numbers are a valid order for the old code too
