"""Probation: an employee's finished work goes to the owner for review, who accepts it or sends it back.

Each accepted deliverable counts down the employee's probation; a deliverable sent back is worked
again as a new round, with the owner's comment as the next step of the task.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from engine.bus import EventBus
from engine.clock import IdSource
from engine.errors import OwnerError
from engine.events import DeliverableDecided, DeliverableSubmitted, StatusChanged
from engine.office.employee import Employee
from engine.office.recorder import Recorder
from engine.office.roster import Roster
from engine.office.tasks import TaskBoard
from engine.redaction import redact
from engine.store import deliverables as deliverables_table
from engine.store import writes
from engine.store.journal import Journal
from engine.store.records import Deliverable, TaskRecord
from engine.store.settings import bump_owner_version


class Reviews:
    def __init__(
        self,
        journal: Journal,
        bus: EventBus,
        ids: IdSource,
        *,
        roster: Roster,
        board: TaskBoard,
        recorder: Recorder,
        workspace: Callable[[str], Path],
    ) -> None:
        self._workspace = workspace  # an employee's folder, where the files it delivers are
        self._journal = journal
        self._bus = bus
        self._ids = ids
        self._roster = roster
        self._board = board
        self._recorder = recorder

    async def submit(self, employee: Employee, task: TaskRecord, summary: str) -> Deliverable:
        """Hand in a finished task for review: the task waits in `review` until the owner decides."""
        files = await self._files_written(task.id)
        # Masked like every step: a key the model repeated in its answer or wrote into a file stays out.
        content = redact(summary + await asyncio.to_thread(_file_texts, self._workspace(employee.id), files))
        rounds = await self._journal.read(functools.partial(deliverables_table.count_rounds, task_id=task.id))
        item = Deliverable(
            id=self._ids.new("dlv"),
            employee_id=employee.id,
            task_id=task.id,
            round=rounds + 1,
            content=content,
            status="pending",
            comment="",
            created_at=self._recorder.now(),
            decided_at=None,
        )
        data = {"deliverable_id": item.id, "task_id": task.id, "round": item.round}
        await self._journal.write(
            deliverables_table.insert_deliverable(item),
            writes.task_status(task.id, "review", "waiting for the owner's review", self._recorder.now()),
            writes.update_employee(employee.id, status="idle", status_detail=""),
            *self._recorder.audit_ops("deliverable_submitted", data, employee.id),
            full=True,
        )
        self._board.publish(task, "review", "waiting for the owner's review")
        self._bus.publish(StatusChanged(employee_id=employee.id, status="idle", detail=""))
        self._bus.publish(submitted_event(item, task.title))
        return item

    async def _files_written(self, task_id: str) -> list[str]:
        paths = []
        for step in await self._journal.steps(task_id=task_id):
            if step.tool == "write_file" and step.status == "finished" and step.arguments:
                try:
                    paths.append(str(json.loads(step.arguments).get("path", "")))
                except (json.JSONDecodeError, AttributeError):
                    continue
        return sorted({p for p in paths if p})

    async def list(self, status: str | None = "pending") -> list[Deliverable]:
        """Deliverables oldest first; every one with `status=None`."""
        return await self._journal.read(functools.partial(deliverables_table.read_deliverables, status=status))

    async def _pending(self, deliverable_id: str) -> tuple[Deliverable, TaskRecord]:
        """The deliverable and its task, while it waits for the owner's decision; OwnerError otherwise."""
        for item in await self.list(None):
            if item.id == deliverable_id:
                if item.status != "pending":
                    done = "sent back for revision" if item.status == "revise" else item.status
                    raise OwnerError(f"deliverable {deliverable_id} was already {done}")
                task = await self._board.get(item.task_id)
                if task.status != "review":  # cancelled, split, handed on, parked since it was handed in
                    raise OwnerError(
                        f"deliverable {deliverable_id} no longer waits for you: its task {task.id} is {task.status} now"
                    )
                return item, task
        raise OwnerError(f"no deliverable {deliverable_id!r}")

    async def accept(self, deliverable_id: str) -> None:
        """Accept the work: the task is done and the employee's probation counts down."""
        item, task = await self._pending(deliverable_id)
        employee = self._roster.employees.get(item.employee_id)
        left = max(employee.record.probation_left - 1, 0) if employee else 0
        data = {"deliverable_id": item.id, "decision": "accepted"}
        await self._journal.write(
            deliverables_table.decide(item.id, "accepted", self._recorder.now()),
            writes.task_status(task.id, "done", "", self._recorder.now()),
            writes.update_employee(item.employee_id, probation_left=left),
            bump_owner_version(),
            *self._recorder.audit_ops("deliverable_decided", data, item.employee_id),
            full=True,
        )
        if employee is not None:
            employee.record = dataclasses.replace(employee.record, probation_left=left)
        self._board.publish(task, "done")
        self._bus.publish(
            DeliverableDecided(
                deliverable_id=item.id, employee_id=item.employee_id, task_id=task.id, decision="accepted"
            )
        )

    async def revise(self, deliverable_id: str, comment: str) -> None:
        """Send a deliverable back with comments; the employee revises it as a new round."""
        if not comment.strip():
            raise OwnerError("say what to change")
        item, task = await self._pending(deliverable_id)
        data = {"deliverable_id": item.id, "decision": "revise", "comment": comment}
        await self._journal.write(
            deliverables_table.decide(item.id, "revise", self._recorder.now(), comment),
            *self._recorder.audit_ops("deliverable_decided", data, item.employee_id),
            full=True,
        )
        self._bus.publish(
            DeliverableDecided(
                deliverable_id=item.id,
                employee_id=item.employee_id,
                task_id=task.id,
                decision="revise",
                comment=comment,
            )
        )
        text = f"The owner reviewed your work (round {item.round}) and sent it back: {comment}\nPlease revise."
        await self._board.requeue(task, "sent back for revision", self._board.owner_step(task, text))

    async def put_on_probation(self, who: str, deliverables_to_review: int = 3) -> None:
        """Have the owner review the employee's next `deliverables_to_review` finished tasks."""
        employee = self._roster.find(who)
        await self._recorder.owner_action(
            "probation",
            {"deliverables": deliverables_to_review},
            employee.id,
            writes.update_employee(employee.id, probation_left=deliverables_to_review),
        )
        employee.record = dataclasses.replace(employee.record, probation_left=deliverables_to_review)


MAX_FILE_CHARS = 20_000  # of each delivered file shown for review; the whole file stays in the workspace


def submitted_event(item: Deliverable, title: str) -> DeliverableSubmitted:
    return DeliverableSubmitted(
        deliverable_id=item.id,
        employee_id=item.employee_id,
        task_id=item.task_id,
        title=title,
        round=item.round,
        content=item.content,
    )


def _decided(item: Deliverable, decision: Literal["accepted", "revise"], comment: str = "") -> DeliverableDecided:
    return DeliverableDecided(
        deliverable_id=item.id, employee_id=item.employee_id, task_id=item.task_id, decision=decision, comment=comment
    )


def _file_texts(workspace: Path, paths: list[str]) -> str:
    """The delivered files themselves, under the report: the owner reviews the work, not its file names."""
    parts = []
    for relative in paths:
        target = (workspace / relative).resolve()
        if not target.is_relative_to(workspace.resolve()) or not target.is_file():
            parts.append(f"### {relative}\n\n(no longer in the workspace)")
            continue
        text = target.read_text(encoding="utf-8", errors="replace")
        if len(text) > MAX_FILE_CHARS:
            text = text[:MAX_FILE_CHARS] + f"\n\n[... {len(text) - MAX_FILE_CHARS:,} more characters in {relative}]"
        parts.append(f"### {relative}\n\n{text}")
    return "".join(f"\n\n---\n\n{part}" for part in parts)
