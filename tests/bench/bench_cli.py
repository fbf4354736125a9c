"""Command latency: read-only commands and `run`'s first model step, each beside `python -c pass`.

    python tests/bench/bench_cli.py [--json FILE] [--rounds N]

Every figure is a fresh `headcount` process (`python -m app.launcher`, as the installed command runs
it) on one office: Ada, a rehearsal employee on duty around the clock, with a finished task. Rounds
are interleaved (floor, each command, `run`) so machine load falls on all of them alike; figures are
medians over the rounds. Byte-code caches are written first, as an installed copy has them.

Figures:
- python_floor_ms: `python -c pass`, the same interpreter.
- <command>_ms: wall time of `roster`, `tasks`, `log Ada`, `approvals`, `budget`, `catalog`.
- run_first_model_step_s: process start to the first model step's start (as journaled) in `run`,
  with a task queued; run_first_reply_s: to that step's finish (litellm's import included).
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
READ_ONLY = (("roster",), ("tasks",), ("log", "Ada"), ("approvals",), ("budget",), ("catalog",))
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--rounds", type=int, default=5)
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
        for _ in range(args.rounds):
            samples.setdefault("python_floor_ms", []).append(floor() * 1000)
            for command in READ_ONLY:
                samples.setdefault(f"{command[0]}_ms", []).append(headcount(home, *command) * 1000)
            start, reply = first_model_step(home)
            samples.setdefault("run_first_model_step_s", []).append(start)
            samples.setdefault("run_first_reply_s", []).append(reply)
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
