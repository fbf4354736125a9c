"""What recovery does is audited, by the process holding the run lock, and a stop reads as a stop, never as a crash.

A crash (the process gone with work marked running) is found by the next process to work the office; a stop
(Ctrl-C, `kill`, the window closing) is put right by the stopping process itself. Either way each task put back
or parked as uncertain has a `task_recovered` row saying which, and why.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from pydantic import BaseModel

from engine.audit import AuditLog
from engine.audit_text import summarize
from engine.clock import RandomIds
from engine.events import Event, TaskChanged
from engine.office.recovery import CRASHED, OWNER_STOPPED, RESTARTED, STOPPED
from engine.store import writes
from engine.store.records import AuditRow
from engine.testing import FunctionModel, ScriptedModel, call, say
from engine.tools.base import FunctionTool, ToolContext
from tests.engine.conftest import BriefWriter, OfficeFactory


class Letter(BaseModel):
    to: str


def _post_letter(sent: list[str], started: asyncio.Event | None = None) -> FunctionTool:
    """A side effect that is not safe to repeat: its intent is journaled before it runs."""

    async def post(ctx: ToolContext, args: Letter) -> str:
        sent.append(args.to)
        if started is None:
            raise asyncio.CancelledError  # the process "dies" mid-call: no result is journaled
        started.set()
        await asyncio.Event().wait()  # still at the post office when the owner stops the office
        return "posted"

    return FunctionTool("post_letter", "Post a letter", Letter, post, risk="internal_write", idempotent=False)


async def _recovered(office: Any) -> list[AuditRow]:
    rows: list[AuditRow] = await office.journal.read(lambda conn: AuditLog.rows(conn, kind="task_recovered"))
    return sorted(rows, key=lambda row: row.seq)


async def test_recovery_after_a_crash_is_audited_by_the_process_that_takes_the_lock_only(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    sent: list[str] = []
    crashed = await make_office(ScriptedModel(call("post_letter", to="bob")), tools=[_post_letter(sent)])
    ada = await crashed.hire(crashed.brief_for(str(write_brief(id="poster", tools=["post_letter"]))), name="Ada")
    bo = await crashed.hire(crashed.brief_for(str(write_brief())), name="Bo")
    letter = await crashed.assign("Ada", "Post the letter to Bob")
    await crashed.run(until_idle=True)  # Ada's worker stops mid-call, where the process would have died
    plan = await crashed.assign("Bo", "Plan the week")
    now = crashed.clock.now().isoformat()
    await crashed.journal.write(writes.task_status(plan.id, "running", "", now))  # as the killed process left it
    await crashed.close()

    model = ScriptedModel(say("Here is the plan."), say("Tidied."))  # the work in hand goes on first
    office = await make_office(model, tools=[_post_letter(sent)], ids=RandomIds())  # another process's ids
    await office.assign("Bo", "Tidy the inbox")  # another process's command: it reads and records, never recovers
    await office.roster()
    assert await _recovered(office) == []
    assert {t.status for t in await office.journal.tasks(statuses=["running"])} == {"running"}

    await office.run(until_idle=True)  # holds the run lock: puts right what the crash left
    requeued, uncertain = sorted(await _recovered(office), key=lambda row: row.data["outcome"])
    assert (requeued.employee_id, requeued.data) == (
        bo.id,
        {"task_id": plan.id, "outcome": "requeued", "cause": CRASHED},
    )
    assert uncertain.employee_id == ada.id and uncertain.data["outcome"] == "uncertain"
    assert (uncertain.data["task_id"], uncertain.data["tool"], uncertain.data["cause"]) == (
        letter.id,
        "post_letter",
        CRASHED,
    )
    assert "may or may not have happened" in uncertain.data["reason"]
    assert summarize("task_recovered", requeued.data) == (
        f"{plan.id} back in the queue, the office stopped without putting its work back (a crash, a power cut, kill -9)"
    )
    assert summarize("task_recovered", uncertain.data).startswith(f"{letter.id} parked as uncertain, the office ")
    assert (await office.journal.task(plan.id)).status in ("done", "review")  # type: ignore[union-attr]
    parked = await office.journal.task(letter.id)
    assert parked is not None and parked.status == "uncertain"
    assert sent == ["bob"]  # never re-run without the owner
    assert (await office.journal.read(office.audit.verify)).ok
    model.assert_complete()


async def test_a_stop_by_the_owner_puts_work_back_as_a_stop_and_leaves_a_call_in_flight_uncertain(
    make_office: OfficeFactory, write_brief: BriefWriter, caplog: pytest.LogCaptureFixture
) -> None:
    """Ctrl-C, `kill`, the window closing: the task being thought about goes back in the queue, said as stopped
    by the owner (the audit, the log); a letter being posted at that moment may or may not have gone, so it
    waits for the owner, as it must; and the next start reports no crash."""
    sent: list[str] = []
    posting, thinking = asyncio.Event(), asyncio.Event()

    async def reply(messages: list[Any], tools: list[Any]) -> Any:
        if "post_letter" in [t["function"]["name"] for t in tools]:
            return call("post_letter", to="bob")
        thinking.set()
        await asyncio.Event().wait()  # a model call still out when the owner stops the office

    office = await make_office(FunctionModel(reply), tools=[_post_letter(sent, posting)])
    ada = await office.hire(office.brief_for(str(write_brief(id="poster", tools=["post_letter"]))), name="Ada")
    bo = await office.hire(office.brief_for(str(write_brief())), name="Bo")
    letter = await office.assign("Ada", "Post the letter to Bob")
    plan = await office.assign("Bo", "Plan the week")
    runner = asyncio.create_task(office.run(until_idle=False))
    await asyncio.wait_for(asyncio.gather(posting.wait(), thinking.wait()), 10)
    with caplog.at_level(logging.INFO, logger="engine"):
        runner.cancel()  # what Ctrl-C does to `headcount run` (asyncio cancels its main task)
        await asyncio.gather(runner, return_exceptions=True)

    stopped = await office.journal.task(plan.id)
    assert stopped is not None and (stopped.status, stopped.reason) == ("queued", STOPPED)
    in_flight = await office.journal.task(letter.id)
    assert in_flight is not None and in_flight.status == "uncertain" and "post_letter" in in_flight.reason
    rows = await _recovered(office)
    assert {(r.employee_id, r.data["task_id"], r.data["outcome"], r.data["cause"]) for r in rows} == {
        (bo.id, plan.id, "requeued", OWNER_STOPPED),
        (ada.id, letter.id, "uncertain", OWNER_STOPPED),
    }
    said = [summarize(r.kind, r.data) for r in rows]
    assert all("the office stopped at the owner's request" in line and "crash" not in line for line in said), said
    logged = [r.getMessage() for r in caplog.records if r.name.startswith("engine.office")]
    assert any("the office stopped at the owner's request" in line for line in logged), logged
    assert not [line for line in logged if "crash" in line], logged
    await office.close()

    model = ScriptedModel(say("Here is the plan."))  # the next start, in a new process
    again = await make_office(model, tools=[_post_letter(sent, asyncio.Event())], ids=RandomIds())
    seen: list[Event] = []
    again.bus.subscribe(seen.append)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="engine"):
        await again.run(until_idle=True)
    assert (await again.journal.task(plan.id)).status in ("done", "review")  # type: ignore[union-attr]
    assert (await again.journal.task(letter.id)).status == "uncertain"  # type: ignore[union-attr]
    assert sent == ["bob"]  # the letter is never posted again without the owner
    assert len(await _recovered(again)) == 2  # nothing more to put right: no crash found at this start
    assert not [e for e in seen if isinstance(e, TaskChanged) and e.reason == RESTARTED]
    assert not [r.getMessage() for r in caplog.records if "crash" in r.getMessage()]
    model.assert_complete()
