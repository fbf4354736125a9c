"""The tool-belt ceiling: an owner decision kept in the database, applied wherever the office reads a brief."""

from __future__ import annotations

import argparse

import pytest
from pydantic import BaseModel

from engine.audit import AuditLog
from engine.briefs import BriefError, load_brief
from engine.cli import COMMANDS, build_parser
from engine.connections import connect
from engine.office import OfficeError, OwnerError
from engine.office.belts import BELT_CEILING
from engine.testing import ScriptedModel, call, say
from engine.tools.base import FunctionTool, Tool, ToolContext
from tests.engine.conftest import BriefWriter, OfficeFactory
from tests.engine.test_mcp import fake


class NoArgs(BaseModel):
    pass


def acme_tools(count: int) -> list[Tool]:
    def make(i: int) -> Tool:
        async def run(ctx: ToolContext, args: NoArgs) -> str:
            return f"acme tool {i} ran"

        return FunctionTool(f"step_{i}", f"Step {i} of Acme's process.", NoArgs, run, namespace="acme")

    return [make(i) for i in range(count)]


TOOLS = [f"acme.step_{i}" for i in range(25)]


async def test_a_raised_ceiling_is_kept_and_the_big_belt_still_works_after_a_restart(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    office = await make_office(ScriptedModel(), tools=acme_tools(25))
    path = write_brief(tools=TOOLS)
    with pytest.raises(BriefError, match=r"25 tools is more than the ceiling of 20.*`headcount belt-ceiling 25`"):
        office.brief_for(str(path))
    with pytest.raises(OfficeError, match="ceiling of 20; raise it with `headcount belt-ceiling 25`"):
        await office.hire(load_brief(path, max_tools=30), name="Ada")
    roles = office.home.briefs / "roles"
    roles.mkdir(parents=True, exist_ok=True)
    (roles / "clerk.md").write_text(path.read_text())  # the owner's own role, hired by its id
    with pytest.raises(BriefError, match=r"clerk\.md:\d+: field 'tools': 25 tools .* `headcount belt-ceiling 25`"):
        office.brief_for("clerk")
    await office.set_belt_ceiling(25)
    assert office.brief_for("clerk").tools == tuple(TOOLS)
    ada = await office.hire(office.brief_for(str(path)), name="Ada")
    assert await office.journal.setting(BELT_CEILING) == "25"
    (row,) = await office.journal.read(lambda conn: AuditLog.rows(conn, kind="owner_action"))
    assert row.data == {"action": "belt_ceiling", "from": 20, "to": 25}
    await office.close()

    model = ScriptedModel(call("step_24"), say("all steps done"))
    reopened = await make_office(model, tools=acme_tools(25))
    assert reopened.parts.roster.brief_errors == {}
    assert len(reopened.employees[ada.id].belt.names()) == 25
    await reopened.assign("ada", "Run the last step")
    await reopened.run(until_idle=True)
    (task,) = await reopened.journal.tasks()
    assert task.status == "done"
    (step,) = [s for s in await reopened.journal.steps(task_id=task.id) if s.kind == "tool"]
    assert (step.tool, step.result) == ("acme.step_24", "acme tool 24 ran")
    # an edit of that brief is checked under the same ceiling
    edited = path.read_text().replace("Plain and brief", "Plainer")
    assert (await reopened.update_brief("ada", edited)).tone == "Plainer"
    model.assert_complete()


async def test_the_ceiling_is_refused_outside_one_to_thirty_and_below_a_hired_belt(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    office = await make_office(ScriptedModel(), tools=acme_tools(25))
    for bad in (0, 31, -1):
        with pytest.raises(OwnerError, match=f"between 1 and 30, got {bad}"):
            await office.set_belt_ceiling(bad)
    assert await office.journal.setting(BELT_CEILING) is None
    assert await office.belt_ceiling() == 20
    await office.set_belt_ceiling(30)
    await office.hire(office.brief_for(str(write_brief(tools=TOOLS))), name="Ada")
    with pytest.raises(OwnerError, match=r"cannot lower the tool-belt ceiling to 24: Ada \(25\) would have more"):
        await office.set_belt_ceiling(24)
    await office.set_belt_ceiling(25)
    assert await office.belt_ceiling() == 25


async def test_belt_ceiling_command_sets_and_shows_it(
    make_office: OfficeFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    office = await make_office(ScriptedModel())

    async def headcount(*argv: str) -> str:
        args: argparse.Namespace = build_parser().parse_args(list(argv))
        assert await COMMANDS[args.command](office, args) == 0
        return capsys.readouterr().out

    assert await headcount("belt-ceiling") == "Each employee may have up to 20 tools (at most 30).\n"
    assert await headcount("belt-ceiling", "26") == "Each employee may now have up to 26 tools.\n"
    assert await office.journal.setting(BELT_CEILING) == "26"
    assert await headcount("belt-ceiling") == "Each employee may have up to 26 tools (at most 30).\n"
    with pytest.raises(OwnerError, match="between 1 and 30, got 31"):
        await headcount("belt-ceiling", "31")


async def test_a_wildcard_grant_counts_every_tool_the_server_has(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    """`mcp:fake.*` is one line of a brief but all of the server's tools on the belt: known once the server is
    started, the belt is held to the ceiling then, and the task parks saying what to change."""
    model = ScriptedModel(call("echo", text="hi"), say("done"))
    office = await make_office(model)
    await connect(office, fake())  # 7 tools
    await office.set_belt_ceiling(5)
    await office.hire(office.brief_for(str(write_brief(tools=["read_file", "mcp:fake.*"]))), name="Ada")
    task = await office.assign("Ada", "Say hi")
    await office.run(until_idle=True)
    parked = await office.journal.task(task.id)
    assert parked is not None and parked.status == "parked"
    assert parked.reason == (
        "the brief grants mcp:fake.* (the MCP server 'fake' has 7 tools): 8 tools on the belt, more than the "
        "office's ceiling of 5; grant the tools needed by name (mcp:fake.TOOL) instead of *, or raise the ceiling "
        "with `headcount belt-ceiling 8`"
    )
    assert model.requests == []  # nothing was offered to the model

    await office.set_belt_ceiling(8)
    await office.resume(task.id)
    await office.run(until_idle=True)
    assert len(model.requests[0].tool_names) == 8
    assert (await office.journal.task(task.id)).status == "done"  # type: ignore[union-attr]
    model.assert_complete()
