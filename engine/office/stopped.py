"""What `roster` and `tasks` show of work stored as under way while no process works the office (it was
killed, or the machine lost power): stopped, and what the next start does with it.

Only the run lock's holder writes that recovery (engine.office.recovery); these commands say what it will do
and change nothing. The rows are read before the lock is asked about: an office that starts in between is
then seen at work, never a task it has just begun taken for one cut short.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from engine.runlock import lock_holder

if TYPE_CHECKING:
    from engine.office.reading import Stored
    from engine.store.records import TaskRecord

BUSY = frozenset({"thinking", "typing", "tool", "reading"})  # statuses only a working process holds
STOPPED = "stopped"  # an employee's status, shown
INTERRUPTED = "interrupted"  # a task's, shown: it goes back in the queue at the next start
UNCERTAIN = "uncertain"  # as the next start parks it: a side-effecting call has no result


def at_work(stored: Stored) -> bool:
    """Whether a process works the office now (it holds the run lock); asked without taking the lock."""
    return lock_holder(stored.home.root / "run.lock") is not None


def task_shown(intent: str | None) -> tuple[str, str]:
    """The status and reason of a task stored as running, with no process at work: what the next start does
    with it (engine.office.recovery.recover). `intent`: the tool of its call journaled with no result."""
    if intent is None:
        return INTERRUPTED, "the office stopped while it ran; it resumes at the next start (headcount run)"
    return UNCERTAIN, (
        f"the office stopped while {intent} was running, which may or may not have happened; the next start "
        "asks you whether it did (or checks, where the tool can)"
    )


def employee_shown(task: str | None, intent: str | None) -> str:
    """The detail of an employee shown stopped: the office is not running, and what becomes of its `task`."""
    if task is None:
        return "the office is not running"
    if intent is None:
        return "the office is not running; its task resumes when it starts"
    return f"the office is not running; it stopped during {intent}: the next start asks you whether that happened"


async def stopped_tasks(stored: Stored, tasks: Sequence[TaskRecord]) -> dict[str, tuple[str, str]]:
    """Task id -> (status, reason) to show for those of `tasks` stored as running, when no process works the
    office; empty while one does."""
    running = [t.id for t in tasks if t.status == "running"]
    if not running or at_work(stored):
        return {}
    intents = await stored.journal.intents(running)
    return {task_id: task_shown(intents.get(task_id)) for task_id in running}


async def stopped_roster(stored: Stored, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`roster`'s rows with everyone shown at work (thinking, a tool, a running task) shown stopped when no
    process works the office. A hold (an approval, a parked task) stays: it is as true with the office stopped."""
    busy = [r for r in rows if r["status"] in BUSY or (r["status"] == "idle" and r["current_task"])]
    if not busy or at_work(stored):
        return rows
    running = await stored.journal.tasks(statuses=["running"])
    intents = await stored.journal.intents([t.id for t in running])
    mid_call = {t.employee_id: intents[t.id] for t in running if t.id in intents}
    for row in busy:
        row["status"], row["detail"] = STOPPED, employee_shown(row["current_task"], mid_call.get(row["id"]))
    return rows
