"""Durable per-task claims with leases: one worker holds a task, and a dead worker's hold runs out."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from engine.clock import FakeClock
from engine.events import TaskChanged
from engine.office import POLL_S, Office
from engine.office.claims import LEASE_S
from engine.store import claims as store
from engine.store import writes
from engine.testing import ScriptedModel, say
from tests.engine.conftest import BriefWriter, OfficeFactory


async def _polls(clock: FakeClock, seconds: float) -> None:
    """Move the clock by `seconds`, one poll at a time, each time until someone waits on the clock again."""
    for _ in range(int(seconds / POLL_S)):
        nap = clock.next_sleep()
        clock.advance(POLL_S)
        await asyncio.wait_for(nap, 10)


async def _ghost_claim(office: Office, task_id: str, clock: FakeClock) -> None:
    """A claim held by a worker that is not this office's (it stopped renewing a moment ago)."""
    now = clock.now()
    won: list[bool] = []
    stamp = now.timestamp()
    await office.journal.write(store.take(task_id, "ghost:ada", stamp, stamp + LEASE_S, now.isoformat(), won))
    assert won == [True]


async def test_a_task_held_by_another_worker_waits_for_its_lease(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    clock = FakeClock()
    model = ScriptedModel(say("done"))
    office = await make_office(model, clock=clock)
    ada = await office.hire(office.brief_for(str(write_brief())), name="Ada")
    done = asyncio.Event()
    office.bus.subscribe(lambda e: done.set() if isinstance(e, TaskChanged) and e.status == "done" else None)
    runner = asyncio.create_task(office.run(until_idle=False))
    await asyncio.wait_for(clock.next_sleep(), 10)
    task = await office.assign(ada.id, "Count the chairs")
    await _ghost_claim(office, task.id, clock)

    await _polls(clock, LEASE_S - 2 * POLL_S)
    assert model.requests == [] and (await office.journal.task(task.id)).status == "queued"  # type: ignore[union-attr]
    await _polls(clock, 3 * POLL_S)  # the lease ran out: the task is this office's to work
    await asyncio.wait_for(done.wait(), 10)
    assert await office.journal.read(store.read_claims) == {}  # released in the same write as "done"
    runner.cancel()
    await asyncio.gather(runner, return_exceptions=True)
    model.assert_complete()


async def test_a_running_task_whose_worker_died_is_worked_again_after_its_lease(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    clock = FakeClock()
    model = ScriptedModel(say("done"))
    office = await make_office(model, clock=clock)
    ada = await office.hire(office.brief_for(str(write_brief())), name="Ada")
    done = asyncio.Event()
    office.bus.subscribe(lambda e: done.set() if isinstance(e, TaskChanged) and e.status == "done" else None)
    runner = asyncio.create_task(office.run(until_idle=False))
    await asyncio.wait_for(clock.next_sleep(), 10)
    # A worker took the task, marked it running and died without a word: nothing else would ever work it.
    now = clock.now()
    stamp = now.timestamp()
    ghost = [
        writes.task_status("task_ghost", "running", "", now.isoformat()),
        store.take("task_ghost", "ghost:ada", stamp, stamp + LEASE_S, now.isoformat(), []),
    ]
    task = await office.parts.board.assign(ada.id, "Sort the mail", task_id="task_ghost", also=ghost)
    await _polls(clock, LEASE_S - 2 * POLL_S)
    assert (await office.journal.task(task.id)).status == "running" and model.requests == []  # type: ignore[union-attr]

    await _polls(clock, 3 * POLL_S)
    await asyncio.wait_for(done.wait(), 10)
    runner.cancel()
    await asyncio.gather(runner, return_exceptions=True)
    model.assert_complete()


async def test_a_restart_drops_the_claims_of_the_run_it_replaces(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    clock = FakeClock()
    model = ScriptedModel(say("done"))
    office = await make_office(model, clock=clock)
    ada = await office.hire(office.brief_for(str(write_brief())), name="Ada")
    task = await office.assign(ada.id, "Water the plants")
    await office.journal.write(writes.task_status(task.id, "running", "", clock.now().isoformat()))
    await _ghost_claim(office, task.id, clock)  # the killed process's claim, its lease still live
    clock.advance(timedelta(seconds=1).total_seconds())
    await office.run(until_idle=True)  # the run lock proves the ghost gone: no wait for its lease
    assert (await office.journal.task(task.id)).status == "done"  # type: ignore[union-attr]
    model.assert_complete()
