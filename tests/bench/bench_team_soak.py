"""Soak: a five-person team works sprint after sprint, headless, for N real minutes.

    python tests/bench/bench_team_soak.py [--minutes 30] [--sample 30] [--json FILE]

The team runs on the rehearsal model and a simulated clock (an hour of office time per round, so
stand-ups, stuck checks and weekly summaries happen too); each round plans a sprint (approved
automatically) and works it until idle. Every `--sample` real seconds it records the process's
resident memory and the steps finished since the last sample.

Figures: rss_mb per sample; steps_per_s per sample; growth_pct, the RSS of the last sample against
the first sample after warm-up (the first fifth of the run; the target is under 10%).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from engine.clock import FakeClock, RandomIds
from engine.events import StepFinished
from engine.llm import rehearsal
from engine.llm.types import ModelReply, ModelRequest
from engine.office import Office
from engine.paths import Home

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
ROLES = [
    ("lead", "Team Lead"),
    ("writer", "Writer"),
    ("designer", "Designer"),
    ("editor", "Editor"),
    ("seller", "Seller"),
]


def rss_mb() -> float:
    """Resident memory now (Linux: /proc; elsewhere the peak, which only ever grows)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)


class Rehearsal:
    """The rehearsal model as a client that keeps nothing (the tests' FunctionModel records every request)."""

    async def complete(self, request: ModelRequest) -> ModelReply:
        text, calls = rehearsal.decide(list(request.messages), list(request.tools))
        reason = "tool_calls" if calls else "stop"
        return ModelReply(text=text, tool_calls=calls, model="rehearsal", finish_reason=reason)


def _brief(folder: Path, role: str, title: str) -> Path:
    front = {
        "id": role, "title": title, "function": "ops", "goals": ["Ship the sprint"], "tone": "Plain",
        "tools": ["list_files", "read_file", "write_file", "save_note", "search_notes"], "hours": "24/7",
        "probation": 0,
    }  # fmt: skip
    path = folder / f"{role}.md"
    path.write_text(f"---\n{yaml.safe_dump(front, sort_keys=False)}---\nWorks on the sprint.\n")
    return path


async def soak(minutes: float, sample_s: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        briefs = Path(tmp) / "briefs"
        briefs.mkdir()
        clock = FakeClock(START)
        office = await Office.open(Home.resolve(home), model=Rehearsal(), clock=clock, ids=RandomIds())
        steps = 0

        def count(event: object) -> None:
            nonlocal steps
            if isinstance(event, StepFinished):
                steps += 1

        office.bus.subscribe(count)
        try:
            for role, title in ROLES:
                brief = office.brief_for(str(_brief(briefs, role, title)))
                await office.hire(brief, name=title.split()[-1], team="studio")
            await office.teams.set_setting("studio", "auto_approve", "1")
            samples: list[dict[str, float]] = []
            began = last = time.monotonic()
            last_steps = rounds = 0
            while (now := time.monotonic()) - began < minutes * 60:
                await office.teams.plan_sprint("studio", f"Newsletter {rounds + 1}", days=1)
                await office.run(until_idle=True)
                clock.advance(3600)
                rounds += 1
                now = time.monotonic()
                if now - last >= sample_s:
                    samples.append({
                        "t_s": round(now - began, 1), "rss_mb": round(rss_mb(), 1), "steps": steps,
                        "steps_per_s": round((steps - last_steps) / (now - last), 1), "rounds": rounds,
                    })  # fmt: skip
                    print(f"{samples[-1]['t_s']:>8} s  {samples[-1]['rss_mb']:>8} MB  "
                          f"{samples[-1]['steps_per_s']:>8} steps/s", flush=True)  # fmt: skip
                    last, last_steps = now, steps
        finally:
            await office.close()
    warm = samples[max(len(samples) // 5, 1) - 1] if samples else None
    growth = 100 * (samples[-1]["rss_mb"] - warm["rss_mb"]) / warm["rss_mb"] if warm and samples else 0.0
    return {
        "minutes": minutes,
        "samples": samples,
        "rounds": rounds,
        "steps": steps,
        "growth_pct": round(growth, 1),
        "warm_rss_mb": warm["rss_mb"] if warm else None,
        "machine": f"{platform.machine()} {platform.system()}, {os.cpu_count()} cpus, "
        f"python {platform.python_version()}",
    }


def table(result: dict[str, Any]) -> str:
    lines = [f"{'t (s)':>8} {'RSS (MB)':>9} {'steps/s':>8} {'rounds':>7}"]
    for s in result["samples"]:
        lines.append(f"{s['t_s']:>8} {s['rss_mb']:>9} {s['steps_per_s']:>8} {s['rounds']:>7}")
    lines.append(
        f"growth after warm-up: {result['growth_pct']}% (from {result['warm_rss_mb']} MB; target under 10%), "
        f"{result['steps']} steps in {result['rounds']} rounds over {result['minutes']} min on {result['machine']}"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--sample", type=float, default=30.0, help="seconds between samples")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if args.minutes <= 0 or args.sample <= 0:
        raise SystemExit("--minutes and --sample must be above zero")
    result = asyncio.run(soak(args.minutes, args.sample))
    print(table(result))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
