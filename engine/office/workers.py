"""Each employee's queue and the asyncio task that works it, while the office runs."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from engine.office.employee import Employee

Work = Callable[[Employee, bool], Coroutine[Any, Any, None]]  # (employee, until_idle) -> works its queue


class Workers:
    """Queues task ids per employee and keeps one worker task per employee while serving.

    The scheduler serves a task group during `Office.run`; outside a run, queued work waits in the
    employees' queues. Every worker handle stays owned by the group and this registry.
    """

    def __init__(self, employed: Callable[[str], bool]) -> None:
        self._employed = employed  # a worker is never started for someone who was let go
        self._serving: tuple[asyncio.TaskGroup, bool, Work] | None = None  # set while run() runs
        self._workers: dict[str, asyncio.Task[None]] = {}
        self.active: set[str] = set()  # task ids taken from a queue and being worked

    def serve(self, group: asyncio.TaskGroup, until_idle: bool, work: Work) -> None:
        """Start workers in `group` from now on (`until_idle`: each returns when its queue is empty)."""
        self._serving = (group, until_idle, work)
        self._workers = {}

    def stop_serving(self) -> None:
        self._serving = None

    def start(self, employee: Employee) -> None:
        """Start the employee's worker while the office serves and employs it, unless one is at work (never two)."""
        running = self._workers.get(employee.id)
        if self._serving is not None and self._employed(employee.id) and (running is None or running.done()):
            group, until_idle, work = self._serving
            self._workers[employee.id] = group.create_task(work(employee, until_idle))

    def enqueue(self, employee: Employee, task_id: str, *, first: bool = False) -> None:
        """Queue a task (again) and wake the employee; restart its worker if it had stopped."""
        if task_id not in employee.queue:
            employee.queue.insert(0, task_id) if first else employee.queue.append(task_id)
        employee.wake.set()
        self.start(employee)  # its worker may have stopped (idle, in a run until idle)

    def is_queued_or_active(self, employee: Employee, task_id: str) -> bool:
        return task_id in employee.queue or task_id in self.active

    def cancel(self, employee: Employee) -> None:
        """Drop the employee's queue and stop its worker (it was let go)."""
        employee.queue.clear()
        worker = self._workers.pop(employee.id, None)
        if worker is not None:
            worker.cancel()

    def running(self) -> list[asyncio.Task[None]]:
        """Workers that have not finished yet."""
        return [w for w in self._workers.values() if not w.done()]

    def all(self) -> list[asyncio.Task[None]]:
        return list(self._workers.values())
