"""A headless office working a five-person sprint on a simulated clock; the long-run test kills it with SIGKILL.

Run: python tests/engine/sprint_worker.py HOME
The simulated hour lives in HOME/sim-hour (written after each hour), so a restarted worker goes on
from the hour it was in. It prints a line as each model call starts ("call") and each hour ends
("hour N"): the test kills it after a random number of those, so its kills follow the work, not the
wall clock. Each model call also takes a little real time, so a kill after "call" lands mid-task.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from engine.clock import FakeClock, RandomIds
from engine.llm import rehearsal
from engine.llm.types import Message, ModelReply, ToolSchema
from engine.office import Office
from engine.paths import Home
from engine.testing import FunctionModel

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # a Monday
HOURS = 24
CALL_S = 0.01  # real seconds per model call


async def rehearse(messages: Sequence[Message], tools: Sequence[ToolSchema]) -> ModelReply:
    await asyncio.sleep(CALL_S)
    text, calls = rehearsal.decide(list(messages), list(tools))
    return ModelReply(text=text, tool_calls=calls, model="rehearsal", finish_reason="tool_calls" if calls else "stop")


async def _announced(messages: Sequence[Message], tools: Sequence[ToolSchema]) -> ModelReply:
    print("call", flush=True)
    return await rehearse(messages, tools)


def hour_of(home: Path) -> int:
    path = home / "sim-hour"
    return int(path.read_text()) if path.exists() else 0


def _save_hour(home: Path, hour: int) -> None:
    tmp = home / "sim-hour.tmp"
    tmp.write_text(str(hour))
    tmp.replace(home / "sim-hour")


async def main(home_dir: str) -> None:
    home = Path(home_dir)
    hour = hour_of(home)
    clock = FakeClock(START + timedelta(hours=hour))
    office = await Office.open(Home.resolve(home), model=FunctionModel(_announced), clock=clock, ids=RandomIds())
    try:
        print("running", flush=True)
        while hour < HOURS:
            await office.run(until_idle=True)
            hour += 1
            clock.advance(3600)
            _save_hour(home, hour)
            print(f"hour {hour}", flush=True)
        await office.run(until_idle=True)
        print("idle", flush=True)
    finally:
        await office.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
