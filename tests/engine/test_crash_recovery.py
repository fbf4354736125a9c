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
import time
from pathlib import Path

import pytest

from engine.paths import Home
from engine.store.db import open_database
from engine.store.journal import Journal
from engine.store.writer import Writer

ROOT = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("crash_worker.py")
EMPLOYEES = 3
TASKS_PER_EMPLOYEE = 3
STEPS = 6


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
        assert proc.stdout.readline().strip() == "running"  # the office is open and working
        time.sleep(rng.uniform(0.0, 0.15))
        if proc.poll() is None:
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
    engine.dispose()

    # A model call is made again only if the kill came before its reply was journaled:
    # at most one call per employee in flight per kill.
    calls = _lines(ledgers / "model_calls.txt")
    assert len(calls) - len(model_steps) <= kills * EMPLOYEES
    assert kills >= 10  # the test really did interrupt work
