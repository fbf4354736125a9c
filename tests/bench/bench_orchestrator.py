"""Orchestrator overhead: how much the engine adds per durable step, against SQLite's own floor.

    python tests/bench/bench_orchestrator.py [--json FILE] [--steps N]

Figures (all with a zero-latency model unless said otherwise):
- sqlite_floor_us_per_step: one step-sized row + commit, raw sqlite3, WAL, same disk and pragmas.
- engine_us_per_step: one employee working long tasks (model step, tool step, model step, ...);
  wall time divided by durable steps. Includes journaling, events, tool dispatch; no model.
- sqlite_full_floor_us_per_step: the same with synchronous=FULL (each commit fsynced): the guarded
  step's reference.
- guarded_us_per_step: the same with every guardrail on: budget reservations, approval policy,
  and a hash-chained audit row per step in the same transaction, committed with fsync (FULL).
- litellm_us_per_call: one bare call through the LiteLLM client to the offline provider: the very
  requests the office sent in total_us_per_step, replayed (same conversations, same replies).
- model_step_over_litellm_us: the same task with every model call made through litellm's offline provider;
  each model step timed by the office's own events, from the end of the step before it (a task's first: from
  the loop's "thinking" just before its call) to its StepFinished, published once the step is durable: prompt
  assembly, guardrails, the call, pricing, the journal's commit. Per task, the mean model step minus the mean
  of its very requests replayed bare right after; the median over the tasks (the mean beside it). A task's
  bare replay varies by ±10-40% from one task to the next on a shared VM, so many tasks are run.
  model_step_own_us: the office's own time in a model step, the step minus the time inside its call, timed
  within the same step.
  task_startup_us: per task, from its start (claimed, marked running: the office's first "thinking") to the
  loop's "thinking" before its first call: what the employee remembers, the prompt, the turn; a cost per task.
- total_us_per_step: the same run's wall time per model step, its tool step and the task's own upkeep
  (claim, turn, status) included; run_over_litellm_us_per_model_step is its difference from the bare call.
- steps_per_s_50: durable steps per second with 50 employees working at once (model excluded);
  guarded_steps_per_s_50 the same with every guardrail on (audit commits fsynced, shared).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from pydantic import BaseModel

from engine.events import Event, StatusChanged, StepFinished
from engine.llm.types import Message, ModelClient, ModelReply, ModelRequest, ToolCall
from engine.loop import OpenGuard
from engine.office import Office
from engine.paths import Home
from engine.store.db import open_database
from engine.store.schema import steps
from engine.testing import FunctionModel
from engine.tools.base import FunctionTool, ToolContext

BRIEF = """---
id: bench-clerk
title: Bench clerk
function: ops
goals: [Tick]
tone: terse
tools: [tick]
max_actions_per_turn: 200
probation: 0
hours: 24/7
---
Ticks.
"""


class TickArgs(BaseModel):
    n: int


async def _tick(ctx: ToolContext, args: TickArgs) -> str:
    return f"tick {args.n}"


TICK = FunctionTool("tick", "Tick once", TickArgs, _tick, risk="internal_write")


def _decide(messages: Sequence[Message], steps: int) -> ModelReply:
    # The calls are numbered c0, c1, ...: the newest result (always kept whole) says how many are done, folded
    # ones included, in O(1): a zero-latency model should not cost the figure a scan of the conversation.
    last = messages[-1]
    done = int(last["tool_call_id"][1:]) + 1 if last.get("role") == "tool" else 0
    if done >= steps:
        return ModelReply(text="done", tool_calls=(), model="bench/zero")
    call = ToolCall(id=f"c{done}", name="tick", arguments=f'{{"n": {done}}}')
    return ModelReply(text="", tool_calls=(call,), model="bench/zero")


class ZeroModel:
    """A zero-latency model that records nothing (ScriptedModel copies every request)."""

    def __init__(self, steps: int) -> None:
        self.steps = steps

    async def complete(self, request: ModelRequest) -> ModelReply:
        return _decide(request.messages, self.steps)


def _reply_for(steps: int) -> FunctionModel:
    return FunctionModel(lambda messages, tools: _decide(messages, steps))


def sqlite_floor(root: Path, n: int, synchronous: str = "NORMAL") -> float:
    """Raw sqlite3, no engine: one realistic step row into the real `steps` table, one commit each.

    `synchronous="FULL"`: every commit fsynced, as the guarded step's audit-grade commits are.
    """
    root.mkdir(parents=True, exist_ok=True)
    path = root / f"floor-{synchronous}.db"
    open_database(path, root / "floor-backups").dispose()  # the real schema, indexes included
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    conn.execute("PRAGMA foreign_keys=OFF")  # no parent rows here; the engine's check costs are its own
    message = json.dumps(
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "tick", "arguments": '{"n": 1}'}}],
        }
    )
    columns = ", ".join(c.name for c in steps.c)
    marks = ", ".join("?" for _ in steps.c)
    start = time.perf_counter()
    for i in range(n):
        row = (
            f"step_{i}",
            "task_1",
            "turn_1",
            "emp_1",
            i,
            "model",
            "finished",
            1,
            None,
            None,
            None,
            message,
            "bench/zero",
            0,
            0,
            0.0,
            0,
            None,
            "2026-01-05T09:00:00+00:00",
            "2026-01-05T09:00:00+00:00",
        )
        conn.execute("BEGIN")
        conn.execute(f"INSERT INTO steps ({columns}) VALUES ({marks})", row)
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed / n * 1e6


async def _office(root: Path, name: str, model: ModelClient, guarded: bool = False) -> Office:
    home = Home.resolve(root / name)
    brief_path = root / "bench-clerk.md"
    brief_path.write_text(BRIEF, encoding="utf-8")
    # The core figure runs the bare loop; the guarded one adds budgets, gates and the audit log.
    office = await Office.open(
        home, model=model, tools=[TICK], guard=None if guarded else OpenGuard(), colocate_writer=COLOCATE
    )
    office.bench_brief = office.brief_for(str(brief_path))  # type: ignore[attr-defined]
    return office


async def one_employee(
    root: Path, name: str, model: ModelClient, tasks: int, guarded: bool = False
) -> tuple[float, int]:
    office = await _office(root, name, model, guarded)
    record = await office.hire(office.bench_brief)  # type: ignore[attr-defined]
    for _ in range(tasks):
        await office.assign(record.id, "tick away")
    start = time.perf_counter()
    await office.run(until_idle=True)
    elapsed = time.perf_counter() - start
    durable = len(await office.journal.steps(employee_id=record.id))
    await office.close()
    return elapsed, durable


async def fifty(root: Path, steps: int, guarded: bool = False) -> float:
    office = await _office(root, f"fifty-{guarded}", ZeroModel(steps), guarded)
    for i in range(50):
        record = await office.hire(office.bench_brief, name=f"B{i}")  # type: ignore[attr-defined]
        await office.assign(record.id, "tick away")
    start = time.perf_counter()
    await office.run(until_idle=True)
    elapsed = time.perf_counter() - start
    durable = len(await office.journal.steps())
    await office.close()
    return durable / elapsed


class ModelStepTimer:
    """Times each model step by the office's own events: the step begins where the one before it ended
    (a tool's StepFinished) or, a task's first, at the loop's "thinking" just before its call; it ends at its
    StepFinished, once durable. A task's start-up before its first step (the claim, what the employee
    remembers, the prompt) is a cost per task, not per model step: timed apart, from the office's first
    "thinking" for the task to the loop's."""

    def __init__(self) -> None:
        self.total_s = 0.0
        self.steps = 0
        self.startup_s = 0.0
        self._began: dict[str, float] = {}  # employee id -> when its current model step began
        self._task_began: dict[str, float] = {}  # employee id -> the first "thinking" of its current task
        self._after_tool: set[str] = set()  # employees whose current model step follows a tool step

    def __call__(self, event: Event) -> None:
        now = time.perf_counter()
        if isinstance(event, StatusChanged) and event.status == "thinking":
            employee = event.employee_id
            if employee in self._after_tool:
                return  # the loop's "thinking" inside a step already begun
            if employee not in self._task_began:
                self._task_began[employee] = now  # the task starts: claimed, marked running
            else:
                self.startup_s += now - self._task_began.pop(employee)
                self._began[employee] = now  # the loop's, just before the task's first call
        elif isinstance(event, StepFinished) and event.kind == "tool":
            self._began[event.employee_id] = now
            self._after_tool.add(event.employee_id)
        elif isinstance(event, StepFinished) and event.kind == "model":
            self.total_s += now - self._began.pop(event.employee_id)
            self.steps += 1
            self._after_tool.discard(event.employee_id)


async def litellm_figures(root: Path, tasks: int) -> dict[str, float]:
    from engine.llm.client import LiteLLMClient
    from engine.llm.provider import prewarm
    from engine.llm.types import ModelConfig, Price

    prewarm()
    client = LiteLLMClient()
    config = ModelConfig(model=_reply_for(TASK_STEPS).as_litellm("bench"), price=Price(0.0, 0.0))

    requests: list[ModelRequest] = []  # what the office sent, replayed bare for the reference
    in_calls = [0.0]  # seconds inside the model call, this task

    class ThroughLiteLLM:
        async def complete(self, request: ModelRequest) -> ModelReply:
            requests.append(ModelRequest(config, list(request.messages), request.tools))  # as sent, then
            start = time.perf_counter()
            try:
                return await client.complete(ModelRequest(config, request.messages, request.tools, request.on_text))
            finally:
                in_calls[0] += time.perf_counter() - start

    # Both figures are taken with the office open (same thread placement) and as means, over the same
    # requests: the bare figure replays exactly what the office sent (litellm's own cost grows with the
    # conversation, which compaction keeps short), so the difference is the office's alone.
    office = await _office(root, "litellm", ThroughLiteLLM())
    timer = ModelStepTimer()
    office.bus.subscribe(timer)
    record = await office.hire(office.bench_brief)  # type: ignore[attr-defined]
    await office.assign(record.id, "tick away")
    await office.run(until_idle=True)  # warm-up: litellm's first calls, the office's first steps
    for request in list(requests):
        await _bare_call(client, request)
    # Paired, one task at a time: the office works a task, then its very requests are replayed bare.
    # litellm finishes each call's logging on its own thread pool and loop tasks afterwards; alternating
    # (with an untimed pause at each switch) lets that backlog fall on both figures alike.
    office_s = bare_s = office_cpu = bare_cpu = 0.0  # wall, and CPU of the whole process (load-proof)
    over: list[float] = []  # per task: its model steps' mean minus its replayed calls' mean, in µs
    own: list[float] = []  # per task: its model steps' mean minus the time inside their calls, in µs
    startup: list[float] = []  # per task: from its start to the loop's "thinking" before its first call, in µs
    for _ in range(tasks):
        requests.clear()
        timer.total_s, timer.steps, timer.startup_s, in_calls[0] = 0.0, 0, 0.0, 0.0
        await office.assign(record.id, "tick away")
        start, cpu = time.perf_counter(), time.process_time()
        await office.run(until_idle=True)
        office_s += time.perf_counter() - start
        office_cpu += time.process_time() - cpu
        task_model_s = timer.total_s
        await asyncio.sleep(0.02)
        start, cpu = time.perf_counter(), time.process_time()
        for request in requests:
            await _bare_call(client, request)
        task_bare_s = time.perf_counter() - start
        bare_s += task_bare_s
        bare_cpu += time.process_time() - cpu
        await asyncio.sleep(0.02)
        assert len(requests) == timer.steps == TASK_STEPS + 1, (len(requests), timer.steps)
        over.append((task_model_s - task_bare_s) / (TASK_STEPS + 1) * 1e6)
        own.append((task_model_s - in_calls[0]) / (TASK_STEPS + 1) * 1e6)
        startup.append(timer.startup_s * 1e6)
    await office.close()
    model_steps = tasks * (TASK_STEPS + 1)
    return {
        "bare_us": bare_s / model_steps * 1e6,
        "model_step_over_us": statistics.median(over),  # a pair hit by a burst of VM noise moves it least
        "model_step_over_mean_us": statistics.fmean(over),
        "model_step_own_us": statistics.median(own),
        "task_startup_us": statistics.median(startup),
        "total_us": office_s / model_steps * 1e6,
        "over_cpu_us": (office_cpu - bare_cpu) / model_steps * 1e6,
    }


async def _bare_call(client: Any, request: ModelRequest) -> None:
    """One call, and the logging tasks litellm starts after it: the office's loop runs those between its
    steps, so the reference must too (an in-process reply never suspends, so the loop would not)."""
    before = asyncio.all_tasks()
    await client.complete(request)
    started = asyncio.all_tasks() - before
    if started:
        await asyncio.wait(started, timeout=1.0)


COLOCATE = os.environ.get("HEADCOUNT_COLOCATE", "1") == "1"
ROUNDS = 3  # each step figure measured beside its floor this many times
TASK_STEPS = 40  # tool steps per task: a long but realistic conversation


async def main_async(tasks: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_DIR")) as tmp:
        root = Path(tmp)
        await one_employee(root, "warmup", ZeroModel(TASK_STEPS), 2)
        # Each figure beside its reference, in ROUNDS rounds; the figures are the rounds' medians, so a burst
        # of noise on a shared machine moves one round, not the ratio (each ratio is itself a round's).
        rounds: list[dict[str, float]] = []
        for n in range(ROUNDS):
            floor = sqlite_floor(root / f"r{n}", 1000)
            elapsed, durable = await one_employee(root, f"engine-{n}", ZeroModel(TASK_STEPS), max(tasks // ROUNDS, 1))
            engine_us = elapsed / durable * 1e6
            full_floor = sqlite_floor(root / f"r{n}", 350, "FULL")
            guarded = await one_employee(root, f"guarded-{n}", ZeroModel(TASK_STEPS), max(tasks // ROUNDS, 1), True)
            guarded_us = guarded[0] / guarded[1] * 1e6
            rounds.append(
                {
                    "floor": floor,
                    "engine": engine_us,
                    "full_floor": full_floor,
                    "guarded": guarded_us,
                    "engine_x": engine_us / floor,
                    "guarded_x": guarded_us / full_floor,
                }
            )
        floor, engine_us, full_floor, guarded_us, engine_x, guarded_x = (
            statistics.median(r[key] for r in rounds)
            for key in ("floor", "engine", "full_floor", "guarded", "engine_x", "guarded_x")
        )
        per_s = await fifty(root, TASK_STEPS)
        guarded_per_s = await fifty(root, TASK_STEPS, guarded=True)
        through = await litellm_figures(root, max(tasks * 3 // 2, 2))
        bare, total = through["bare_us"], through["total_us"]
    return {
        "sqlite_floor_us_per_step": round(floor, 1),
        "sqlite_full_floor_us_per_step": round(full_floor, 1),
        "engine_us_per_step": round(engine_us, 1),
        "guarded_us_per_step": round(guarded_us, 1),
        "litellm_us_per_call": round(bare, 1),
        "total_us_per_step": round(total, 1),
        "steps_per_s_50": round(per_s, 0),
        "guarded_steps_per_s_50": round(guarded_per_s, 0),
        # the targets as ratios and differences of same-run figures
        "engine_x_floor": round(engine_x, 2),
        "guarded_x_full_floor": round(guarded_x, 2),
        "engine_x_floor_rounds": [round(r["engine_x"], 2) for r in rounds],
        "guarded_x_full_floor_rounds": [round(r["guarded_x"], 2) for r in rounds],
        # per task, its model steps over the same requests replayed bare: the median of the tasks, and their mean
        "model_step_over_litellm_us": round(through["model_step_over_us"], 1),
        "model_step_over_litellm_mean_us": round(through["model_step_over_mean_us"], 1),
        # the office's own share, timed within each step (no replay): the step minus the time inside its call
        "model_step_own_us": round(through["model_step_own_us"], 1),
        # per task, before its first model step: claimed, marked running, memory recalled, the prompt built
        "task_startup_us": round(through["task_startup_us"], 1),
        # the whole run per model step (its tool step and the task's upkeep included), in wall and CPU time
        "run_over_litellm_us_per_model_step": round(total - bare, 1),
        "run_over_litellm_cpu_us_per_model_step": round(through["over_cpu_us"], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--tasks", type=int, default=40, help=f"tasks of {TASK_STEPS} tool steps for one employee")
    args = parser.parse_args()
    results = asyncio.run(main_async(args.tasks))
    targets = {
        "engine_us_per_step": f"<= 3 x floor ({3 * results['sqlite_floor_us_per_step']:.0f}) and < 150",
        "guarded_us_per_step": f"<= 2 x FULL floor ({2 * results['sqlite_full_floor_us_per_step']:.0f})",
        "steps_per_s_50": ">= 3000",
        "engine_x_floor": "<= 3",
        "guarded_x_full_floor": "<= 2",
        "model_step_over_litellm_us": "<= 300",
    }
    print(f"{'figure':<40}{'value':>18}  target")
    for key, value in results.items():
        shown = " ".join(f"{v:.2f}" for v in value) if isinstance(value, list) else f"{value:,.1f}"
        print(f"{key:<40}{shown:>18}  {targets.get(key, '')}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
