"""One source of truth: owner decisions are durable, reach a running office, and only the worker recovers."""

from __future__ import annotations

import asyncio
import json
import os
import random
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from engine.clock import FakeClock, RandomIds
from engine.events import DecisionsChanged, EmployeeHired, EmployeeLeft, Event, StatusChanged, TaskChanged
from engine.office import POLL_S, Office
from engine.office.decisions import read_decisions
from engine.testing import ScriptedModel, call, say
from engine.tools.base import FunctionTool, ToolContext
from tests.engine.conftest import BriefWriter, OfficeFactory
from tests.engine.test_guardrails import PRICED, _mail_tools, _priced_model

ROOT = Path(__file__).resolve().parents[2]
SUNDAY_3AM = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)
OFFICE_HOURS = {"timezone": "Europe/London", "windows": ["mon-fri 09:00-17:00"]}


async def _until(
    office: Office,
    test: Callable[[Event], bool],
    clock: FakeClock | None = None,
    seen: list[Event] | None = None,
) -> Event:
    """The first event that passes `test`, among those `seen` already or to come.

    With `clock`, time moves on a poll interval each time the office goes back to sleep on it, so
    the test waits on the office's state, never on the wall clock or on when its poll happens to run.
    """
    found: asyncio.Future[Event] = asyncio.get_running_loop().create_future()

    def hear(event: Event) -> None:
        if test(event) and not found.done():
            found.set_result(event)

    unsubscribe = office.bus.subscribe(hear)
    for event in seen or ():
        hear(event)
    try:
        async with asyncio.timeout(60):  # a guard against a hang, not a wait on time
            while not found.done():
                if clock is None:
                    await found
                    break
                napping = clock.next_sleep()
                clock.advance(POLL_S)
                await asyncio.wait({found, napping}, return_when=asyncio.FIRST_COMPLETED)
        return found.result()
    finally:
        unsubscribe()


async def test_a_call_in_is_kept_across_a_restart(make_office: OfficeFactory, write_brief: BriefWriter) -> None:
    clock = FakeClock(SUNDAY_3AM)
    office = await make_office(ScriptedModel(), clock=clock)
    await office.hire(office.brief_for(str(write_brief(hours=OFFICE_HOURS))), name="Ada")
    task = await office.assign("ada", "Tidy the files")
    await office.call_in("ada", hours=2)
    await office.close()

    model = ScriptedModel(say("tidied"))
    office = await make_office(model, clock=clock)  # the window, restarted
    await office.run(until_idle=True)
    assert (await office.journal.task(task.id)).status == "done"  # type: ignore[union-attr]
    model.assert_complete()


async def test_a_call_in_never_cuts_a_longer_one_short(make_office: OfficeFactory, write_brief: BriefWriter) -> None:
    clock = FakeClock(SUNDAY_3AM)
    office = await make_office(ScriptedModel(), clock=clock)
    await office.hire(office.brief_for(str(write_brief(hours=OFFICE_HOURS))), name="Ada")
    eight = await office.call_in("ada", hours=8)
    assert eight == SUNDAY_3AM + timedelta(hours=8)
    assert await office.call_in("ada", hours=1) == eight  # the longer one stands
    clock.advance(3600)
    assert office.parts.roster.on_duty(office.find("ada"), clock.now() + timedelta(hours=6))
    assert await office.call_in("ada", hours=10) == clock.now() + timedelta(hours=10)  # a longer one extends it


async def test_a_call_in_can_be_ended_from_the_command_line_and_another_process_sees_it(
    make_office: OfficeFactory, write_brief: BriefWriter, capsys: pytest.CaptureFixture[str]
) -> None:
    """A typo'd `--hours 300` kept a paid model on duty for two weeks: `call-in Ada --end` sends Ada home."""
    from engine.cli import COMMANDS, build_parser

    clock = FakeClock(SUNDAY_3AM)
    office = await make_office(ScriptedModel(), clock=clock)
    await office.hire(office.brief_for(str(write_brief(hours=OFFICE_HOURS))), name="Ada")

    async def run(*argv: str) -> str:
        args = build_parser().parse_args(argv)
        assert await COMMANDS[args.command](office, args) == 0
        return capsys.readouterr().out

    assert "was not called in" in await run("call-in", "Ada", "--end")
    said = await run("call-in", "Ada", "--hours", "20")
    assert "(called in)" in said
    assert "call-in Ada --end" in await run("call-in", "Ada", "--hours", "1")  # how to end the longer one
    said = await run("call-in", "Ada", "--end")
    assert "Call-in ended: Ada is off duty until Mon" in said  # back to office hours, on Monday morning
    assert not office.parts.roster.on_duty(office.find("ada"), clock.now())
    second = await make_office(ScriptedModel(), clock=clock)  # another process: the call-in is gone there too
    assert not second.parts.roster.on_duty(second.find("ada"), clock.now())
    kinds = [row[0] for row in await office.journal.read(lambda c: c.exec_driver_sql(
        "SELECT json_extract(data, '$.action') FROM audit WHERE kind = 'owner_action'").fetchall())]  # fmt: skip
    assert "call_in_ended" in kinds


async def test_a_call_in_must_be_a_sensible_number_of_hours(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    office = await make_office(ScriptedModel())
    await office.hire(office.brief_for(str(write_brief())), name="Ada")
    for hours in (-3.0, 0.0, float("nan"), float("inf"), 1e309, 10_000.0):
        try:
            await office.call_in("ada", hours=hours)
        except Exception as exc:
            assert "hours" in str(exc)
        else:
            raise AssertionError(f"call-in for {hours} hours was accepted")


async def test_decisions_made_by_another_process_reach_a_running_office(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    clock = FakeClock(SUNDAY_3AM)
    model = ScriptedModel(say("tidied"))
    office = await make_office(model, clock=clock)
    await office.hire(office.brief_for(str(write_brief(hours=OFFICE_HOURS))), name="Ada")
    task = await office.assign("ada", "Tidy the files")
    seen: list[Event] = []
    office.bus.subscribe(seen.append)
    worker = asyncio.create_task(office.run(until_idle=False))
    await _until(office, lambda e: isinstance(e, StatusChanged) and e.status == "off_duty")

    other = await make_office(ScriptedModel(), clock=FakeClock(SUNDAY_3AM), ids=RandomIds())  # own memory
    await other.call_in("ada", hours=2)
    await other.set_ceiling("ada", per_day=0.5)
    await other.hire(other.brief_for(str(write_brief(id="clerk2"))), name="Ben")

    done = await _until(
        office, lambda e: isinstance(e, TaskChanged) and e.task_id == task.id and e.status == "done", clock, seen
    )
    assert done is not None
    # The office may have read the first decisions as it started and the rest at a later poll.
    await _until(office, lambda e: isinstance(e, EmployeeHired) and e.name == "Ben", clock, seen)
    ada = office.find("ada")
    assert office.ledger.day_limit(f"employee:{ada.id}", "2026-12-06") == 0.5
    assert any(isinstance(e, DecisionsChanged) for e in seen)
    assert "Ben" in {e.record.name for e in office.employees.values()}

    await other.dismiss("Ben")
    await _until(office, lambda e: isinstance(e, EmployeeLeft), clock, seen)
    assert "Ben" not in {e.record.name for e in office.employees.values()}
    worker.cancel()
    await asyncio.gather(worker, return_exceptions=True)
    model.assert_complete()


async def test_owner_statuses_survive_a_restart(make_office: OfficeFactory, write_brief: BriefWriter) -> None:
    office = await make_office(_priced_model(random.Random(1)))
    await office.hire(office.brief_for(str(write_brief(model=PRICED, budget={"per_day_usd": 0.0001}))), name="Ada")
    outbox: list[dict[str, str]] = []
    mail = ScriptedModel(call("send_email", to="client@example.test", body="Hi"))
    await office.assign("ada", "Work")
    await office.run(until_idle=True)
    await office.close()

    office = await make_office(mail, tools=_mail_tools(outbox), ids=RandomIds())
    await office.hire(office.brief_for(str(write_brief(id="mailer", tools=["send_email"]))), name="Ben")
    await office.assign("ben", "Email the client")
    await office.run(until_idle=True)
    await office.close()

    office = await make_office(ScriptedModel(), tools=_mail_tools(outbox), ids=RandomIds())  # nothing in memory
    await office.run(until_idle=True)  # the worker's start-up, recovery included, keeps them
    rows = {r["name"]: r for r in await office.roster()}
    assert rows["Ada"]["status"] == "over_budget" and "ceiling" in rows["Ada"]["detail"]
    assert rows["Ben"]["status"] == "awaiting_approval"
    shown = {(e.employee_id, e.status) for e in await office.scene_events() if isinstance(e, StatusChanged)}
    assert {s for _, s in shown} == {"over_budget", "awaiting_approval"}
    assert outbox == []


class Letter(BaseModel):
    to: str


async def test_only_the_worker_recovers_a_reader_changes_nothing(
    make_office: OfficeFactory, write_brief: BriefWriter, headcount_home: Path
) -> None:
    posting = asyncio.Event()
    release = asyncio.Event()

    async def post(ctx: ToolContext, args: Letter) -> str:
        posting.set()
        await release.wait()
        return f"posted to {args.to}"

    tool = FunctionTool("post_letter", "Post a letter", Letter, post, risk="internal_write", idempotent=False)
    office = await make_office(ScriptedModel(call("post_letter", to="bob"), say("posted")), tools=[tool])
    await office.hire(office.brief_for(str(write_brief(tools=["post_letter"]))), name="Ada")
    task = await office.assign("ada", "Post it")
    worker = asyncio.create_task(office.run(until_idle=True))
    await asyncio.wait_for(posting.wait(), timeout=60)  # mid side effect: its intent journaled, no result

    env = {**os.environ, "PYTHONPATH": str(ROOT), "HEADCOUNT_HOME": str(headcount_home)}

    def headcount(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "app.launcher", *args]
        return subprocess.run(command, capture_output=True, text=True, env=env, timeout=180)

    tasks = await asyncio.to_thread(headcount, "tasks", "--json")
    roster = await asyncio.to_thread(headcount, "roster", "--json")
    second = await asyncio.to_thread(headcount, "run")
    assert [t["status"] for t in json.loads(tasks.stdout)] == ["running"], tasks.stderr
    assert json.loads(roster.stdout)[0]["status"] != "blocked"
    assert second.returncode == 1 and "already at work" in second.stderr
    (step,) = [s for s in await office.journal.steps(task_id=task.id) if s.kind == "tool"]
    assert step.status == "started"  # not marked uncertain by a reader

    release.set()
    await worker
    assert (await office.journal.task(task.id)).status == "done"  # type: ignore[union-attr]


async def test_run_until_idle_picks_up_a_task_assigned_while_it_runs(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    started = asyncio.Event()
    release = asyncio.Event()

    async def slow(ctx: ToolContext, args: Letter) -> str:
        started.set()
        await release.wait()
        return "done"

    tool = FunctionTool("slow_job", "A slow job", Letter, slow)
    model = ScriptedModel(call("slow_job", to="x"), say("first done"), say("second done"))
    office = await make_office(model, tools=[tool])
    await office.hire(office.brief_for(str(write_brief(tools=["slow_job"]))), name="Ada")
    first = await office.assign("ada", "First")
    worker = asyncio.create_task(office.run(until_idle=True))
    await asyncio.wait_for(started.wait(), timeout=60)

    other = await make_office(ScriptedModel(), ids=RandomIds())  # another process: `headcount assign`
    second = await other.assign("ada", "Second")
    release.set()
    await worker
    statuses = {t.id: t.status for t in await office.journal.tasks()}
    assert statuses == {first.id: "done", second.id: "done"}
    model.assert_complete()


async def test_a_hire_made_while_decisions_are_read_keeps_its_seat(
    make_office: OfficeFactory, write_brief: BriefWriter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The window hires its starter team while its poll re-reads decisions: a read from before a hire
    must not be taken for that employee's dismissal."""
    model = ScriptedModel(say("done"))
    office = await make_office(model)
    stale = await office.journal.read(read_decisions)  # read just before the hire commits
    await office.hire(office.brief_for(str(write_brief())), name="Dev")
    read = office.journal.read

    async def late(fn: Callable[..., Any]) -> Any:
        return stale if fn is read_decisions else await read(fn)

    monkeypatch.setattr(office.journal, "read", late)
    await office.parts.decisions.refresh()
    monkeypatch.undo()
    assert "Dev" in {e.record.name for e in office.employees.values()}
    task = await office.assign("dev", "Introduce yourself")
    await office.run(until_idle=True)
    assert (await office.journal.task(task.id)).status == "done"  # type: ignore[union-attr]


async def test_a_call_in_applied_while_the_worker_shows_off_duty_still_wakes_it(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    """A refresh can land while the worker writes "off duty": its wake-up must not be lost."""
    clock = FakeClock(SUNDAY_3AM)
    model = ScriptedModel(say("tidied"))
    office = await make_office(model, clock=clock)
    record = await office.hire(office.brief_for(str(write_brief(hours=OFFICE_HOURS))), name="Ada")
    ada = office.find(record.id)

    def called_in_meanwhile(event: Event) -> None:  # what a refresh does, at the worst moment
        if isinstance(event, StatusChanged) and event.status == "off_duty" and ada.called_in_until is None:
            ada.called_in_until = clock.now() + timedelta(hours=2)
            ada.wake.set()

    office.bus.subscribe(called_in_meanwhile)
    worker = asyncio.create_task(office.run(until_idle=False))
    other = await make_office(ScriptedModel(), clock=FakeClock(SUNDAY_3AM), ids=RandomIds())
    task = await other.assign("ada", "Tidy the files")  # the poll queues it: the worker wakes, off duty
    done = await _until(
        office, lambda e: isinstance(e, TaskChanged) and e.task_id == task.id and e.status == "done", clock
    )
    assert done is not None
    worker.cancel()
    await asyncio.gather(worker, return_exceptions=True)
    model.assert_complete()
