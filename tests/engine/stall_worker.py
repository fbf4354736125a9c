"""A headless office caught mid-work, for the test to kill with SIGKILL: Ada inside a side-effecting call
(its intent journaled, no result), Bo waiting on the model. Neither ever finishes: each waits on an event
nobody sets. It prints "posting" and "thinking" as each gets there.

Run: python tests/engine/stall_worker.py HOME BRIEFS_DIR
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel

from engine.llm.types import Message, ModelReply, ToolSchema
from engine.office import Office
from engine.paths import Home
from engine.testing import FunctionModel, call
from engine.tools.base import FunctionTool, ToolContext

BRIEF = """---
id: stall-clerk
title: Clerk
function: ops
goals: [Post the letters]
tone: terse
tools: [post_letter]
probation: 0
hours: 24/7
---
Posts letters.
"""


class Letter(BaseModel):
    to: str


async def main(home_dir: str, briefs_dir: str) -> None:
    async def post(ctx: ToolContext, args: Letter) -> str:
        print("posting", flush=True)
        await asyncio.Event().wait()  # the letter is in the post box when the power goes
        return "posted"

    async def reply(messages: Sequence[Message], tools: Sequence[ToolSchema]) -> ModelReply:
        if "Post" in str(messages[1]["content"]):
            return call("post_letter", to="the bank")
        print("thinking", flush=True)
        await asyncio.Event().wait()  # a model that never answers
        raise AssertionError("unreachable")

    tool = FunctionTool("post_letter", "Post a letter", Letter, post, risk="internal_write", idempotent=False)
    office = await Office.open(Home.resolve(home_dir), model=FunctionModel(reply), tools=[tool])
    brief_path = Path(briefs_dir) / "stall-clerk.md"
    brief_path.write_text(BRIEF, encoding="utf-8")
    brief = office.brief_for(str(brief_path))
    for name, task in (("Ada", "Post the letter to the bank"), ("Bo", "Think it over")):
        record = await office.hire(brief, name=name)
        await office.assign(record.id, task)
    await office.run(until_idle=True)  # never idle: the test kills it


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
