"""Writer ops for the journal's core tables: employees, brief versions, tasks, turns and steps.

Each function returns an `Op` for `Journal.write`; several ops written together commit in one
transaction. The writes made on every step are plain driver-level SQL (a third of a Core
statement's cost, see engine.store.writer).
"""

from __future__ import annotations

import operator
from typing import Any

from sqlalchemy import Connection, insert, update

from engine.events import StepStatus, TaskStatus
from engine.store.records import EmployeeRecord, StepRecord, TaskRecord, fields_of
from engine.store.schema import brief_versions, employees, steps, tasks
from engine.store.writer import Op, driver


def _insert_sql(table: Any, **values: str) -> str:
    """An INSERT of every column from its :named parameter, or from an SQL expression in `values`."""
    names = [c.name for c in table.c]
    exprs = [values.get(n, ":" + n) for n in names]
    return f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join(exprs)})"


# The hottest insert binds by position, straight from the record's attributes (no dict, no name lookups).
_STEP_COLUMNS = tuple(c.name for c in steps.c)
_STEP_INSERT = _insert_sql(steps, **dict.fromkeys(_STEP_COLUMNS, "?"))
_step_values = operator.attrgetter(*_STEP_COLUMNS)
# A step numbered inside its own INSERT: one statement, so no other writer (another process
# included) can slip a step of the same task in between reading the last seq and using it.
_STEP_APPEND = _insert_sql(steps, seq="(SELECT COALESCE(MAX(seq), 0) + 1 FROM steps WHERE task_id = :task_id)")
_STEP_FINISH = "UPDATE steps SET status=:status, result=:result, error=:error, finished_at=:finished_at WHERE id=:id"
_TASK_STATUS = "UPDATE tasks SET status=:status, reason=:reason, updated_at=:updated_at WHERE id=:id"
_EMPLOYEE_STATUS = "UPDATE employees SET status=:status, status_detail=:status_detail WHERE id=:id"
_TURN_INSERT = (
    "INSERT INTO turns (id, task_id, employee_id, brief_version, started_at) "
    "VALUES (:id, :task_id, :employee_id, :brief_version, :started_at)"
)


class NameTaken(Exception):
    """Someone still employed has this name (whatever its case), perhaps hired by another process just now."""


def hire(record: EmployeeRecord, brief_text: str) -> list[Op]:
    """A new employee and the first version of its brief; the write fails with NameTaken, and nothing of it
    is kept, when someone still employed has its name (checked inside the transaction, after the insert
    took the database's write lock: two processes hiring at once cannot both take a name)."""

    def name_is_free(conn: Connection) -> None:
        query = "SELECT name FROM employees WHERE left_at IS NULL AND id != ?"
        # Read to the end: a statement left running would keep this connection's snapshot open after a rollback.
        names = driver(conn).execute(query, (record.id,)).fetchall()
        if any(other.casefold() == record.name.casefold() for (other,) in names):
            raise NameTaken(record.name)

    return [
        (insert(employees), fields_of(record)),
        brief_version(record.id, record.brief_version, brief_text, record.hired_at),
        (name_is_free, None),
    ]


def brief_version(employee_id: str, version: str, content: str, when: str) -> Op:
    """Keep a brief's text under its version (once: a version already kept stays as it was)."""
    statement = insert(brief_versions).prefix_with("OR IGNORE")
    return (statement, {"employee_id": employee_id, "version": version, "content": content, "created_at": when})


def update_employee(employee_id: str, **values: Any) -> Op:
    if values.keys() == {"status", "status_detail"}:  # what every task's start and end writes: plain SQL
        return (_EMPLOYEE_STATUS, {"id": employee_id, **values})
    return (update(employees).where(employees.c.id == employee_id), values)


def insert_task(record: TaskRecord) -> Op:
    return (insert(tasks), fields_of(record))


def task_status(task_id: str, status: TaskStatus, reason: str, when: str) -> Op:
    return (_TASK_STATUS, {"id": task_id, "status": status, "reason": reason, "updated_at": when})


def start_turn(turn_id: str, task_id: str, employee_id: str, brief_version: str, when: str) -> Op:
    values = {
        "id": turn_id,
        "task_id": task_id,
        "employee_id": employee_id,
        "brief_version": brief_version,
        "started_at": when,
    }
    return (_TURN_INSERT, values)


def insert_step(record: StepRecord) -> Op:
    return (_STEP_INSERT, _step_values(record))


def append_step(record: StepRecord) -> Op:
    """Insert `record` as its task's next step, numbered as it commits (`record.seq` is ignored).

    For steps made outside the task's loop, such as the owner's, perhaps by another process;
    the loop, which reads the task's steps before working it, numbers its own steps after them.
    """
    return (_STEP_APPEND, fields_of(record))


def finish_step(step_id: str, status: StepStatus, result: str, error: str | None, when: str) -> Op:
    return (_STEP_FINISH, {"id": step_id, "status": status, "result": result, "error": error, "finished_at": when})


def mark_step(step_id: str, status: StepStatus, when: str) -> Op:
    """Change a step's status without a result (after a crash: an intent whose outcome is unknown)."""
    return (update(steps).where(steps.c.id == step_id), {"status": status, "finished_at": when})
