"""Command latency: read-only commands and `run`'s first model step, each beside `python -c pass`.

    python tests/bench/bench_cli.py [--json FILE] [--rounds N]

Every figure is a fresh `headcount` process (`python -m app.launcher`, as the installed command runs
it) on one office: Ada, a rehearsal employee on duty around the clock, with a finished task. Rounds
are interleaved (floor, each command, `run`) so machine load falls on all of them alike; figures are
medians over the rounds. Byte-code caches are written first, as an installed copy has them.

Figures:
- python_floor_ms: `python -c pass`, the same interpreter.
- <command>_ms: wall time of `roster`, `tasks`, `log Ada`, `approvals`, `budget`, `catalog`, `review`.
- run_first_model_step_s: process start to the first model step's start (as journaled) in `run`,
  with a task queued; run_first_reply_s: to that step's finish (litellm's import included).
- owner_hours_roster_ms, owner_hours_budget_ms: `roster` and `budget` on a second office where the owner set
  working hours (a window in a time zone, over the brief's) and a task waits in the queue, so `roster` decides
  on or off duty from the owner's hours.
- grown_<command>_ms: the same commands on a journal grown to --grown steps (default a million: Ada's
  finished task copied into 50,000 tasks of 20 steps over 90 days, the model steps of every other task
  paid), as an office that ran for months holds; grown_db_mb is its size.
Not a timed test: it prints a table and writes JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READ_ONLY = (("roster",), ("tasks",), ("log", "Ada"), ("approvals",), ("budget",), ("catalog",), ("review",))
BRIEF = """---
id: bench-assistant
title: Bench assistant
function: ops
goals: [Answer]
tone: terse
tools: [write_file]
probation: 0
hours: 24/7
---
Answers.
"""


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPATH": str(ROOT), "HEADCOUNT_HOME": str(home)}


def headcount(home: Path, *args: str) -> float:
    """Run one command; its wall time in seconds (a failure stops the bench with its output)."""
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "app.launcher", *args], capture_output=True, text=True, env=_env(home), timeout=600
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"headcount {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return elapsed


def floor() -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - start


def first_model_step(home: Path) -> tuple[float, float]:
    """Queue a task, start `run`; seconds from process start to the first model step's start and finish."""
    headcount(home, "assign", "Ada", "Say hello")
    begun = time.time()
    headcount(home, "run")
    with sqlite3.connect(home / "headcount.db") as conn:  # the earliest model step of this process
        started, finished = conn.execute(
            "SELECT started_at, finished_at FROM steps WHERE kind = 'model' AND started_at >= ? ORDER BY started_at",
            (datetime.fromtimestamp(begun, UTC).isoformat(),),
        ).fetchone()
    return (
        datetime.fromisoformat(started).timestamp() - begun,
        datetime.fromisoformat(finished).timestamp() - begun,
    )


def grow(home: Path, steps: int, per_task: int = 20, days: int = 90) -> int:
    """Copy Ada's last finished task and its steps into `steps // per_task` tasks spread over `days`; the
    database's size in bytes. Written by SQLite itself (a recursive count), with the office's own indexes."""
    tasks = steps // per_task
    span = days * 86400 / tasks  # seconds between tasks
    with sqlite3.connect(home / "headcount.db") as conn:
        (task_id,) = conn.execute("SELECT id FROM tasks WHERE status = 'done' ORDER BY updated_at DESC").fetchone()
        (model,) = conn.execute("SELECT id FROM steps WHERE task_id = ? AND kind = 'model'", (task_id,)).fetchone()
        (tool,) = conn.execute("SELECT id FROM steps WHERE task_id = ? AND kind = 'tool'", (task_id,)).fetchone()
        when = f"strftime('%Y-%m-%dT%H:%M:%f', 'now', '-{days} days', (n.i * {span}) || ' seconds')"
        columns = [r[1] for r in conn.execute("PRAGMA table_info(tasks)")]
        made = {"id": "'task_grown' || n.i", "status": "'done'", "created_at": f"{when} || '+00:00'",
                "updated_at": f"{when} || '+00:00'", "parent_id": "NULL"}  # fmt: skip
        conn.execute(
            f"WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {tasks - 1}) "
            f"INSERT INTO tasks ({', '.join(columns)}) SELECT {', '.join(made.get(c, 't.' + c) for c in columns)} "
            "FROM n, tasks AS t WHERE t.id = ?",
            (task_id,),
        )
        columns = [r[1] for r in conn.execute("PRAGMA table_info(steps)")]
        at = f"strftime('%Y-%m-%dT%H:%M:%f', 'now', '-{days} days', (n.i * {span} + m.j) || ' seconds') || '+00:00'"
        kind = "CASE WHEN m.j % 2 = 0 THEN 'model' ELSE 'tool' END"
        made = {"id": "'step_grown' || n.i || '_' || m.j", "task_id": "'task_grown' || n.i", "seq": "m.j + 1",
                "started_at": at, "finished_at": at,
                "cost_usd": f"CASE WHEN n.i % 2 = 1 AND {kind} = 'model' THEN 0.002 ELSE 0 END",
                "rehearsal": f"CASE WHEN n.i % 2 = 1 AND {kind} = 'model' THEN 0 ELSE 1 END"}  # fmt: skip
        conn.execute(
            f"WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {tasks - 1}), "
            f"m(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM m WHERE j < {per_task - 1}) "
            f"INSERT INTO steps ({', '.join(columns)}) SELECT {', '.join(made.get(c, 's.' + c) for c in columns)} "
            f"FROM n, m, steps AS s WHERE s.id = CASE WHEN m.j % 2 = 0 THEN ? ELSE ? END",
            (model, tool),
        )
    return (home / "headcount.db").stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--grown", type=int, default=1_000_000, help="steps in the grown journal (0: skip it)")
    args = parser.parse_args()
    samples: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_DIR")) as tmp:
        home = Path(tmp) / "home"
        brief = Path(tmp) / "bench-assistant.md"
        brief.write_text(BRIEF, encoding="utf-8")
        headcount(home, "hire", str(brief), "--name", "Ada")
        headcount(home, "assign", "Ada", "Say hello")
        headcount(home, "run")  # byte-code written, a finished task to show
        for command in READ_ONLY:
            headcount(home, *command)
        hours = Path(tmp) / "hours"  # the owner's working hours over the brief's, and work waiting
        headcount(hours, "hire", str(brief), "--name", "Ada")
        headcount(hours, "hours", "--window", "mon-sun 00:00-24:00", "--tz", "Europe/London")
        headcount(hours, "assign", "Ada", "Say hello")
        for _ in range(args.rounds):
            samples.setdefault("python_floor_ms", []).append(floor() * 1000)
            for command in READ_ONLY:
                samples.setdefault(f"{command[0]}_ms", []).append(headcount(home, *command) * 1000)
            for command in ("roster", "budget"):
                samples.setdefault(f"owner_hours_{command}_ms", []).append(headcount(hours, command) * 1000)
            start, reply = first_model_step(home)
            samples.setdefault("run_first_model_step_s", []).append(start)
            samples.setdefault("run_first_reply_s", []).append(reply)
        if args.grown:
            samples["grown_db_mb"] = [grow(home, args.grown) / 1e6]
            for command in READ_ONLY:
                headcount(home, *command)  # the first also waits for any checkpoint of the growth
            for _ in range(args.rounds):
                for command in READ_ONLY:
                    samples.setdefault(f"grown_{command[0]}_ms", []).append(headcount(home, *command) * 1000)
    results = {key: round(statistics.median(values), 3 if key.endswith("_s") else 1) for key, values in samples.items()}
    results["load_average_1min"] = round(os.getloadavg()[0], 2)
    print(f"{'figure':<28}{'median':>10}  target")
    for key, value in results.items():
        target = "< 300" if key.endswith("_ms") and key != "python_floor_ms" else ""
        target = "< 1 s" if key == "run_first_model_step_s" else target
        print(f"{key:<28}{value:>10,.3f}  {target}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
