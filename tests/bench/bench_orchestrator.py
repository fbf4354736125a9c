"""Orchestrator overhead: how much the engine adds per durable step, against SQLite's own floor.

    python tests/bench/bench_orchestrator.py [--json FILE] [--steps N]

Figures (all with a zero-latency model unless said otherwise):
- sqlite_floor_us_per_step: one step-sized row + commit, raw sqlite3, WAL, same disk and pragmas.
- engine_us_per_step: one employee working a long task (model step, tool step, model step, ...);
  wall time divided by durable steps. Includes journaling, events, tool dispatch; no model.
- litellm_us_per_call: one bare `litellm.acompletion` to the offline provider, same reply.
- total_us_per_step: the same task with every model call made through litellm's offline provider;
  wall time per model step (each followed by its tool step).
- steps_per_s_50: durable steps per second with 50 employees working at once (model excluded).
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

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from pydantic import BaseModel

from engine.llm.types import Message, ModelClient, ModelReply, ToolCall, ToolSchema
from engine.orchestrator import Office
from engine.paths import Home
from engine.testing import FunctionModel
from engine.tools.base import FunctionTool, ToolContext

BRIEF = """---
id: bench-clerk
title: Bench clerk
function: ops
goals: [Tick]
tone: terse
tools: [tick]
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


def _reply_for(steps: int) -> FunctionModel:
    def reply(messages: Sequence[Message], tools: Sequence[ToolSchema]) -> ModelReply:
        done = sum(1 for m in messages if m["role"] == "tool")
        if done >= steps:
            return ModelReply(text="done", tool_calls=(), model="bench/zero")
        call = ToolCall(id=f"c{done}", name="tick", arguments=f'{{"n": {done}}}')
        return ModelReply(text="", tool_calls=(call,), model="bench/zero")

    return FunctionModel(reply)


def sqlite_floor(root: Path, n: int) -> float:
    conn = sqlite3.connect(root / "floor.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE steps (id TEXT PRIMARY KEY, task TEXT, seq INT, kind TEXT, result TEXT)")
    payload = json.dumps({"role": "assistant", "content": None, "tool_calls": [{"id": "c", "n": 1}]}) * 3
    start = time.perf_counter()
    for i in range(n):
        conn.execute("BEGIN")
        conn.execute("INSERT INTO steps VALUES (?,?,?,?,?)", (f"s{i}", "t", i, "model", payload))
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed / n * 1e6


async def _office(root: Path, name: str, model: ModelClient) -> Office:
    home = Home.resolve(root / name)
    brief_path = root / "bench-clerk.md"
    brief_path.write_text(BRIEF, encoding="utf-8")
    office = await Office.open(home, model=model, tools=[TICK])
    office.bench_brief = office.brief_for(str(brief_path))  # type: ignore[attr-defined]
    return office


async def one_employee(root: Path, name: str, model: ModelClient, steps: int) -> tuple[float, int]:
    office = await _office(root, name, model)
    record = await office.hire(office.bench_brief)  # type: ignore[attr-defined]
    await office.assign(record.id, "tick away")
    start = time.perf_counter()
    await office.run(until_idle=True)
    elapsed = time.perf_counter() - start
    durable = len(await office.journal.steps(employee_id=record.id))
    await office.close()
    return elapsed, durable


async def fifty(root: Path, steps: int) -> float:
    office = await _office(root, "fifty", _reply_for(steps))
    for i in range(50):
        record = await office.hire(office.bench_brief, name=f"B{i}")  # type: ignore[attr-defined]
        await office.assign(record.id, "tick away")
    start = time.perf_counter()
    await office.run(until_idle=True)
    elapsed = time.perf_counter() - start
    durable = len(await office.journal.steps())
    await office.close()
    return durable / elapsed


async def litellm_figures(root: Path, steps: int) -> tuple[float, float]:
    from engine.llm.provider import LiteLLMClient, prewarm

    prewarm()
    model = _reply_for(steps)
    client = LiteLLMClient()
    route = model.as_litellm("bench")
    from engine.llm.types import ModelConfig, ModelRequest, Price

    config = ModelConfig(model=route, price=Price(0.0, 0.0))
    messages: list[Message] = [{"role": "system", "content": "bench"}, {"role": "user", "content": "tick away"}]
    request = ModelRequest(config, messages, [TICK.spec.schema()])
    for _ in range(20):
        await client.complete(request)
    samples = []
    for _ in range(300):
        t = time.perf_counter()
        await client.complete(request)
        samples.append(time.perf_counter() - t)
    bare = statistics.median(samples) * 1e6

    class ThroughLiteLLM:
        async def complete(self, request: ModelRequest) -> ModelReply:
            routed = ModelRequest(config, request.messages, request.tools, request.on_text)
            return await client.complete(routed)

    elapsed, durable = await one_employee(root, "litellm", ThroughLiteLLM(), steps)
    model_steps = durable // 2 + 1
    return bare, elapsed / model_steps * 1e6


async def main_async(steps: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_DIR")) as tmp:
        root = Path(tmp)
        floor = sqlite_floor(root, 3000)
        await one_employee(root, "warmup", _reply_for(50), 50)
        elapsed, durable = await one_employee(root, "engine", _reply_for(steps), steps)
        engine_us = elapsed / durable * 1e6
        per_s = await fifty(root, 40)
        bare, total = await litellm_figures(root, min(steps, 400))
    return {
        "sqlite_floor_us_per_step": round(floor, 1),
        "engine_us_per_step": round(engine_us, 1),
        "litellm_us_per_call": round(bare, 1),
        "total_us_per_step": round(total, 1),
        "steps_per_s_50": round(per_s, 0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--steps", type=int, default=2000, help="tool steps in the one-employee task")
    args = parser.parse_args()
    results = asyncio.run(main_async(args.steps))
    targets = {
        "engine_us_per_step": f"<= 3 x floor ({3 * results['sqlite_floor_us_per_step']:.0f}) and < 150",
        "steps_per_s_50": ">= 3000",
        "total_us_per_step": f"<= litellm + 300 ({results['litellm_us_per_call'] + 300:.0f})",
    }
    print(f"{'figure':<28}{'value':>12}  target")
    for key, value in results.items():
        print(f"{key:<28}{value:>12,.1f}  {targets.get(key, '')}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
