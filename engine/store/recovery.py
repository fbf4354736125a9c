"""What a crash interrupted, as the journal holds it: tasks left running and tool intents with no result."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, select

from engine.store.schema import steps, tasks


def read_interrupted(
    conn: Connection,
) -> tuple[list[tuple[str, str]], dict[str, tuple[str, str, str | None, str | None]]]:
    """(task id, employee id) of running tasks, and task id -> (step id, tool, arguments, call id) of their intents.

    Only running tasks' steps are looked at (through the task index, not a scan of every step ever made): an
    intent whose task is not running was settled by an earlier recovery.
    """
    running = [
        (r[0], r[1]) for r in conn.execute(select(tasks.c.id, tasks.c.employee_id).where(tasks.c.status == "running"))
    ]
    return running, read_intents(conn, [task_id for task_id, _ in running])


def read_intents(conn: Connection, task_ids: Sequence[str]) -> dict[str, tuple[str, str, str | None, str | None]]:
    """Task id -> (step id, tool, arguments, call id) of these tasks' intents: a side-effecting call journaled
    as started, with no result."""
    if not task_ids:
        return {}
    intents = conn.execute(
        select(steps.c.task_id, steps.c.id, steps.c.tool, steps.c.arguments, steps.c.call_id).where(
            steps.c.task_id.in_(list(task_ids)),
            steps.c.status == "started",
            steps.c.kind == "tool",
        )
    )
    return {r[0]: (r[1], r[2], r[3], r[4]) for r in intents}
