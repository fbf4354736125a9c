"""The headless office (colocated writer) leaves the CPU set alone: what it starts may use every core."""

from __future__ import annotations

import asyncio
import os
import sys

import pytest
from pydantic import BaseModel

from engine.testing import ScriptedModel, call, say
from engine.tools.base import FunctionTool, ToolContext
from tests.engine.conftest import BriefWriter, OfficeFactory

CPUS = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []

pytestmark = pytest.mark.skipif(len(CPUS) < 2, reason="needs a machine with more than one CPU (and Linux)")


class NoArgs(BaseModel):
    pass


async def test_a_running_colocated_office_starts_subprocesses_and_threads_on_every_cpu(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    seen: dict[str, list[int]] = {}

    async def spawn(ctx: ToolContext, args: NoArgs) -> str:
        # As an MCP stdio server, node or git is started: from the loop's thread, while the office runs.
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-c", "import os; print(sorted(os.sched_getaffinity(0)))", stdout=asyncio.subprocess.PIPE
        )
        out, _ = await child.communicate()
        seen["subprocess"] = [int(c) for c in out.decode().strip().strip("[]").split(",")]
        seen["loop thread"] = sorted(os.sched_getaffinity(0))
        seen["worker thread"] = sorted(await asyncio.to_thread(os.sched_getaffinity, 0))
        return "spawned"

    tool = FunctionTool("spawn", "Start a helper process.", NoArgs, spawn, risk="internal_write")
    office = await make_office(ScriptedModel(call("spawn"), say("done")), tools=[tool])  # colocated by default
    assert office.journal.writer.colocated
    await office.hire(office.brief_for(str(write_brief(tools=["spawn"]))), name="Ada")
    await office.assign("ada", "Start the helper")
    await office.run(until_idle=True)
    (task,) = await office.journal.tasks()
    assert task.status == "done"
    assert seen == {"subprocess": CPUS, "loop thread": CPUS, "worker thread": CPUS}
