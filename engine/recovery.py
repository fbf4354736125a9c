"""After a crash: put interrupted work back in the queue, and never re-run a side effect blindly."""

from __future__ import annotations

import logging

from sqlalchemy import Connection, select, update

from engine.clock import Clock
from engine.journal import Journal
from engine.store.schema import employees, steps, tasks

log = logging.getLogger(__name__)


async def recover(journal: Journal, clock: Clock) -> list[str]:
    """Requeue tasks that were running; park as uncertain those with an intent and no result.

    Only the process holding the run lock may call this: in any other, a task marked running is
    being worked right now. Returns the ids of the tasks it changed; employees' statuses are the
    caller's to derive from them.
    """
    now = clock.now().isoformat()

    def scan(conn: Connection) -> tuple[list[tuple[str, str]], dict[str, tuple[str, str, str | None]]]:
        running = [
            (r[0], r[1])
            for r in conn.execute(select(tasks.c.id, tasks.c.employee_id).where(tasks.c.status == "running"))
        ]
        intents = conn.execute(
            select(steps.c.task_id, steps.c.id, steps.c.tool, steps.c.arguments).where(
                steps.c.status == "started", steps.c.kind == "tool"
            )
        )
        return running, {r[0]: (r[1], r[2], r[3]) for r in intents}

    running, intents = await journal.read(scan)
    changed: list[str] = []
    for task_id, employee_id in running:
        if task_id in intents:
            step_id, tool, arguments = intents[task_id]
            reason = (
                f"Headcount stopped while {tool} was running ({arguments}); it may or may not have happened. "
                "Check, then tell me whether it happened or should be retried."
            )
            await journal.write(
                (update(steps).where(steps.c.id == step_id), {"status": "uncertain", "finished_at": now}),
                Journal.task_status_op(task_id, "uncertain", reason, now),
                (
                    update(employees).where(employees.c.id == employee_id),
                    {"status": "blocked", "status_detail": reason},
                ),
            )
            log.warning("task %s is uncertain after a crash: %s", task_id, reason)
        else:
            await journal.write(Journal.task_status_op(task_id, "queued", "resumed after a restart", now))
        changed.append(task_id)
    # An intent whose task was not running (already parked by an earlier recovery) stays as is.
    return changed
