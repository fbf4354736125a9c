"""The journal: every durable fact about employees, tasks, turns and steps, written through the one writer.

Reads run on a worker thread so the event loop never blocks on SQLite.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, Row, insert, select, update
from sqlalchemy.exc import DBAPIError

from engine.events import StepKind, StepStatus, TaskStatus
from engine.store.db import StoreError, describe_sqlite_error
from engine.store.schema import brief_versions, employees, settings, steps, tasks, turns
from engine.store.writer import Op, Writer

T = TypeVar("T")
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class EmployeeRecord:
    id: str
    name: str
    role: str
    title: str
    team: str | None
    brief_path: str
    brief_version: str
    status: str
    status_detail: str
    hired_at: str
    probation_left: int = 0  # deliverables still to be reviewed by the owner before they count


@dataclass(frozen=True, slots=True)
class TaskRecord:
    id: str
    employee_id: str
    parent_id: str | None
    title: str
    body: str
    status: TaskStatus
    reason: str
    created_at: str
    updated_at: str


@dataclass(frozen=True, slots=True)
class StepRecord:
    id: str
    task_id: str
    turn_id: str
    employee_id: str
    seq: int
    kind: StepKind
    status: StepStatus
    attempt: int
    tool: str | None
    call_id: str | None
    arguments: str | None
    result: str | None
    model: str | None
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    rehearsal: bool
    error: str | None
    started_at: str
    finished_at: str | None


def _insert_sql(table: Any, **values: str) -> str:
    """An INSERT of every column from its :named parameter, or from an SQL expression in `values`."""
    names = [c.name for c in table.c]
    exprs = [values.get(n, ":" + n) for n in names]
    return f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join(exprs)})"


# The writes made on every step, as driver-level SQL (see engine.store.writer.Op).
_STEP_INSERT = _insert_sql(steps)
# A step numbered inside its own INSERT: one statement, so no other writer (another process
# included) can slip a step of the same task in between reading the last seq and using it.
_STEP_APPEND = _insert_sql(steps, seq="(SELECT COALESCE(MAX(seq), 0) + 1 FROM steps WHERE task_id = :task_id)")
_STEP_FINISH = "UPDATE steps SET status=:status, result=:result, error=:error, finished_at=:finished_at WHERE id=:id"
_TASK_STATUS = "UPDATE tasks SET status=:status, reason=:reason, updated_at=:updated_at WHERE id=:id"


def _record(cls: type[T], row: Row[Any]) -> T:
    return cls(**row._asdict())


DEFER_S = 0.02  # a deferred write is committed within this, or sooner with the next write


class Journal:
    def __init__(self, engine: Engine, writer: Writer) -> None:
        self._engine = engine
        self.writer = writer
        self._deferred: list[Op] = []
        self._deferred_full = False
        self._flushing: set[asyncio.Task[None]] = set()
        self._flush_timer: asyncio.TimerHandle | None = None

    # --- writes ---------------------------------------------------------------------------------

    async def write(self, *ops: Op, full: bool = False) -> None:
        """Commit `ops` (after anything deferred, in the same transaction); returns once durable."""
        if self._deferred:
            ops = (*self._deferred, *ops)
            full = full or self._deferred_full
            self._deferred, self._deferred_full = [], False
        await self.writer.write(*ops, full=full)

    def defer(self, *ops: Op, full: bool = False) -> None:
        """Queue writes whose loss in a crash is harmless: the result of an idempotent tool.

        They ride along with the next write (so an employee's next model step and the tool
        result before it commit together, in order) or are flushed within DEFER_S.
        """
        self._deferred.extend(ops)
        self._deferred_full = self._deferred_full or full
        if self._flush_timer is None:
            self._flush_timer = asyncio.get_running_loop().call_later(DEFER_S, self._flush_soon)

    def _flush_soon(self) -> None:
        self._flush_timer = None
        if self._deferred:
            task = asyncio.ensure_future(self.write())
            self._flushing.add(task)
            task.add_done_callback(self._flushed)

    def _flushed(self, task: asyncio.Task[None]) -> None:
        self._flushing.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # Only idempotent results are deferred: losing them means the tool runs again after a
            # restart. Say so; the next awaited write will raise the same store error to its producer.
            log.error("could not save deferred results: %s", task.exception())

    async def flush(self) -> None:
        """Commit anything deferred now (before closing, in tests)."""
        if self._flush_timer is not None:
            self._flush_timer.cancel()
            self._flush_timer = None
        await self.write()
        if self._flushing:
            await asyncio.gather(*self._flushing)

    @staticmethod
    def hire_ops(record: EmployeeRecord, brief_text: str) -> list[Op]:
        return [
            (insert(employees), _fields(record)),
            Journal.brief_version_op(record.id, record.brief_version, brief_text, record.hired_at),
        ]

    @staticmethod
    def brief_version_op(employee_id: str, version: str, content: str, when: str) -> Op:
        statement = insert(brief_versions).prefix_with("OR IGNORE")
        return (
            statement,
            {"employee_id": employee_id, "version": version, "content": content, "created_at": when},
        )

    @staticmethod
    def employee_update_op(employee_id: str, **values: Any) -> Op:
        return (update(employees).where(employees.c.id == employee_id), values)

    @staticmethod
    def task_insert_op(record: TaskRecord) -> Op:
        return (insert(tasks), _fields(record))

    @staticmethod
    def task_status_op(task_id: str, status: TaskStatus, reason: str, when: str) -> Op:
        return (_TASK_STATUS, {"id": task_id, "status": status, "reason": reason, "updated_at": when})

    @staticmethod
    def turn_op(turn_id: str, task_id: str, employee_id: str, brief_version: str, when: str) -> Op:
        values = {
            "id": turn_id,
            "task_id": task_id,
            "employee_id": employee_id,
            "brief_version": brief_version,
            "started_at": when,
        }
        return (insert(turns), values)

    @staticmethod
    def step_insert_op(record: StepRecord) -> Op:
        return (_STEP_INSERT, _fields(record))

    @staticmethod
    def step_append_op(record: StepRecord) -> Op:
        """Insert `record` as its task's next step, numbered as it commits (`record.seq` is ignored).

        For steps made outside the task's loop, such as the owner's, perhaps by another process;
        the loop, which reads the task's steps before working it, numbers its own steps after them.
        """
        return (_STEP_APPEND, _fields(record))

    @staticmethod
    def step_finish_op(step_id: str, status: StepStatus, result: str, error: str | None, when: str) -> Op:
        return (_STEP_FINISH, {"id": step_id, "status": status, "result": result, "error": error, "finished_at": when})

    @staticmethod
    def setting_op(key: str, value: str) -> Op:
        return (insert(settings).prefix_with("OR REPLACE"), {"key": key, "value": value})

    # --- reads ----------------------------------------------------------------------------------

    async def read(self, fn: Callable[[Connection], T]) -> T:
        return await asyncio.to_thread(self.read_now, fn)

    def read_now(self, fn: Callable[[Connection], T]) -> T:
        """Blocking read, for start-up before the loop runs and for the CLI. Raises StoreError."""
        try:
            with self._engine.connect() as conn:
                return fn(conn)
        except (sqlite3.Error, DBAPIError) as exc:
            orig = exc.orig if isinstance(exc, DBAPIError) else exc
            if not isinstance(orig, sqlite3.OperationalError) and type(orig) is not sqlite3.DatabaseError:
                raise  # a bad statement is a bug, not a fault of the database or its disk
            path = Path(self._engine.url.database or "the database")
            raise StoreError(describe_sqlite_error(path, exc)) from exc

    async def employees(self, include_departed: bool = False) -> list[EmployeeRecord]:
        def query(conn: Connection) -> list[EmployeeRecord]:
            stmt = select(*[c for c in employees.c if c.name != "left_at"]).order_by(employees.c.hired_at)
            if not include_departed:
                stmt = stmt.where(employees.c.left_at.is_(None))
            return [_record(EmployeeRecord, r) for r in conn.execute(stmt)]

        return await self.read(query)

    async def tasks(
        self, employee_id: str | None = None, statuses: Sequence[TaskStatus] | None = None
    ) -> list[TaskRecord]:
        def query(conn: Connection) -> list[TaskRecord]:
            stmt = select(tasks).order_by(tasks.c.created_at, tasks.c.id)
            if employee_id:
                stmt = stmt.where(tasks.c.employee_id == employee_id)
            if statuses:
                stmt = stmt.where(tasks.c.status.in_(list(statuses)))
            return [_record(TaskRecord, r) for r in conn.execute(stmt)]

        return await self.read(query)

    async def task(self, task_id: str) -> TaskRecord | None:
        def query(conn: Connection) -> TaskRecord | None:
            row = conn.execute(select(tasks).where(tasks.c.id == task_id)).first()
            return None if row is None else _record(TaskRecord, row)

        return await self.read(query)

    async def steps(self, *, task_id: str | None = None, employee_id: str | None = None) -> list[StepRecord]:
        def query(conn: Connection) -> list[StepRecord]:
            stmt = select(steps).order_by(steps.c.started_at, steps.c.seq)
            if task_id:
                stmt = select(steps).where(steps.c.task_id == task_id).order_by(steps.c.seq)
            if employee_id:
                stmt = stmt.where(steps.c.employee_id == employee_id)
            return [_record(StepRecord, r) for r in conn.execute(stmt)]

        return await self.read(query)

    async def setting(self, key: str) -> str | None:
        def query(conn: Connection) -> str | None:
            row = conn.execute(select(settings.c.value).where(settings.c.key == key)).first()
            return None if row is None else str(row[0])

        return await self.read(query)

    async def brief_text(self, employee_id: str, version: str) -> str | None:
        def query(conn: Connection) -> str | None:
            row = conn.execute(
                select(brief_versions.c.content).where(
                    brief_versions.c.employee_id == employee_id, brief_versions.c.version == version
                )
            ).first()
            return None if row is None else str(row[0])

        return await self.read(query)


def _fields(record: Any) -> dict[str, Any]:
    return {name: getattr(record, name) for name in record.__slots__}
