"""The store: SQLite through one writer, and every SQL statement of the engine.

Modules outside `engine.store` never write SQL: they call the named functions here, which either
build a writer `Op` (committed with `Journal.write`) or read on a connection (run with `Journal.read`).

- `journal.Journal`: durable writes through the one writer thread, and the common reads.
- `records`: the rows as frozen dataclasses.
- `writes` (employees, tasks, turns, steps), `settings`, `approvals`, `deliverables`, `spend`,
  `recovery`, `audit`: the statements of each table or concern.
- `db`, `schema`, `writer`, `backups`, `restore`: opening, migrating, writing and copying the database.
"""

from sqlalchemy import Connection

from engine.store.db import StoreError
from engine.store.journal import Journal
from engine.store.records import ApprovalRecord, Deliverable, EmployeeRecord, StepRecord, TaskRecord
from engine.store.writer import Op

__all__ = [
    "ApprovalRecord",
    "Connection",
    "Deliverable",
    "EmployeeRecord",
    "Journal",
    "Op",
    "StepRecord",
    "StoreError",
    "TaskRecord",
]
