"""Kill a real office process with SIGKILL at random moments, many times, and check exactly-once."""

from __future__ import annotations

import asyncio
import collections
import json
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import BaseModel

from engine.clock import RandomIds
from engine.office import Office
from engine.paths import Home
from engine.store.db import open_database
from engine.store.journal import Journal
from engine.store.writer import Writer
from engine.testing import ScriptedModel, call, say
from engine.tools.base import FunctionTool, ToolContext
from tests.engine.conftest import BriefWriter

ROOT = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("crash_worker.py")
EMPLOYEES = 3
TASKS_PER_EMPLOYEE = 3
STEPS = 6
MOST_EVENTS = 10  # a kill comes after 0..this many of the worker's progress lines (model calls, tools)


def _reached(proc: subprocess.Popen[str], events: int) -> bool:
    """Read the worker's progress until `events` lines went by; False when it went idle first."""
    assert proc.stdout is not None
    for _ in range(events):
        line = proc.stdout.readline().strip()
        if not line or line == "idle":
            return False
    return proc.poll() is None


def _worker(home: Path, ledgers: Path, *extra: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, str(WORKER), str(home), str(ledgers), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


async def _owner_resolves_uncertain(home: Path, ledgers: Path) -> int:
    """Act as the owner: look at the real world (the ledger) and answer each uncertain task."""
    from engine.office import Office
    from engine.testing import FunctionModel

    office = await Office.open(Home.resolve(home), model=FunctionModel(lambda m, t: "unused"))
    resolved = 0
    try:
        happened = set(_lines(ledgers / "side_effects.txt"))
        for task in await office.journal.tasks(statuses=["uncertain"]):
            steps = await office.journal.steps(task_id=task.id)
            (step,) = [s for s in steps if s.status == "uncertain"][-1:]
            args = json.loads(step.arguments or "{}")
            await office.resolve(task.id, happened=f"{args['task']}:{args['n']}" in happened)
            resolved += 1
    finally:
        await office.close()
    return resolved


class Letter(BaseModel):
    to: str


@pytest.mark.parametrize("first_happened", [True, False])
async def test_each_uncertain_action_is_answered_once(
    write_brief: BriefWriter, headcount_home: Path, first_happened: bool
) -> None:
    """Two actions of one task are cut short by a crash; answering the second never re-answers the first."""
    sent: list[str] = []
    dies = {"a": first_happened, "b": True}  # letter -> whether it went out before the process died

    async def post(ctx: ToolContext, args: Letter) -> str:
        if args.to in dies:
            if dies.pop(args.to):
                sent.append(args.to)
            raise asyncio.CancelledError  # the process dies here: no result is journaled
        sent.append(args.to)
        return f"posted to {args.to}"

    tool = FunctionTool("post_letter", "Post a letter", Letter, post, risk="internal_write", idempotent=False)
    model = ScriptedModel(call("post_letter", to="a"), call("post_letter", to="b"), say("both posted"))

    async def restart() -> Office:  # a new process: its worker's recovery parks the task as uncertain
        office = await Office.open(Home.resolve(headcount_home), model=model, tools=[tool], ids=RandomIds())
        await office.run(until_idle=True)  # recovery runs only under the run lock, as the worker starts
        return office

    office = await restart()
    await office.hire(office.brief_for(str(write_brief(tools=["post_letter"]))), name="Ada")
    task = await office.assign("ada", "Post two letters")
    await office.run(until_idle=True)
    for happened in (first_happened, True):
        await office.close()
        office = await restart()
        await office.resolve(task.id, happened=happened)
        await office.run(until_idle=True)
    steps = await office.journal.steps(task_id=task.id)
    await office.close()

    assert sent == ["a", "b"]
    model.assert_complete()
    answered = [m["tool_call_id"] for m in model.requests[-1].messages if m["role"] == "tool"]
    assert len(answered) == len(set(answered)) == 2, answered
    finished = [s.result or "" for s in steps if s.kind == "tool" and s.status == "finished"]
    assert len(finished) == 2, finished  # one result per call, in the journal too
    assert ("owner confirmed" in finished[0]) == first_happened  # a "no" is never turned into a "yes"
    assert "owner confirmed" in finished[1]


@pytest.mark.slow
def test_kill_9_at_random_points_never_repeats_finished_work(tmp_path: Path) -> None:
    home, ledgers = tmp_path / "home", tmp_path / "ledgers"
    ledgers.mkdir()
    hire = _worker(home, ledgers, str(EMPLOYEES))
    assert hire.communicate(timeout=60)[0].strip() == "hired"

    rng = random.Random(20261125)
    kills = resolved = 0
    for _ in range(25):
        proc = _worker(home, ledgers)
        assert proc.stdout is not None
        if proc.stdout.readline().strip() != "running":  # the office is open and working
            pytest.fail(f"the worker did not start: {proc.communicate()[1]}")
        if _reached(proc, rng.randint(0, MOST_EVENTS)):  # kill points counted in work, not in wall time
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.communicate()
        resolved += asyncio.run(_owner_resolves_uncertain(home, ledgers))

    final = _worker(home, ledgers)
    out, err = final.communicate(timeout=120)
    assert "idle" in out, err
    resolved += asyncio.run(_owner_resolves_uncertain(home, ledgers))
    if resolved:
        out, err = _worker(home, ledgers).communicate(timeout=120)
        assert "idle" in out, err

    # Every side effect happened exactly once, in order, for every task.
    effects = collections.Counter(_lines(ledgers / "side_effects.txt"))
    tasks = [f"t{i}x{t}" for i in range(EMPLOYEES) for t in range(TASKS_PER_EMPLOYEE)]
    expected = {f"{task}:{n}" for task in tasks for n in range(0, STEPS, 2)}
    assert set(effects) == expected
    assert all(count == 1 for count in effects.values()), effects.most_common(3)

    # The journal holds one finished model step per conversation position, all tasks are done.
    engine = open_database(home / "headcount.db", home / "backups")
    journal = Journal(engine, Writer(engine))
    all_tasks = asyncio.run(journal.tasks())
    assert sorted(t.status for t in all_tasks) == ["done"] * len(tasks)
    steps = asyncio.run(journal.steps())
    model_steps = [s for s in steps if s.kind == "model" and s.status == "finished"]
    assert len(model_steps) == len(tasks) * (STEPS + 1)
    # ... and one result per tool call: a call cut short twice is still answered once.
    results = collections.Counter((s.task_id, s.call_id) for s in steps if s.kind == "tool" and s.status == "finished")
    assert len(results) == len(tasks) * STEPS and set(results.values()) == {1}, results.most_common(3)
    engine.dispose()

    # A model call is made again only if the kill came before its reply was journaled:
    # at most one call per employee in flight per kill.
    calls = _lines(ledgers / "model_calls.txt")
    assert len(calls) - len(model_steps) <= kills * EMPLOYEES
    assert kills >= 10  # the test really did interrupt work
