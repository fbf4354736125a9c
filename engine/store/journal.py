"""The journal: every durable fact about employees, tasks, turns and steps, written through the one writer.

`write` commits ops (built by engine.store.writes and the other store modules) and returns once they are
durable; reads run on a worker thread so the event loop never blocks on SQLite (in the headless office,
whose writer commits on the loop's thread, on the loop's thread too). `read(fn)` runs any store query
that takes a connection.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, Row, bindparam, select, true
from sqlalchemy.exc import DBAPIError

from engine.events import TaskStatus
from engine.store.db import StoreError, describe_sqlite_error
from engine.store.reading import recent
from engine.store.records import CLOSED_TASKS, OPEN_TASKS, EmployeeRecord, StepRecord, TaskRecord
from engine.store.recovery import read_intents
from engine.store.schema import brief_versions, employees, steps, tasks
from engine.store.settings import read_setting
from engine.store.writer import Op, Writer

T = TypeVar("T")
log = logging.getLogger(__name__)


def _record(cls: type[T], row: Row[Any]) -> T:
    return cls(**row._asdict())


# The hot reads, built once (building a statement costs twice what running it does): by which filters apply.
_TASK = select(tasks).where(tasks.c.id == bindparam("task_id"))
_TASKS = {
    (by_employee, by_status): select(tasks)
    .where(
        tasks.c.employee_id == bindparam("employee_id") if by_employee else true(),
        tasks.c.status.in_(bindparam("statuses", expanding=True)) if by_status else true(),
    )
    .order_by(tasks.c.created_at, tasks.c.id)
    for by_employee in (False, True)
    for by_status in (False, True)
}
_STEPS = {
    (by_task, by_employee): select(steps)
    .where(
        steps.c.task_id == bindparam("task_id") if by_task else true(),
        steps.c.employee_id == bindparam("employee_id") if by_employee else true(),
    )
    .order_by(*((steps.c.seq,) if by_task else (steps.c.started_at, steps.c.seq)))
    for by_task in (False, True)
    for by_employee in (False, True)
}

# An employee's latest steps, newest first (then shown oldest first), by ix_steps_employee_time.
_LATEST_STEPS = (
    select(steps)
    .where(steps.c.employee_id == bindparam("employee_id"))
    .order_by(steps.c.started_at.desc(), steps.c.seq.desc())
    .limit(bindparam("latest"))
)
# The latest closed tasks of one status, by ix_tasks_status_updated (one status per read: an IN over the
# three would sort every closed task the office ever had).
_LATEST_CLOSED = {
    by_employee: select(tasks)
    .where(
        tasks.c.status == bindparam("status"),
        tasks.c.employee_id == bindparam("employee_id") if by_employee else true(),
    )
    .order_by(tasks.c.updated_at.desc(), tasks.c.id.desc())
    .limit(bindparam("latest"))
    for by_employee in (False, True)
}

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

    # --- reads ----------------------------------------------------------------------------------

    async def read(self, fn: Callable[[Connection], T]) -> T:
        if self.writer.colocated:
            # The headless office commits on the loop's thread already: a read there costs a fraction
            # of the two thread hops (and GIL hand-overs) a worker thread takes. WAL readers never wait
            # on the writer. Then one yield, so a loop that only reads still lets the others run.
            result = self.read_now(fn)
            await asyncio.sleep(0)
            return result
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
        return await self.read(functools.partial(read_tasks, employee_id=employee_id, statuses=statuses))

    async def task(self, task_id: str) -> TaskRecord | None:
        return await self.read(functools.partial(read_task, task_id=task_id))

    async def steps(self, *, task_id: str | None = None, employee_id: str | None = None) -> list[StepRecord]:
        return await self.read(functools.partial(read_steps, task_id=task_id, employee_id=employee_id))

    async def latest_steps(self, employee_id: str, latest: int) -> list[StepRecord]:
        """The employee's `latest` most recent steps, oldest first."""
        return await self.read(functools.partial(read_latest_steps, employee_id=employee_id, latest=latest))

    async def recent_tasks(self, employee_id: str | None = None, closed: int = 50) -> list[TaskRecord]:
        """Every open task and the `closed` most recently closed ones (of one employee), oldest first."""
        return await self.read(functools.partial(read_recent_tasks, employee_id=employee_id, closed=closed))

    async def intents(self, task_ids: Sequence[str]) -> dict[str, str]:
        """Task id -> the tool of its intent (a side-effecting call journaled as started, with no result)."""
        found = await self.read(functools.partial(read_intents, task_ids=task_ids))
        return {task_id: intent[1] for task_id, intent in found.items()}

    async def setting(self, key: str) -> str | None:
        return await self.read(functools.partial(read_setting, key=key))

    async def brief_text(self, employee_id: str, version: str) -> str | None:
        def query(conn: Connection) -> str | None:
            row = conn.execute(
                select(brief_versions.c.content).where(
                    brief_versions.c.employee_id == employee_id, brief_versions.c.version == version
                )
            ).first()
            return None if row is None else str(row[0])

        return await self.read(query)


def read_tasks(
    conn: Connection, employee_id: str | None = None, statuses: Sequence[TaskStatus] | None = None
) -> list[TaskRecord]:
    """Tasks (of one employee, in some statuses), oldest first: `Journal.tasks`, for a read of several things."""
    stmt = _TASKS[(bool(employee_id), bool(statuses))]
    params = {"employee_id": employee_id, "statuses": list(statuses or ())}
    return [_record(TaskRecord, r) for r in conn.execute(stmt, params)]


_TASKS_BY_ID = select(tasks).where(tasks.c.id.in_(bindparam("ids", expanding=True)))


def read_tasks_by_id(conn: Connection, task_ids: Sequence[str]) -> dict[str, TaskRecord]:
    """These tasks (those that exist), by id."""
    if not task_ids:
        return {}
    return {r.id: _record(TaskRecord, r) for r in conn.execute(_TASKS_BY_ID, {"ids": list(task_ids)})}


def read_task(conn: Connection, task_id: str) -> TaskRecord | None:
    row = conn.execute(_TASK, {"task_id": task_id}).first()
    return None if row is None else _record(TaskRecord, row)


def read_steps(conn: Connection, task_id: str | None = None, employee_id: str | None = None) -> list[StepRecord]:
    stmt = _STEPS[(bool(task_id), bool(employee_id))]
    return [_record(StepRecord, r) for r in conn.execute(stmt, {"task_id": task_id, "employee_id": employee_id})]


def read_latest_steps(conn: Connection, employee_id: str, latest: int) -> list[StepRecord]:
    """The employee's `latest` most recent steps, oldest first: `Journal.latest_steps`."""
    rows = conn.execute(_LATEST_STEPS, {"employee_id": employee_id, "latest": latest})
    return [_record(StepRecord, r) for r in rows][::-1]


def read_recent_tasks(conn: Connection, employee_id: str | None = None, closed: int = 50) -> list[TaskRecord]:
    """Every open task and the `closed` most recently closed ones (of one employee), oldest first."""
    found = read_tasks(conn, employee_id, OPEN_TASKS)
    ended: list[TaskRecord] = []
    for status in CLOSED_TASKS:
        params = {"status": status, "employee_id": employee_id, "latest": closed}
        ended.extend(_record(TaskRecord, r) for r in conn.execute(_LATEST_CLOSED[bool(employee_id)], params))
    return recent(found, ended, closed)


def read_departed_ids(conn: Connection) -> frozenset[str]:
    """Everyone let go."""
    return frozenset(r[0] for r in conn.execute(select(employees.c.id).where(employees.c.left_at.is_not(None))))
