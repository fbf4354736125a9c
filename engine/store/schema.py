"""Tables of the journal: the single source of truth for employees, tasks, turns and steps.

SQLAlchemy Core tables (not ORM objects): the writer batches plain statements, and reads map rows
to frozen dataclasses in `engine.store.records`.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)

metadata = MetaData()

employees = Table(
    "employees",
    metadata,
    Column("id", String, primary_key=True),
    Column("name", String, nullable=False),
    Column("role", String, nullable=False),  # brief id
    Column("title", String, nullable=False),
    Column("team", String),
    Column("brief_path", Text, nullable=False),
    Column("brief_version", String, nullable=False),
    Column("status", String, nullable=False, default="idle"),
    Column("status_detail", Text, nullable=False, default=""),
    Column("hired_at", String, nullable=False),
    Column("left_at", String),
)

brief_versions = Table(
    "brief_versions",
    metadata,
    Column("employee_id", String, ForeignKey("employees.id"), primary_key=True),
    Column("version", String, primary_key=True),
    Column("content", Text, nullable=False),
    Column("created_at", String, nullable=False),
)

tasks = Table(
    "tasks",
    metadata,
    Column("id", String, primary_key=True),
    Column("employee_id", String, ForeignKey("employees.id"), nullable=False),
    Column("parent_id", String, ForeignKey("tasks.id")),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("status", String, nullable=False),
    Column("reason", Text, nullable=False, default=""),
    Column("created_at", String, nullable=False),
    Column("updated_at", String, nullable=False),
    Index("ix_tasks_employee_status", "employee_id", "status"),
    Index("ix_tasks_status_updated", "status", "updated_at"),  # open or lately closed, not the whole history
)

turns = Table(
    "turns",
    metadata,
    Column("id", String, primary_key=True),
    Column("task_id", String, ForeignKey("tasks.id"), nullable=False),
    Column("employee_id", String, nullable=False),
    Column("brief_version", String, nullable=False),
    Column("started_at", String, nullable=False),
    Index("ix_turns_task", "task_id"),
)

steps = Table(
    "steps",
    metadata,
    Column("id", String, primary_key=True),
    Column("task_id", String, ForeignKey("tasks.id"), nullable=False),
    Column("turn_id", String, nullable=False),
    Column("employee_id", String, nullable=False),
    Column("seq", Integer, nullable=False),  # order within the task
    Column("kind", String, nullable=False),  # model | tool
    Column("status", String, nullable=False),  # started | finished | failed | uncertain
    Column("attempt", Integer, nullable=False, default=1),
    Column("tool", String),
    Column("call_id", String),  # the model's tool-call id, links a tool step to its model step
    Column("arguments", Text),  # tool arguments (JSON text) as the model sent them
    Column("result", Text),  # model: assistant message JSON; tool: the text the model reads
    Column("model", String),
    Column("prompt_tokens", Integer, nullable=False, default=0),
    Column("completion_tokens", Integer, nullable=False, default=0),
    Column("cost_usd", Float, nullable=False, default=0.0),
    Column("rehearsal", Boolean, nullable=False, default=False),
    Column("error", Text),
    Column("started_at", String, nullable=False),
    Column("finished_at", String),
    Index("ix_steps_task_seq", "task_id", "seq"),
    Index("ix_steps_employee_time", "employee_id", "started_at"),  # an employee's latest steps, a day's spend
    # What was spent since a moment: the paid steps only, with every column that read needs.
    Index("ix_steps_paid", "started_at", "employee_id", "cost_usd", "rehearsal", sqlite_where=text("cost_usd > 0")),
)

employees.append_column(Column("probation_left", Integer, nullable=False, server_default="0"))

approvals = Table(
    "approvals",
    metadata,
    Column("id", String, primary_key=True),
    Column("employee_id", String, ForeignKey("employees.id"), nullable=False),
    Column("task_id", String, ForeignKey("tasks.id"), nullable=False),
    Column("call_id", String, nullable=False),
    Column("tool", String, nullable=False),
    Column("arguments", Text, nullable=False),  # exactly what the employee proposed
    Column("risk", String, nullable=False),
    Column("status", String, nullable=False),  # pending | approved | rejected | expired
    Column("note", Text, nullable=False, server_default=""),  # the owner's reason or comment
    Column("edited_arguments", Text),  # set when the owner edited before approving
    Column("created_at", String, nullable=False),
    Column("expires_at", String),
    Column("decided_at", String),
    Index("ix_approvals_task_call", "task_id", "call_id"),
    Index("ix_approvals_status", "status"),
)

deliverables = Table(
    "deliverables",
    metadata,
    Column("id", String, primary_key=True),
    Column("employee_id", String, ForeignKey("employees.id"), nullable=False),
    Column("task_id", String, ForeignKey("tasks.id"), nullable=False),
    Column("round", Integer, nullable=False),
    Column("content", Text, nullable=False),
    Column("status", String, nullable=False),  # pending | accepted | revise
    Column("comment", Text, nullable=False, server_default=""),
    Column("created_at", String, nullable=False),
    Column("decided_at", String),
    Index("ix_deliverables_status", "status"),
)

ceilings = Table(
    "ceilings",
    metadata,
    Column("scope", String, primary_key=True),  # "employee:<id>", "team:<id>" or "office"
    Column("per_turn_usd", Float),
    Column("per_day_usd", Float),
)

allowances = Table(
    "allowances",  # one-off raises: extra dollars for one scope on one day
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("scope", String, nullable=False),
    Column("day", String, nullable=False),
    Column("usd", Float, nullable=False),
)

audit = Table(
    "audit",
    metadata,
    Column("seq", Integer, primary_key=True),
    Column("ts", String, nullable=False),
    Column("employee_id", String),
    Column("kind", String, nullable=False),
    Column("data", Text, nullable=False),  # canonical JSON, secrets redacted
    Column("prev_hash", String, nullable=False),
    Column("hash", String, nullable=False),
)

settings = Table(
    "settings",
    metadata,
    Column("key", String, primary_key=True),
    Column("value", Text, nullable=False),
)
