"""Tasks on the office's board: assigning one, changing its status durably, and telling listeners.

Every change of a task's status is journaled and then published as a TaskChanged event, from
whichever part made it (the scheduler, an owner action, a review).
"""

from __future__ import annotations

from collections.abc import Sequence

from engine.bus import EventBus
from engine.clock import Clock, IdSource
from engine.errors import OfficeError, OwnerError
from engine.events import Status, StatusChanged, TaskChanged, TaskStatus
from engine.office.roster import Roster
from engine.office.workers import Workers
from engine.parked import is_over_budget
from engine.secrets import redact
from engine.store import writes
from engine.store.journal import Journal
from engine.store.records import StepRecord, TaskRecord
from engine.store.writer import Op


class TaskBoard:
    def __init__(
        self, journal: Journal, bus: EventBus, clock: Clock, ids: IdSource, roster: Roster, workers: Workers
    ) -> None:
        self._journal = journal
        self._bus = bus
        self._clock = clock
        self._ids = ids
        self._roster = roster
        self._workers = workers

    async def assign(
        self, who: str, text: str, *, parent_id: str | None = None, task_id: str | None = None, also: Sequence[Op] = ()
    ) -> TaskRecord:
        """Queue a task for an employee (by name or id); it is worked when the office runs.

        `task_id` and `also` (teams): the id to give it, and ops committed in the same write (a board card).
        """
        task = self.new_task(who, text, parent_id=parent_id, task_id=task_id)
        await self.queue(task, *also)
        return task

    def new_task(self, who: str, text: str, *, parent_id: str | None = None, task_id: str | None = None) -> TaskRecord:
        """The task `assign` queues, not yet written: for a caller that commits its own rows with it."""
        text = redact(text.strip())  # a key pasted into a task never reaches the journal or the model
        if not text:
            raise OfficeError("a task needs some text")
        employee = self._roster.find(who)
        now = self._now()
        return TaskRecord(
            id=task_id or self._ids.new("task"),
            employee_id=employee.id,
            parent_id=parent_id,
            title=title_of(text),
            body=text,
            status="queued",
            reason="",
            created_at=now,
            updated_at=now,
        )

    async def queue(self, task: TaskRecord, *also: Op, full: bool = False) -> None:
        """Write a new task (with `also` in the same write), put it in its employee's queue and show it."""
        await self._journal.write(writes.insert_task(task), *also, full=full)
        employee = self._roster.employees.get(task.employee_id)
        if employee is not None:  # let go meanwhile (the window and a terminal): nobody to wake
            self._workers.enqueue(employee, task.id)
        self.publish(task, "queued")

    async def get(self, task_id: str, *statuses: str) -> TaskRecord:
        """The task, which must be in one of `statuses` (any, when none is given). Raises OwnerError."""
        task = await self._journal.task(task_id)
        if task is None:
            raise OwnerError(f"no task {task_id!r}")
        if statuses and task.status not in statuses:
            raise OwnerError(f"task {task_id} is {task.status}, not {' or '.join(statuses)}")
        return task

    def publish(self, task: TaskRecord, status: TaskStatus, reason: str = "") -> None:
        self._bus.publish(
            TaskChanged(
                task_id=task.id,
                employee_id=task.employee_id,
                title=task.title,
                status=status,
                reason=reason,
                parent_id=task.parent_id,
            )
        )

    async def set_status(
        self, task: TaskRecord, state: TaskStatus, reason: str, *, status: Status, detail: str, also: Sequence[Op] = ()
    ) -> None:
        """Move the task to `state` and show its employee as `status`, in one write (with `also`)."""
        await self._journal.write(*self.status_ops(task, state, reason, status=status, detail=detail), *also)
        self.status_set(task, state, reason, status=status, detail=detail)

    def status_ops(self, task: TaskRecord, state: TaskStatus, reason: str, *, status: Status, detail: str) -> list[Op]:
        """The writes of `set_status`, for a caller that commits them with its own (then calls `status_set`)."""
        return [
            writes.task_status(task.id, state, reason, self._now()),
            writes.update_employee(task.employee_id, status=status, status_detail=detail),
        ]

    def status_set(self, task: TaskRecord, state: TaskStatus, reason: str, *, status: Status, detail: str) -> None:
        """Those writes are durable: show them."""
        employee = self._roster.employees.get(task.employee_id)
        if employee is not None:
            employee.shown = status
        self.publish(task, state, reason)
        self._bus.publish(StatusChanged(employee_id=task.employee_id, status=status, detail=detail))

    async def requeue(self, task: TaskRecord, reason: str, *ops: Op) -> None:
        """Put a task back in its employee's queue (with `ops` in the same write), and wake the employee."""
        await self._journal.write(*ops, writes.task_status(task.id, "queued", reason, self._now()))
        self.publish(task, "queued", reason)
        employee = self._roster.employees.get(task.employee_id)
        if employee is not None:
            self._workers.enqueue(employee, task.id)

    async def retry_over_budget(self, employee_id: str | None = None, reason: str = "the budget changed") -> None:
        """Put tasks parked over budget back in the queue: a ceiling, a raise or the day changed."""
        for task in await self._journal.tasks(employee_id=employee_id, statuses=["parked"]):
            if is_over_budget(task) and task.employee_id in self._roster.employees:
                await self.requeue(task, reason)

    def owner_step(self, task: TaskRecord, text: str) -> Op:
        """What the owner says to the employee, as the task's next step (numbered when it commits)."""
        now = self._now()
        return writes.append_step(
            StepRecord(
                id=self._ids.new("step"),
                task_id=task.id,
                turn_id="owner",
                employee_id=task.employee_id,
                seq=0,  # numbered by the journal after the task's last step
                kind="owner",
                status="finished",
                attempt=1,
                tool=None,
                call_id=None,
                arguments=None,
                result=text,
                model=None,
                prompt_tokens=0,
                completion_tokens=0,
                cost_usd=0.0,
                rehearsal=False,
                error=None,
                started_at=now,
                finished_at=now,
            )
        )

    def _now(self) -> str:
        return self._clock.now().isoformat()


def title_of(text: str, limit: int = 80) -> str:
    """A task's title: its first line, cut at a word with an ellipsis when it is long."""
    line = text.splitlines()[0].strip()
    if len(line) <= limit:
        return line
    return line[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"
