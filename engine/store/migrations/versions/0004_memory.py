"""memory: facts, decisions, journal entries and team memory, with an FTS5 index; links from model steps

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # IF NOT EXISTS throughout: a database stamped back to an older revision by hand (as tests of older
    # migrations do) still upgrades.
    op.create_table(
        "memories",
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("employee_id", sa.String(), nullable=True),
        sa.Column("team", sa.String(), nullable=True),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("subject", sa.Text(), server_default="", nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("why", sa.Text(), server_default="", nullable=False),
        sa.Column("decided_by", sa.String(), server_default="", nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("source_id", sa.String(), nullable=True),
        sa.Column("day", sa.String(), nullable=True),
        sa.Column("importance", sa.Float(), server_default="0.5", nullable=False),
        sa.Column("pinned", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("superseded_by", sa.String(), nullable=True),
        sa.Column("created_at", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("n"),
        sa.UniqueConstraint("id"),
        if_not_exists=True,
    )
    op.create_index("ix_memories_employee", "memories", ["employee_id", "kind"], if_not_exists=True)
    op.create_index("ix_memories_team", "memories", ["team", "kind"], if_not_exists=True)
    # Pinned memories are given with every task: found without reading the others.
    op.execute("CREATE INDEX IF NOT EXISTS ix_memories_pinned ON memories (employee_id, team) WHERE pinned")
    # One journal entry per employee per working day.
    op.execute(
        "CREATE UNIQUE INDEX IF NOT EXISTS ux_memories_journal_day ON memories (employee_id, day) "
        "WHERE kind = 'journal'"
    )
    # The text, subject and why of each memory; rowid = memories.n. Porter stemming: "prefers" finds "preference".
    op.execute("CREATE VIRTUAL TABLE IF NOT EXISTS memory_fts USING fts5(text, tokenize = 'porter unicode61')")
    op.create_table(
        "memory_uses",
        sa.Column("step_id", sa.String(), nullable=False),
        sa.Column("memory_id", sa.String(), nullable=False),
        sa.Column("task_id", sa.String(), nullable=False),
        sa.Column("employee_id", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("step_id", "memory_id"),
        if_not_exists=True,
    )
    op.create_index("ix_memory_uses_task", "memory_uses", ["task_id"], if_not_exists=True)
    op.create_index("ix_memory_uses_memory", "memory_uses", ["memory_id"], if_not_exists=True)

    # What the owner made an employee forget, as digests only: consolidation never learns it again
    # from the same words (the owner's own message still holds them).
    op.create_table(
        "memories_forgotten",
        sa.Column("digest", sa.String(), nullable=False),
        sa.Column("forgotten_at", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("digest"),
        if_not_exists=True,
    )


def downgrade() -> None:
    op.drop_table("memories_forgotten")
    op.drop_table("memory_uses")
    op.execute("DROP TABLE memory_fts")
    op.drop_table("memories")
