"""A five-person sprint over 24 simulated hours, its process killed with SIGKILL at random points and restarted.

Every card ends done or explicitly escalated, none is lost or done twice, and the audit log verifies.
"""

from __future__ import annotations

import asyncio
import collections
import json
import os
import random
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from engine.clock import FakeClock
from engine.office import Office
from engine.paths import Home
from engine.testing import FunctionModel
from tests.engine.sprint_worker import START, rehearse
from tests.engine.test_cli import headcount

ROOT = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("sprint_worker.py")
ROLES = [
    ("lead", "Team Lead"),
    ("writer", "Writer"),
    ("designer", "Designer"),
    ("editor", "Editor"),
    ("seller", "Seller"),
]
KILLS = 8
MOST_EVENTS = 15  # a kill comes after 1..this many of the worker's progress lines (model calls, hours)


def _brief(folder: Path, role: str, title: str) -> Path:
    front = {
        "id": role, "title": title, "function": "ops", "goals": ["Ship the sprint"], "tone": "Plain",
        "tools": ["list_files", "read_file", "write_file", "save_note", "search_notes"], "hours": "24/7",
        "probation": 0,
    }  # fmt: skip
    path = folder / f"{role}.md"
    path.write_text(f"---\n{yaml.safe_dump(front, sort_keys=False)}---\nWorks on the sprint.\n")
    return path


async def _plan(home: Path, briefs: Path) -> str:
    office = await Office.open(Home.resolve(home), model=FunctionModel(rehearse), clock=FakeClock(START))
    try:
        for role, title in ROLES:
            await office.hire(office.brief_for(str(_brief(briefs, role, title))), name=title.split()[-1], team="studio")
        await office.teams.set_setting("studio", "auto_approve", "1")
        proposal = await office.teams.plan_sprint("studio", "Launch the spring newsletter", days=1)
        return proposal.sprint.id
    finally:
        await office.close()


def _running(home: Path) -> int:
    """Tasks a kill left running (read before anyone recovers them)."""
    import sqlite3

    with sqlite3.connect(home / "headcount.db") as conn:
        return int(conn.execute("SELECT count(*) FROM tasks WHERE status = 'running'").fetchone()[0])


async def _owner_answers(home: Path) -> int:
    """The owner answers each task a kill left uncertain: it did not happen, do it again."""
    office = await Office.open(Home.resolve(home), model=FunctionModel(rehearse))
    try:
        tasks = await office.journal.tasks(statuses=["uncertain"])
        for task in tasks:
            await office.resolve(task.id, happened=False)
        return len(tasks)
    finally:
        await office.close()


def _reached(proc: subprocess.Popen[str], events: int) -> bool:
    """Read the worker's progress until `events` lines went by; False when it finished the day first.

    Kill points counted in work, not in wall time: a delay in seconds lands mid-task only while the
    machine's speed happens to match it (under faketime and load the whole sprint was over first).
    """
    assert proc.stdout is not None
    for _ in range(events):
        line = proc.stdout.readline().strip()
        if not line or line == "idle":
            return False
    return True


def _worker(home: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, str(WORKER), str(home)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )


@pytest.mark.slow
def test_a_sprint_survives_sigkill_at_random_points_over_a_simulated_day(tmp_path: Path) -> None:
    home, briefs = tmp_path / "home", tmp_path / "briefs"
    briefs.mkdir()
    sprint_id = asyncio.run(_plan(home, briefs))
    rng = random.Random(20261129)
    kills = interrupted = 0
    for _attempt in range(3 * KILLS):  # random kill points; more of them if none has yet landed mid-task
        if kills >= KILLS and interrupted >= 1:
            break
        proc = _worker(home)
        assert proc.stdout is not None
        if proc.stdout.readline().strip() != "running":
            pytest.fail(f"the worker did not start: {proc.communicate()[1]}")
        if _reached(proc, rng.randint(1, MOST_EVENTS)):
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.communicate()
        interrupted += _running(home)
        asyncio.run(_owner_answers(home))
    for _ in range(3):  # to the end of the day; the owner answers what the last kill left uncertain
        out, err = _worker(home).communicate(timeout=120)
        assert "idle" in out, err
        if not asyncio.run(_owner_answers(home)):
            break
    assert kills >= KILLS // 2 and interrupted >= 1, (kills, interrupted)  # the test really did interrupt work
    asyncio.run(_check(home, sprint_id))
    verified = headcount(home, "audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr


async def _check(home: Path, sprint_id: str) -> None:
    # At the end of the simulated day: the board shows the last week's closed cards, on the office's clock.
    end = FakeClock(START + timedelta(hours=24))
    office = await Office.open(Home.resolve(home), model=FunctionModel(rehearse), clock=end)
    try:
        cards = [c for c in await office.teams.board("studio") if c.record.sprint_id == sprint_id]
        assert len(cards) == 6
        assert all(c.column == "done" or c.escalated for c in cards), [(c.record.key, c.column) for c in cards]
        tasks = {t.id: t for t in await office.journal.tasks()}
        # None lost: each card has its one task; none done twice: one task per card, one final answer per task.
        assert all(c.record.task_id in tasks for c in cards)
        titles = {c.record.title for c in cards}
        per_title = collections.Counter(t.title for t in tasks.values() if t.title in titles)
        assert per_title == collections.Counter(titles)
        for card in cards:  # a task done twice would hold two final answers
            steps = await office.journal.steps(task_id=card.record.task_id)
            finals = [s for s in steps if s.kind == "model" and not json.loads(s.result or "{}").get("tool_calls")]
            assert len(finals) == (1 if tasks[card.record.task_id].status == "done" else 0), card.record.key  # type: ignore[index]
        hour = int((home / "sim-hour").read_text())
        assert hour == 24  # the whole simulated day went by
    finally:
        await office.close()
