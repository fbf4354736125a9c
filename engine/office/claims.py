"""Durable per-task claims with leases: one worker holds a task at a time, and a dead worker's hold runs out.

The scheduler takes a task's claim before working it and releases it once the task leaves its hands
(in the same write that marks it done, parked or queued again, so a stop never falls in between);
the poll renews the leases of the tasks it is working and hands back to the queue a running task whose
lease ran out (its worker died without letting go). Recovery, holding the run lock, drops the claims of
earlier runs: the lock proves their process is gone, so their tasks need not wait for the lease.
"""

from __future__ import annotations

import itertools
import logging
import os
from collections.abc import Sequence

from engine.clock import Clock
from engine.store import claims as store
from engine.store.claims import ClaimRecord
from engine.store.journal import Journal
from engine.store.writer import Op

log = logging.getLogger(__name__)

LEASE_S = 60.0  # how long a claim holds without renewal; the poll renews every few seconds


class Claims:
    def __init__(self, journal: Journal, clock: Clock, *, lease_s: float = LEASE_S) -> None:
        self._journal = journal
        self._clock = clock
        self.lease_s = lease_s
        self._runs = itertools.count(1)
        # This process's run (no id drawn from the office's id source: ids in tests stay as they were).
        self.run = f"{os.getpid()}.0"
        self._held: dict[str, str] = {}  # task id -> holder, for the tasks this run works now

    def new_run(self) -> None:
        self.run = f"{os.getpid()}.{next(self._runs)}"

    def holder(self, employee_id: str) -> str:
        return f"{self.run}:{employee_id}"

    async def take(self, task_id: str, employee_id: str, then: Sequence[Op] = ()) -> bool:
        """Claim the task for this run's worker of `employee_id`; False when another holds a live lease.

        `then` commits with the claim, and only when it was won.
        """
        now = self._clock.now()
        holder = self.holder(employee_id)
        won: list[bool] = []
        stamp = now.timestamp()
        take = store.take(task_id, holder, stamp, stamp + self.lease_s, now.isoformat(), won, then)
        await self._journal.write(take)
        if won and won[0]:
            self._held[task_id] = holder
            return True
        return False

    async def release(self, task_id: str) -> None:
        holder = self._held.pop(task_id, None)
        if holder is not None:
            await self._journal.write(store.release(task_id, holder))

    def letting_go(self, task_id: str) -> list[Op]:
        """The release of this run's claim, for the write that takes the task out of its worker's hands."""
        holder = self._held.get(task_id)
        return [store.release(task_id, holder)] if holder is not None else []

    def let_go(self, task_id: str) -> None:
        """That write is done: the claim is gone, nothing more to release."""
        self._held.pop(task_id, None)

    async def renew(self) -> None:
        """Push the lease of every task this run works."""
        if not self._held:
            return
        until = self._clock.now().timestamp() + self.lease_s
        by_holder: dict[str, list[str]] = {}
        for task_id, holder in self._held.items():
            by_holder.setdefault(holder, []).append(task_id)
        await self._journal.write(*[store.renew(ids, holder, until) for holder, ids in by_holder.items()])

    async def expired(self, task_ids: list[str]) -> list[str]:
        """Of these (running) tasks, those whose holder's lease ran out.

        A running task with no claim at all is left alone: its worker let go as it failed, and recovery
        decides at the next start whether what it was doing happened (a tool cut short is asked about).
        """
        if not task_ids:
            return []
        now = self._clock.now().timestamp()
        claims = await self._journal.read(store.read_claims)
        return [t for t in task_ids if t not in self._held and t in claims and claims[t].lease_until <= now]

    async def all(self) -> dict[str, ClaimRecord]:
        return await self._journal.read(store.read_claims)

    async def forget_earlier_runs(self) -> None:
        """Recovery, with the run lock held: earlier runs are gone, so are their claims."""
        self._held.clear()
        if await self._journal.read(store.any_claims):  # none after a clean stop: no fsynced write for nothing
            await self._journal.write(store.release_all(), full=True)
