"""After a crash: put interrupted work back in the queue, and never re-run a side effect blindly."""

from __future__ import annotations

import logging

from engine.clock import Clock
from engine.store import writes
from engine.store.journal import Journal
from engine.store.recovery import read_interrupted

log = logging.getLogger(__name__)


async def recover(journal: Journal, clock: Clock) -> list[str]:
    """Requeue tasks that were running; park as uncertain those with an intent and no result.

    Only the process holding the run lock may call this: in any other, a task marked running is
    being worked right now. Returns the ids of the tasks it changed; employees' statuses are the
    caller's to derive from them.
    """
    now = clock.now().isoformat()
    running, intents = await journal.read(read_interrupted)
    changed: list[str] = []
    for task_id, employee_id in running:
        if task_id in intents:
            step_id, tool, arguments = intents[task_id]
            reason = (
                f"Headcount stopped while {tool} was running ({arguments}); it may or may not have happened. "
                "Check, then tell me whether it happened or should be retried."
            )
            await journal.write(
                writes.mark_step(step_id, "uncertain", now),
                writes.task_status(task_id, "uncertain", reason, now),
                writes.update_employee(employee_id, status="blocked", status_detail=reason),
            )
            log.warning("task %s is uncertain after a crash: %s", task_id, reason)
        else:
            await journal.write(writes.task_status(task_id, "queued", "resumed after a restart", now))
        changed.append(task_id)
    # An intent whose task was not running (already parked by an earlier recovery) stays as is.
    return changed
