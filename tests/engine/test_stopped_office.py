"""`roster` and `tasks` after the office was killed mid-work (SIGKILL, a power cut): they say it is stopped and
what the next start does, instead of showing work under way, and they write nothing."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from engine.clock import OFFSET_ENV
from engine.office.stopped import BUSY
from tests.engine.test_cli import HEAVY, OFFSET, ROOT, headcount
from tests.engine.test_reading import shown

WORKER = Path(__file__).with_name("stall_worker.py")


def _stored(home: Path) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(name, status) of every employee and (title, status) of every task, as the database holds them."""
    with sqlite3.connect(home / "headcount.db") as conn:
        employees = conn.execute("SELECT name, status FROM employees ORDER BY name").fetchall()
        tasks = conn.execute("SELECT title, status FROM tasks ORDER BY title").fetchall()
    return employees, tasks


def test_a_killed_office_is_shown_stopped_and_what_its_next_start_does(tmp_path: Path) -> None:
    home, briefs = tmp_path / "home", tmp_path / "briefs"
    briefs.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT), OFFSET_ENV: OFFSET}
    with subprocess.Popen(
        [sys.executable, str(WORKER), str(home), str(briefs)], stdout=subprocess.PIPE, text=True, env=env
    ) as worker:
        try:
            assert worker.stdout is not None
            seen = {worker.stdout.readline().strip() for _ in range(2)}  # no clock: each comes when it is there
            assert seen == {"posting", "thinking"}, seen
            alive = {r["name"]: r for r in json.loads(headcount(home, "roster", "--json").stdout)}
            assert alive["Bo"]["status"] == "thinking" and alive["Ada"]["status"] in BUSY  # "tool" is stored later
            running = json.loads(headcount(home, "tasks", "--json").stdout)
            assert [t["status"] for t in running] == ["running", "running"]  # at work: shown as it is
        finally:
            worker.kill()  # SIGKILL: nothing of the office's own stopping runs
    before = _stored(home)
    shell = {**env, "HEADCOUNT_HOME": str(home)}

    roster = {r["name"]: r for r in json.loads(headcount(home, "roster", "--json").stdout)}
    assert {name: row["status"] for name, row in roster.items()} == {"Ada": "stopped", "Bo": "stopped"}
    assert roster["Bo"]["detail"] == "the office is not running; its task resumes when it starts"
    assert "post_letter" in roster["Ada"]["detail"] and "asks you" in roster["Ada"]["detail"]
    assert roster["Bo"]["current_task"] == "Think it over"
    text = headcount(home, "roster").stdout
    assert "stopped" in text and "the office is not running; its task resumes when it starts" in text
    assert "thinking" not in text

    tasks = {t["title"]: t for t in json.loads(headcount(home, "tasks", "--json").stdout)}
    assert tasks["Think it over"]["status"] == "interrupted"  # the next start puts it back in the queue
    assert "resumes at the next start" in tasks["Think it over"]["reason"]
    assert tasks["Post the letter to the bank"]["status"] == "uncertain"  # as recovery parks it: an intent, no result
    assert "post_letter" in tasks["Post the letter to the bank"]["reason"]
    assert "interrupted" in headcount(home, "tasks").stdout

    for command in (["roster", "--json"], ["tasks", "--json"]):  # the full office says the same, and both only read
        light, fronts = shown(home, command, full=False)
        assert fronts == ["engine.office.reading"]
        assert light == shown(home, command, full=True)[0]
    for command in (["roster"], ["tasks"]):  # asking the run lock loads nothing heavy: they stay fast
        code = (
            "import sys, contextlib, io\n"
            "from app.launcher import main\n"
            f"with contextlib.redirect_stdout(io.StringIO()): code = main({command!r})\n"
            f"print(code, sorted(m for m in {HEAVY!r} if m in sys.modules))"
        )
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=shell, timeout=180)
        assert result.stdout.strip() == "0 []", result.stdout + result.stderr
    assert _stored(home) == before
    assert before[1] == [("Post the letter to the bank", "running"), ("Think it over", "running")]
