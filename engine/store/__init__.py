"""The store: SQLite through one writer, and every SQL statement of the engine.

Modules outside `engine.store` never write SQL: they call the named functions here, which either
build a writer `Op` (committed with `Journal.write`) or read on a connection (run with `Journal.read`).

- `journal.Journal`: durable writes through the one writer thread, and the common reads.
- `records`: the rows as frozen dataclasses.
- `writes` (employees, tasks, turns, steps), `settings`, `approvals`, `deliverables`, `spend`,
  `recovery`, `audit`: the statements of each table or concern.
- `db`, `schema`, `writer`, `backups`, `restore`, `compare`: opening, migrating, writing, copying and comparing
  the database.
- `reading`: an existing database read with the standard library alone, for commands that only show it.

The names below load on first use: importing `engine.store.reading` (or `errors`, `records`) does not
import SQLAlchemy with this package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.lazy import lazy_attribute
from engine.store.errors import StoreError
from engine.store.records import ApprovalRecord, Deliverable, EmployeeRecord, StepRecord, TaskRecord

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from engine.store.journal import Journal
    from engine.store.writer import Op

_LAZY = {"Connection": "sqlalchemy", "Journal": "engine.store.journal", "Op": "engine.store.writer"}

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


def __getattr__(name: str) -> Any:
    return lazy_attribute(__name__, _LAZY, globals(), name)
