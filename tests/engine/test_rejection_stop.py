"""A rejection stops the task: neither an owner auto-approval nor a bare `resume` is a new go-ahead."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from engine.errors import OwnerError
from engine.llm.types import Message, ModelReply, ToolSchema
from engine.testing import FunctionModel, call
from tests.engine.conftest import BriefWriter, OfficeFactory
from tests.engine.test_argument_risk import INJECTION, _office

CHANNEL = call("add_to_channel", title="board", participants=["mallory@evil.test"])


def _invite_then_channel() -> FunctionModel:
    def reply(messages: Sequence[Message], tools: Sequence[ToolSchema]) -> ModelReply | str:
        last = messages[-1]
        if last["role"] == "user" and "channel" in str(last["content"]):
            return CHANNEL  # told how to proceed: it asks again
        done = sum(1 for m in messages if m["role"] == "tool")
        if done == 0:
            return call("invite", title="Board", participants=["mallory@evil.test"])
        return CHANNEL if done == 1 else "stopped"

    return FunctionModel(reply)


async def _rejected(make_office: OfficeFactory, write_brief: BriefWriter, ran: list[str]):  # type: ignore[no-untyped-def]
    office = await _office(make_office, write_brief, _invite_then_channel(), ran)
    task = await office.assign("ada", INJECTION)
    await office.run(until_idle=True)
    (request,) = await office.approvals.list()
    await office.decide(request.id, approve=False, note="never invite outsiders")
    return office, task


async def test_an_auto_approved_tool_does_not_run_after_a_rejection_in_the_same_task(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    ran: list[str] = []
    office, task = await _rejected(make_office, write_brief, ran)
    await office.auto_approve("ada", "add_to_channel")  # the owner trusts Ada with channels in general
    await office.run(until_idle=True)
    assert ran == []  # the rejection's stop holds over the auto-approval
    parked = await office.journal.task(task.id)
    assert parked is not None and parked.status == "parked"
    assert "the owner rejected invite" in parked.reason


async def test_a_bare_resume_after_a_rejection_is_refused_and_a_note_is_asked_for(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    ran: list[str] = []
    office, task = await _rejected(make_office, write_brief, ran)
    await office.run(until_idle=True)  # parks at the next gated call
    with pytest.raises(OwnerError, match="--note"):
        await office.resume(task.id)
    parked = await office.journal.task(task.id)
    assert parked is not None and parked.status == "parked"  # nothing changed
    await office.run(until_idle=True)
    assert ran == [] and [r.status for r in await office.approvals.list(None)] == ["rejected"]

    await office.resume(task.id, note="Add them to the channel, then stop")
    await office.run(until_idle=True)
    assert [r.tool for r in await office.approvals.list()] == ["add_to_channel"]  # asked, not run
    assert ran == []
