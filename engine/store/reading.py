"""An existing database, read with the standard library alone: one schema-version read, no migration,
no writer, no SQLAlchemy (a third of a read-only command's time went to importing it).

These are the reads of the commands that only show the office (`roster`, `tasks`, `log`, `approvals`,
`budget`), written against sqlite3 directly. Each mirrors a read of `Journal` or of a store module
(named in its docstring) and returns the same records; tests/engine/test_reading.py holds every command
to the same output through either front.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

from engine.store.errors import StoreError, describe_sqlite_error, read_only_disk
from engine.store.records import (
    CLOSED_TASKS,
    OPEN_TASKS,
    ApprovalRecord,
    Deliverable,
    EmployeeRecord,
    StepRecord,
    TaskRecord,
)

T = TypeVar("T")
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def head_revision() -> str | None:
    """The newest migration, read from the files' names (`NNNN_what.py` holds revision "NNNN").

    Opening an office only compares this with the stored version; Alembic (a third of a second to
    import) is loaded only when there is something to migrate. A test holds this to Alembic's head.
    """
    names = known_revisions()
    return names[-1] if names else None


def known_revisions() -> list[str]:
    """Every schema revision this version of Headcount can open (or upgrade), oldest first."""
    return sorted(p.name[:4] for p in (MIGRATIONS / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))


def newer_schema(path: Path, revision: str | None) -> str | None:
    """Why a database at `revision` cannot be opened by this version, or None: a revision this version does
    not know was written by a newer Headcount (going back a version), and upgrading it is impossible."""
    known = known_revisions()
    if revision is None or not known or revision in known:
        return None
    return (
        f"the database {path} was written by a newer version of Headcount (schema {revision}; this one knows up "
        f"to {known[-1]}): update Headcount to open it; nothing was changed"
    )


# What each employee spent since a moment, summed per quarter hour: the quarter (`quarter_start` reads it),
# USD, and whether any of it was rehearsal. Every time zone's offset is a whole number of quarter hours, so a
# quarter falls on one calendar day wherever it is counted. Read from ix_steps_paid alone (it holds every
# column named here, for the steps that cost something).
QUARTER = "substr(started_at, 1, 14) || (CAST(substr(started_at, 15, 2) AS INTEGER) / 15) || substr(started_at, -6)"
SPENT_SINCE = f"""
SELECT employee_id, {QUARTER} AS q, sum(cost_usd), max(rehearsal)
FROM steps WHERE started_at >= ? AND cost_usd > 0
GROUP BY employee_id, q
"""


def quarter_start(quarter: str) -> str:
    """When a quarter of `SPENT_SINCE` began: `2026-11-30T13:` `2` `+00:00` is `2026-11-30T13:30+00:00`."""
    offset = quarter[15:] if quarter[15:16] in ("+", "-") else ""  # a time stamped without one: none
    return f"{quarter[:14]}{int(quarter[14]) * 15:02d}{offset}"


def recent(opened: list[TaskRecord], ended: list[TaskRecord], closed: int) -> list[TaskRecord]:
    """The open tasks and the `closed` most recently closed of `ended`, oldest first (both fronts' `recent_tasks`)."""
    latest = sorted(ended, key=lambda t: (t.updated_at, t.id), reverse=True)[:closed]
    return sorted([*opened, *latest], key=lambda t: (t.created_at, t.id))


def _columns(record: type[Any]) -> str:
    return ", ".join(f.name for f in dataclasses.fields(record))


_EMPLOYEES, _TASKS, _STEPS = _columns(EmployeeRecord), _columns(TaskRecord), _columns(StepRecord)
_APPROVALS, _DELIVERABLES = _columns(ApprovalRecord), _columns(Deliverable)
_REHEARSAL = [f.name for f in dataclasses.fields(StepRecord)].index("rehearsal")


def _in(values: Sequence[str]) -> str:
    return ", ".join("?" * len(values))


class StoredRows:
    """The stored office's rows on one read-only connection; every method raises StoreError."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self._path = path

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        try:
            return self._conn.execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            raise StoreError(describe_sqlite_error(self._path, exc)) from exc
        except sqlite3.DatabaseError as exc:
            if type(exc) is not sqlite3.DatabaseError:
                raise  # a bad statement is a bug, not a fault of the database or its disk
            raise StoreError(describe_sqlite_error(self._path, exc)) from exc

    async def employees(self, include_departed: bool = False) -> list[EmployeeRecord]:
        """As `Journal.employees`."""
        where = "" if include_departed else " WHERE left_at IS NULL"
        return [EmployeeRecord(*r) for r in self._rows(f"SELECT {_EMPLOYEES} FROM employees{where} ORDER BY hired_at")]

    async def tasks(self, employee_id: str | None = None, statuses: Sequence[str] | None = None) -> list[TaskRecord]:
        """As `Journal.tasks`."""
        where, params = [], []
        if employee_id:
            where.append("employee_id = ?")
            params.append(employee_id)
        if statuses:
            where.append(f"status IN ({_in(statuses)})")
            params.extend(statuses)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        sql = f"SELECT {_TASKS} FROM tasks{clause} ORDER BY created_at, id"
        return [TaskRecord(*r) for r in self._rows(sql, params)]

    async def steps(self, *, employee_id: str) -> list[StepRecord]:
        """As `Journal.steps(employee_id=...)`: an employee's steps, oldest first."""
        sql = f"SELECT {_STEPS} FROM steps WHERE employee_id = ? ORDER BY started_at, seq"
        return [_step(row) for row in self._rows(sql, (employee_id,))]

    async def latest_steps(self, employee_id: str, latest: int) -> list[StepRecord]:
        """As `Journal.latest_steps`: the employee's `latest` most recent steps, oldest first."""
        sql = f"SELECT {_STEPS} FROM steps WHERE employee_id = ? ORDER BY started_at DESC, seq DESC LIMIT ?"
        return [_step(row) for row in self._rows(sql, (employee_id, latest))][::-1]

    async def recent_tasks(self, employee_id: str | None = None, closed: int = 50) -> list[TaskRecord]:
        """As `Journal.recent_tasks`: every open task and the `closed` most recently closed, oldest first."""
        found = await self.tasks(employee_id, OPEN_TASKS)
        mine, params = (" AND employee_id = ?", [employee_id]) if employee_id else ("", [])
        ended: list[TaskRecord] = []
        for status in CLOSED_TASKS:  # one status per read: by ix_tasks_status_updated, newest first
            sql = f"SELECT {_TASKS} FROM tasks WHERE status = ?{mine} ORDER BY updated_at DESC, id DESC LIMIT ?"
            ended.extend(TaskRecord(*r) for r in self._rows(sql, [status, *params, closed]))
        return recent(found, ended, closed)

    async def intents(self, task_ids: Sequence[str]) -> dict[str, str]:
        """As `Journal.intents`."""
        if not task_ids:
            return {}
        where = f"task_id IN ({_in(task_ids)}) AND status = 'started' AND kind = 'tool'"
        sql = f"SELECT task_id, tool FROM steps WHERE {where}"
        return {str(r[0]): str(r[1]) for r in self._rows(sql, task_ids)}

    async def settings(self) -> list[tuple[str, str]]:
        """As `engine.store.settings.read_settings`."""
        return [(str(k), str(v)) for k, v in self._rows("SELECT key, value FROM settings")]

    async def setting(self, key: str) -> str | None:
        """As `Journal.setting`."""
        rows = self._rows("SELECT value FROM settings WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else None

    async def approvals(self, status: str | None) -> list[ApprovalRecord]:
        """As `engine.store.approvals.read_all`."""
        where, params = (" WHERE status = ?", (status,)) if status else ("", ())
        sql = f"SELECT {_APPROVALS} FROM approvals{where} ORDER BY created_at"
        return [ApprovalRecord(*r) for r in self._rows(sql, params)]

    async def deliverables(self, status: str | None) -> list[Deliverable]:
        """As `engine.store.deliverables.read_deliverables` (pending: only while the task waits in review)."""
        where, params = (" WHERE status = ?", (status,)) if status else ("", ())
        if status == "pending":
            where += " AND EXISTS (SELECT 1 FROM tasks WHERE tasks.id = task_id AND tasks.status = 'review')"
        sql = f"SELECT {_DELIVERABLES} FROM deliverables{where} ORDER BY created_at"
        return [Deliverable(*r) for r in self._rows(sql, params)]

    async def ceilings(self) -> list[tuple[str, float | None, float | None]]:
        """As `engine.store.spend.read_ceilings`."""
        return [(r[0], r[1], r[2]) for r in self._rows("SELECT scope, per_turn_usd, per_day_usd FROM ceilings")]

    async def allowances(self) -> list[tuple[str, str, float]]:
        """As `engine.store.spend.read_allowances`."""
        return [(r[0], r[1], r[2]) for r in self._rows("SELECT scope, day, usd FROM allowances")]

    async def costs_since(self, since: str) -> list[tuple[str, str, float, bool]]:
        """As `engine.store.spend.read_costs_since`."""
        return [(r[0], quarter_start(r[1]), r[2], bool(r[3])) for r in self._rows(SPENT_SINCE, (since,))]

    async def audit_page(
        self, *, employee_id: str | None, kind: str | None, since: str | None, until: str | None, limit: int
    ) -> list[tuple[Any, ...]]:
        """As `engine.store.audit.read_page`: rows (in its COLUMNS) newest first; `since <= ts < until`."""
        where, params = [], []
        for clause, value in (("employee_id = ?", employee_id), ("kind = ?", kind), ("ts >= ?", since),
                              ("ts < ?", until)):  # fmt: skip
            if value is not None:
                where.append(clause)
                params.append(value)
        sql = "SELECT seq, ts, employee_id, kind, data, prev_hash, hash FROM audit"
        sql += f" WHERE {' AND '.join(where)}" if where else ""
        return [tuple(r) for r in self._rows(f"{sql} ORDER BY seq DESC LIMIT ?", [*params, limit])]

    def close(self) -> None:
        self._conn.close()


def _step(row: Sequence[Any]) -> StepRecord:
    values = list(row)
    values[_REHEARSAL] = bool(values[_REHEARSAL])  # SQLite keeps a Boolean as 0 or 1
    return StepRecord(*values)


def open_for_reading(path: Path, *, busy_ms: int = 5000) -> StoredRows | None:
    """The rows of the database at `path`, on a connection that cannot write.

    None when there is no database yet or its schema is not the latest: the full office opens it then
    (and creates or migrates it). Raises StoreError when the file cannot be read as a database.
    """
    if not path.is_file() or path.stat().st_size == 0:
        return None
    try:
        if read_only_disk(path):  # nobody can write it there: read it as it stands
            conn = sqlite3.connect(_read_only_uri(path), uri=True, check_same_thread=False)
        else:  # not mode=ro: a reader of a WAL database may need to create its shared-memory file
            conn = sqlite3.connect(path, timeout=busy_ms / 1000, check_same_thread=False)
    except sqlite3.Error as exc:
        raise StoreError(describe_sqlite_error(path, exc)) from None
    try:
        conn.execute("PRAGMA query_only=ON")  # a write through this connection is a bug: SQLite refuses it
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        version = "SELECT version_num FROM alembic_version"
        row = conn.execute(version).fetchone() if "alembic_version" in tables else None
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise StoreError(describe_sqlite_error(path, exc)) from None
    if row is None or str(row[0]) != head_revision():
        conn.close()
        return None
    return StoredRows(conn, path)


def _read_only_uri(path: Path) -> str:
    """How to open the database on a disk mounted read-only: through its WAL when the WAL and its
    shared memory were left there (SQLite reads both without writing), else as an immutable file (no
    lock, no shared memory to create)."""
    wal, shm = (path.with_name(path.name + suffix) for suffix in ("-wal", "-shm"))
    return f"{path.as_uri()}?mode=ro" if wal.is_file() and shm.is_file() else f"{path.as_uri()}?immutable=1"
