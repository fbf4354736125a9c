"""A task's steps keep the order they happened in, owner steps included, whatever the hour."""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from engine.clock import FakeClock
from engine.events import TaskChanged
from engine.office import POLL_S, Office
from engine.paths import Home
from engine.testing import ScriptedModel, say
from tests.engine.conftest import BriefWriter, OfficeFactory

# Owner steps used to be numbered from the wall clock's milliseconds modulo 10**6, a cycle of
# 1000 s; these moments sit at chosen places in that cycle.
CYCLE_START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)  # a multiple of 1000 s since the epoch
assert CYCLE_START.timestamp() % 1000 == 0


class _CliIds:
    """Ids of another process: never the same as the working office's."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def new(self, prefix: str) -> str:
        return f"{prefix}_cli{next(self._counter)}"


@pytest.mark.parametrize(
    ("phase_s", "gap_s"),
    [(700.0, 500.0), (999.5, 1.0), (100.0, 500.0)],
    ids=["500s-apart-wrapping", "1s-apart-across-the-wrap", "500s-apart"],
)
async def test_each_revision_gets_a_new_model_call_and_comes_last(
    make_office: OfficeFactory, write_brief: BriefWriter, phase_s: float, gap_s: float
) -> None:
    clock = FakeClock(CYCLE_START)
    model = ScriptedModel(say("draft 1"), say("draft 2"), say("draft 3"))
    office = await make_office(model, clock=clock)
    await office.hire(office.brief_for(str(write_brief(probation=1))), name="Ada")
    task = await office.assign("ada", "Write a post")
    await office.run(until_idle=True)

    clock.set(CYCLE_START + timedelta(seconds=phase_s))
    (first,) = await office.reviews()
    await office.revise(first.id, "Shorter")
    await office.run(until_idle=True)
    assert len(model.requests) == 2
    (second,) = await office.reviews()
    assert "draft 2" in second.content

    clock.advance(gap_s)
    await office.revise(second.id, "Mention the sale")
    await office.run(until_idle=True)
    assert len(model.requests) == 3, "the second revision went back to review without a new model call"
    (third,) = await office.reviews()
    assert third.round == 3 and "draft 3" in third.content
    model.assert_complete()

    asked = [m["content"] for m in model.requests[-1].messages if m["role"] == "user"]
    assert asked[0] == "Write a post"
    assert "Shorter" in asked[1] and "Mention the sale" in asked[2] and len(asked) == 3
    assert model.requests[-1].messages[-1]["content"] == asked[2]  # the latest comment comes last

    steps = await office.journal.steps(task_id=task.id)
    assert [s.kind for s in steps] == ["model", "owner", "model", "owner", "model"]
    assert [s.seq for s in steps] == [1, 2, 3, 4, 5]


async def test_an_owner_in_another_process_revises_while_the_office_works(
    make_office: OfficeFactory, write_brief: BriefWriter, headcount_home: Path
) -> None:
    """The window works; `headcount revise` writes from another process; both agree on the order."""
    clock = FakeClock(CYCLE_START + timedelta(seconds=700))
    model = ScriptedModel(say("draft 1"), say("draft 2"), say("draft 3"))
    office = await make_office(model, clock=clock)
    await office.hire(office.brief_for(str(write_brief(probation=1))), name="Ada")
    in_review = asyncio.Event()
    office.bus.subscribe(lambda e: in_review.set() if isinstance(e, TaskChanged) and e.status == "review" else None)
    runner = asyncio.create_task(office.run(until_idle=False))
    task = await office.assign("ada", "Write a post")
    cli_ids = _CliIds()
    try:
        for comment in ("Shorter", "Mention the sale"):
            await asyncio.wait_for(in_review.wait(), 10)
            in_review.clear()
            cli = await Office.open(Home.resolve(headcount_home), model=ScriptedModel(), clock=clock, ids=cli_ids)
            (item,) = await cli.reviews()
            await cli.revise(item.id, comment)
            await cli.close()
            clock.advance(max(500, POLL_S))  # later, and past the working office's poll: it takes the task up
        await asyncio.wait_for(in_review.wait(), 10)
    finally:
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)
    model.assert_complete()
    assert model.requests[-1].messages[-1]["content"].endswith("Mention the sale\nPlease revise.")
    steps = await office.journal.steps(task_id=task.id)
    assert [(s.kind, s.seq) for s in steps] == [("model", 1), ("owner", 2), ("model", 3), ("owner", 4), ("model", 5)]


async def test_a_database_with_clock_numbered_owner_steps_is_renumbered_and_replays(
    make_office: OfficeFactory, write_brief: BriefWriter, headcount_home: Path
) -> None:
    clock = FakeClock(CYCLE_START + timedelta(seconds=700))
    office = await make_office(ScriptedModel(say("draft 1"), say("draft 2")), clock=clock)
    await office.hire(office.brief_for(str(write_brief(probation=1))), name="Ada")
    task = await office.assign("ada", "Write a post")
    await office.run(until_idle=True)
    (first,) = await office.reviews()
    await office.revise(first.id, "Shorter")
    await office.run(until_idle=True)
    clock.advance(500)
    (second,) = await office.reviews()
    await office.revise(second.id, "Mention the sale")  # queued; the office closes before working it
    await office.close()

    # What the old code wrote: owner steps numbered from the clock, the second one wrapped below the first.
    with sqlite3.connect(Home.resolve(headcount_home).database) as conn:
        old = [(1_700_000, task.id, 2), (1_700_001, task.id, 3), (1_200_000, task.id, 4)]
        conn.executemany("UPDATE steps SET seq = ? WHERE task_id = ? AND seq = ?", old)
        conn.execute("UPDATE alembic_version SET version_num = '0002'")
        by_seq = conn.execute("SELECT kind, result FROM steps ORDER BY seq").fetchall()
    assert [kind for kind, _ in by_seq] == ["model", "owner", "owner", "model"]  # the old, wrong order
    assert "Mention the sale" in by_seq[1][1]

    model = ScriptedModel(say("draft 3"))
    office = await make_office(model, clock=clock)  # migrates
    steps = await office.journal.steps(task_id=task.id)
    assert [(s.kind, s.seq) for s in steps] == [("model", 1), ("owner", 2), ("model", 3), ("owner", 4)]
    assert "Mention the sale" in (steps[-1].result or "")
    await office.run(until_idle=True)
    model.assert_complete()
    assert "Mention the sale" in model.requests[0].messages[-1]["content"]
    (third,) = await office.reviews()
    assert third.round == 3 and "draft 3" in third.content
