"""A headless office that the crash test kills with SIGKILL at random moments.

Run: python tests/engine/crash_worker.py HOME LEDGER_DIR [--hire N]
Each task asks for STEPS actions alternating a side-effecting tool (appends to a ledger, not
idempotent) and an idempotent one. The model appends every call it serves to a ledger too, so
the test can count calls that were made again after a restart. It prints a line as each model call
("call") and each tool ("tool") starts: the test kills it after a random number of those lines, so
its kill points follow the work, not the wall clock.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel

from engine.llm.types import Message, ModelReply, ToolCall, ToolSchema
from engine.office import Office
from engine.paths import Home
from engine.testing import FunctionModel
from engine.tools.base import FunctionTool, ToolContext

STEPS = 6
BRIEF = """---
id: crash-clerk
title: Crash clerk
function: ops
goals: [Record every entry exactly once]
tone: terse
tools: [record_entry, stamp]
probation: 0
hours: 24/7
---
Records entries in the ledger.
"""


class Entry(BaseModel):
    task: str
    n: int


def _append(path: Path, line: str) -> None:
    with path.open("a", encoding="utf-8") as f:
        f.write(line + "\n")
        f.flush()
        os.fsync(f.fileno())


def build(ledgers: Path) -> tuple[FunctionModel, list[FunctionTool[Entry]]]:
    async def record_entry(ctx: ToolContext, args: Entry) -> str:
        print("tool", flush=True)
        _append(ledgers / "side_effects.txt", f"{args.task}:{args.n}")
        return f"recorded {args.n}"

    async def stamp(ctx: ToolContext, args: Entry) -> str:
        print("tool", flush=True)
        (ctx.workspace / f"{ctx.task_id}-{args.n}.stamp").write_text("ok")
        return f"stamped {args.n}"

    def reply(messages: Sequence[Message], tools: Sequence[ToolSchema]) -> ModelReply:
        task = str(messages[1]["content"])
        done = sum(1 for m in messages if m["role"] == "tool")
        print("call", flush=True)
        _append(ledgers / "model_calls.txt", f"{task}:{done}")
        if done >= STEPS:
            return ModelReply(text=f"finished {task}", tool_calls=(), model="scripted/crash", cost_usd=0.001)
        name = "record_entry" if done % 2 == 0 else "stamp"
        call = ToolCall(id=f"call-{task}-{done}", name=name, arguments=json.dumps({"task": task, "n": done}))
        return ModelReply(text="", tool_calls=(call,), model="scripted/crash", cost_usd=0.001)

    tools = [
        FunctionTool("record_entry", "Record an entry", Entry, record_entry, risk="internal_write", idempotent=False),
        FunctionTool("stamp", "Stamp an entry", Entry, stamp, risk="internal_write"),
    ]
    return FunctionModel(reply), tools


async def main(home_dir: str, ledger_dir: str, hire: int) -> None:
    ledgers = Path(ledger_dir)
    model, tools = build(ledgers)
    office = await Office.open(Home.resolve(home_dir), model=model, tools=tools)
    try:
        if hire:
            brief_path = ledgers / "crash-clerk.md"
            brief_path.write_text(BRIEF, encoding="utf-8")
            brief = office.brief_for(str(brief_path))
            for i in range(hire):
                record = await office.hire(brief, name=f"Clerk{i}")
                for t in range(3):
                    await office.assign(record.id, f"t{i}x{t}")
            print("hired", flush=True)
            return
        print("running", flush=True)
        await office.run(until_idle=True)
        print("idle", flush=True)
    finally:
        await office.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 0))
