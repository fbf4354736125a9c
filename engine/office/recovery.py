"""After a crash or a stop: put interrupted work back in the queue, never re-run a side effect blindly, audit both."""

from __future__ import annotations

import dataclasses
import json
import logging

from engine.memory.text import clip
from engine.office.recorder import Recorder
from engine.store import writes
from engine.store.journal import Journal
from engine.store.recovery import read_interrupted
from engine.store.writer import Op
from engine.tools.base import AfterCrash, CrashCheck, Interrupted

SHOWN_ARGUMENTS = 200  # of an interrupted call's arguments, in its task's reason (a whole draft was 2.4 KB)
SHOWN_VALUE = 60  # of one long argument (a draft's `content`); short ones (a path, a version) are shown whole
log = logging.getLogger(__name__)


RESTARTED = "resumed after a restart"
STOPPED = "the office stopped while it ran; it goes on at the next run"

# Why work in hand was cut short, each finishing "the office …": the audit rows' and the log's words.
CRASHED = "stopped without putting its work back (a crash, a power cut, kill -9)"  # found by the next run
OWNER_STOPPED = "stopped at the owner's request (Ctrl-C, kill, the window closed)"
TIME_UP = "stopped when its time ran out (run --for)"
FAILED = "stopped on an error"


async def recover(
    journal: Journal, recorder: Recorder, after_crash: AfterCrash | None = None, cause: str = CRASHED
) -> list[str]:
    """Requeue tasks that were running; park as uncertain those with an intent and no result. Each is audited.

    An interrupted call whose tool can check its own effect (`after_crash`: an email looked up in
    the Sent folder) is settled by that check instead: done (its result is journaled and the task
    goes on), not done (the task goes on and the call runs again), or unknown (parked for the owner,
    with the check's reason). `cause` (CRASHED, OWNER_STOPPED...) says why the work was cut short. Only
    the process holding the run lock may call this, with none of its own workers running: in any other,
    a task marked running is being worked right now. Returns the ids of the tasks it changed; employees'
    statuses are the caller's to derive from them.
    """
    now = recorder.now()
    requeued = RESTARTED if cause == CRASHED else STOPPED
    running, intents = await journal.read(read_interrupted)
    changed: list[str] = []
    for task_id, employee_id in running:
        audit = _Audit(recorder, task_id, employee_id, cause)
        if task_id in intents:
            step_id, tool, arguments, call_id = intents[task_id]
            check = await _check(after_crash, Interrupted(task_id, employee_id, call_id or "", tool, arguments))
            if check is not None and check.happened is not None:
                await journal.write(
                    writes.mark_step(step_id, "uncertain", now),  # answered by the check, as the owner would
                    *await _settled(journal, task_id, step_id, check, now),
                    writes.task_status(task_id, "queued", f"after a restart, {tool}: {check.result}", now),
                    *audit("checked", tool=tool, happened=check.happened, result=check.result),
                )
                log.info("task %s: the interrupted %s was checked: %s", task_id, tool, check.result)
                changed.append(task_id)
                continue
            shown = shown_arguments(arguments)
            reason = (
                f"Headcount stopped while {tool} was running ({shown}); it may or may not have happened. "
                "Check, then tell me whether it happened or should be retried."
            )
            if check is not None:
                reason += f" ({check.result})"
            await journal.write(
                writes.mark_step(step_id, "uncertain", now),
                writes.task_status(task_id, "uncertain", reason, now),
                writes.update_employee(employee_id, status="blocked", status_detail=reason),
                *audit("uncertain", tool=tool, reason=reason),
            )
            log.warning("task %s is uncertain: the office %s: %s", task_id, cause, reason)
        else:
            await journal.write(writes.task_status(task_id, "queued", requeued, now), *audit("requeued"))
            log.info("task %s is back in the queue: the office %s", task_id, cause)
        changed.append(task_id)
    # An intent whose task was not running (already parked by an earlier recovery) stays as is.
    return changed


def shown_arguments(arguments: str | None) -> str:
    """An interrupted call's arguments for the owner: the short ones first and whole (which file, which
    version), each long one clipped with its length; text that is no JSON object is clipped as it is."""
    try:
        values = json.loads(arguments or "")
    except json.JSONDecodeError:
        values = None
    if not isinstance(values, dict):
        return clip(arguments or "", SHOWN_ARGUMENTS)
    shown = {name: json.dumps(value, ensure_ascii=False) for name, value in values.items()}
    parts = []
    for name, text in sorted(shown.items(), key=lambda item: len(item[1]) > SHOWN_VALUE):  # stable: short first
        if len(text) > SHOWN_VALUE:
            text = f"{clip(text, SHOWN_VALUE)} ({len(str(values[name])):,} characters)"
        parts.append(f"{name}={text}")
    return ", ".join(parts)


@dataclasses.dataclass(frozen=True, slots=True)
class _Audit:
    """The `task_recovered` row of one task, committed in the write that changes it."""

    recorder: Recorder
    task_id: str
    employee_id: str
    cause: str

    def __call__(self, outcome: str, **data: object) -> list[Op]:
        row = {"task_id": self.task_id, "outcome": outcome, "cause": self.cause, **data}
        return self.recorder.audit_ops("task_recovered", row, self.employee_id)


async def _check(after_crash: AfterCrash | None, step: Interrupted) -> CrashCheck | None:
    if after_crash is None or not step.call_id:
        return None
    try:
        return await after_crash(step)
    except Exception as exc:  # a check that breaks must not stop the office: the owner decides instead
        log.warning("checking the interrupted %s failed: %s", step.tool, exc, exc_info=True)
        return CrashCheck(None, f"checking it failed: {exc}")


async def _settled(journal: Journal, task_id: str, step_id: str, check: CrashCheck, now: str) -> list[Op]:
    """Done: the call's result, journaled as the owner's confirmation would be. Not done: nothing, so it runs again."""
    if not check.happened:
        return []
    (step,) = [s for s in await journal.steps(task_id=task_id) if s.id == step_id]
    done = dataclasses.replace(
        step, id=f"{step_id}-checked", status="finished", result=check.result, started_at=now, finished_at=now
    )
    return [writes.insert_step(done)]
