"""The office and its agent loop with a scripted model: real SQLite, real tools, real events."""

from __future__ import annotations

import asyncio
import functools
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from engine.audit import AuditLog
from engine.briefs import BriefError
from engine.events import EscalationRaised, Event, SpendChanged, StatusChanged, TaskChanged
from engine.llm.client import LiteLLMClient
from engine.llm.types import ModelUnavailable
from engine.testing import ScriptedModel, call, calls, raw_call, say
from engine.tools.base import FunctionTool, ToolContext
from tests.engine.conftest import BriefWriter, OfficeFactory


async def _hire(office, path: Path, name: str = "Ada"):  # type: ignore[no-untyped-def]
    return await office.hire(office.brief_for(str(path)), name=name)


async def test_a_task_runs_its_tools_and_is_journaled(make_office: OfficeFactory, write_brief: BriefWriter) -> None:
    model = ScriptedModel(
        call("write_file", path="drafts/hello.md", content="Hello, customers."),
        say("I wrote drafts/hello.md."),
    )
    office = await make_office(model)
    ada = await _hire(office, write_brief())
    seen: list[Event] = []
    office.bus.subscribe(seen.append)
    await office.assign("ada", "Write a hello note")
    await office.run(until_idle=True)

    assert (office.home.workspace(ada.id) / "drafts/hello.md").read_text() == "Hello, customers."
    (task,) = await office.journal.tasks()
    assert task.status == "done"
    steps = await office.journal.steps(task_id=task.id)
    assert [(s.kind, s.tool, s.status) for s in steps] == [
        ("model", None, "finished"),
        ("tool", "write_file", "finished"),
        ("model", None, "finished"),
    ]
    statuses = [e.status for e in seen if isinstance(e, StatusChanged)]
    assert statuses[0] == "thinking" and "tool" in statuses and statuses[-1] == "idle"
    model.assert_complete()


async def test_the_brief_is_the_same_prefix_on_every_call(make_office: OfficeFactory, write_brief: BriefWriter) -> None:
    model = ScriptedModel(call("list_files"), call("save_note", title="t", text="x"), say("done"))
    office = await make_office(model)
    await _hire(office, write_brief(goals=["Answer every customer within a day"]))
    await office.assign("ada", "Tidy up")
    await office.run(until_idle=True)
    systems = [r.messages[0] for r in model.requests]
    assert all(m == systems[0] for m in systems) and systems[0]["role"] == "system"
    assert systems[0]["content"].startswith("You are the Office Clerk of a small business")
    assert "Answer every customer within a day" in systems[0]["content"]
    assert all(r.tool_names == model.requests[0].tool_names for r in model.requests)
    assert model.requests[0].messages[1] == {"role": "user", "content": "Tidy up"}
    model.assert_complete()


async def test_bad_calls_are_told_to_the_model_and_work_goes_on(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    model = ScriptedModel(
        call("send_email", to="x@example.test"),  # not on the belt
        raw_call("write_file", '{"path": "a.md", "content": '),  # not JSON
        call("read_file", path="missing.md"),  # the tool fails
        call("write_file", path="../../escape.md", content="x"),  # outside the workspace
        say("gave up politely"),
    )
    office = await make_office(model)
    await _hire(office, write_brief())
    await office.assign("ada", "Try things")
    await office.run(until_idle=True)
    tool_messages = [m["content"] for m in model.requests[-1].messages if m["role"] == "tool"]
    assert "no tool named 'send_email'" in tool_messages[0] and "write_file" in tool_messages[0]
    assert "not valid JSON" in tool_messages[1]
    assert "no file 'missing.md'" in tool_messages[2]
    assert "outside your workspace" in tool_messages[3]
    (task,) = await office.journal.tasks()
    assert task.status == "done"
    model.assert_complete()


class Wait(BaseModel):
    pass


async def test_a_hanging_tool_times_out(make_office: OfficeFactory, write_brief: BriefWriter) -> None:
    never = asyncio.Event()

    async def hang(ctx: ToolContext, args: Wait) -> str:
        await never.wait()
        return "unreachable"

    tool = FunctionTool("hang", "Hangs", Wait, hang, timeout_s=0.05)
    model = ScriptedModel(call("hang"), say("moving on"))
    office = await make_office(model, tools=[tool])
    await _hire(office, write_brief(tools=["hang"]))
    await office.assign("ada", "Wait for it")
    await office.run(until_idle=True)
    (result,) = [m for m in model.requests[-1].messages if m["role"] == "tool"]
    assert "timed out after 0.05 s" in result["content"]


async def test_a_write_that_times_out_parks_as_uncertain(make_office: OfficeFactory, write_brief: BriefWriter) -> None:
    """A tool that may change the world and is stopped at its timeout may have done it: the owner decides."""
    never = asyncio.Event()

    async def hang(ctx: ToolContext, args: Wait) -> str:
        await never.wait()
        return "unreachable"

    tool = FunctionTool("post", "Posts", Wait, hang, risk="internal_write", idempotent=False, timeout_s=0.05)
    model = ScriptedModel(call("post"))
    office = await make_office(model, tools=[tool])
    await _hire(office, write_brief(tools=["post"]))
    await office.assign("ada", "Post it")
    await office.run(until_idle=True)
    (task,) = await office.journal.tasks()
    assert (task.status, task.reason) == ("uncertain", "post timed out after 0.05 s and was stopped; it may or may "
                                          "not have done it")  # fmt: skip
    model.assert_complete()  # the model was not asked again


async def test_a_provider_that_keeps_failing_parks_the_task(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    model = ScriptedModel(ModelUnavailable("openai/gpt-x kept failing: 503 x4", passes=True))
    office = await make_office(model)
    await _hire(office, write_brief())
    seen: list[Event] = []
    office.bus.subscribe(seen.append)
    await office.assign("ada", "Anything")
    await office.run(until_idle=True)
    (task,) = await office.journal.tasks()
    assert task.status == "parked" and "kept failing: 503" in task.reason
    assert any(isinstance(e, EscalationRaised) for e in seen)
    roster = await office.roster()
    assert roster[0]["status"] == "blocked"


async def test_runaway_loops_stop_at_the_action_limit(make_office: OfficeFactory, write_brief: BriefWriter) -> None:
    model = ScriptedModel(*[call("list_files") for _ in range(4)])
    office = await make_office(model)
    await _hire(office, write_brief(max_actions_per_turn=3))
    await office.assign("ada", "Loop")
    await office.run(until_idle=True)
    (task,) = await office.journal.tasks()
    assert task.status == "parked" and "limit of 3 actions" in task.reason
    tools = [s for s in await office.journal.steps(task_id=task.id) if s.kind == "tool"]
    assert len(tools) == 3
    model.add(say("stopping here"))
    await office.resume(task.id, note="That's enough listing; wrap up.")
    await office.run(until_idle=True)
    assert (await office.journal.task(task.id)).status == "done"  # type: ignore[union-attr]
    assert model.requests[-1].messages[-1] == {"role": "user", "content": "That's enough listing; wrap up."}


async def test_several_tool_calls_in_one_reply_run_in_order(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    model = ScriptedModel(
        calls(call("write_file", path="a.md", content="1"), call("read_file", path="a.md")), say("ok")
    )
    office = await make_office(model)
    await _hire(office, write_brief())
    await office.assign("ada", "Write then read")
    await office.run(until_idle=True)
    results = [m["content"] for m in model.requests[-1].messages if m["role"] == "tool"]
    assert results == ["wrote a.md (1 characters)", "1"]


async def test_editing_a_brief_makes_a_new_version_used_from_then_on(
    make_office: OfficeFactory, write_brief: BriefWriter, headcount_home: Path
) -> None:
    path = write_brief()
    office = await make_office(ScriptedModel(say("v1 done")))
    ada = await _hire(office, path)
    await office.assign("ada", "First")
    await office.run(until_idle=True)
    await office.close()

    path.write_text(path.read_text().replace("Keep the files in order", "Keep the files in perfect order"))
    model = ScriptedModel(say("v2 done"))
    office = await make_office(model)
    await office.assign("ada", "Second")
    await office.run(until_idle=True)
    assert "perfect order" in model.requests[0].messages[0]["content"]

    def versions(conn):  # type: ignore[no-untyped-def]
        rows = conn.exec_driver_sql("SELECT brief_version FROM turns ORDER BY started_at").all()
        return [r[0] for r in rows]

    used = await office.journal.read(versions)
    assert len(set(used)) == 2
    stored = await office.journal.read(
        lambda c: c.exec_driver_sql("SELECT count(*) FROM brief_versions WHERE employee_id=?", (ada.id,)).scalar()
    )
    assert stored == 2


async def test_a_bad_brief_keeps_the_others_working(
    make_office: OfficeFactory, write_brief: BriefWriter, tmp_path: Path
) -> None:
    good, bad = write_brief(id="good"), write_brief(id="bad")
    office = await make_office(ScriptedModel())
    await office.hire(office.brief_for(str(good)), name="Ada")
    await office.hire(office.brief_for(str(bad)), name="Ben")
    await office.close()
    bad.write_text(bad.read_text().replace("tone: Plain and brief", "tone: [not, a, string]"))

    model = ScriptedModel(say("fine"))
    office = await make_office(model)
    roster = {r["name"]: r for r in await office.roster()}
    assert roster["Ada"]["brief_error"] is None
    assert "bad.md" in roster["Ben"]["brief_error"] and "tone" in roster["Ben"]["brief_error"]
    await office.assign("ada", "Still working?")
    await office.run(until_idle=True)
    assert [t.status for t in await office.journal.tasks()] == ["done"]


async def test_an_intent_without_a_result_parks_the_task_as_uncertain(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    sent: list[str] = []

    class Mail(BaseModel):
        to: str

    async def send(ctx: ToolContext, args: Mail) -> str:
        sent.append(args.to)
        raise asyncio.CancelledError  # the process "dies" mid-call: no result is journaled

    tool = FunctionTool("post_letter", "Post a letter", Mail, send, risk="internal_write", idempotent=False)
    bob = "bob at the corner house, " * 100  # a long argument (a whole draft) is shown cut in the reason
    office = await make_office(ScriptedModel(call("post_letter", to=bob)), tools=[tool])
    await _hire(office, write_brief(tools=["post_letter"]))
    task = await office.assign("ada", "Post it")
    await office.run(until_idle=True)  # the worker stops where the process would have died
    assert (await office.journal.task(task.id)).status == "running"  # type: ignore[union-attr]
    await office.close()

    office = await make_office(ScriptedModel(say("sent")), tools=[tool])
    opened = await office.journal.task(task.id)
    assert opened is not None and opened.status == "running"  # only a worker, holding the lock, recovers
    await office.run(until_idle=True)
    reloaded = await office.journal.task(task.id)
    assert reloaded is not None and reloaded.status == "uncertain"
    assert "post_letter" in reloaded.reason and "may or may not have happened" in reloaded.reason
    assert "bob at the corner house" in reloaded.reason and len(reloaded.reason) < 500
    assert sent == [bob]  # never re-run without the owner
    await office.resolve(task.id, happened=True)
    await office.run(until_idle=True)
    assert sent == [bob] and (await office.journal.task(task.id)).status == "done"  # type: ignore[union-attr]


async def test_task_events_follow_the_task(make_office: OfficeFactory, write_brief: BriefWriter) -> None:
    office = await make_office(ScriptedModel(say("done")))
    await _hire(office, write_brief())
    seen: list[TaskChanged] = []
    office.bus.subscribe(lambda e: seen.append(e) if isinstance(e, TaskChanged) else None)
    await office.assign("ada", "Quick one")
    await office.run(until_idle=True)
    assert [e.status for e in seen] == ["queued", "running", "done"]


async def test_the_owner_edits_a_hired_employees_brief(make_office: OfficeFactory, write_brief: BriefWriter) -> None:
    path = write_brief()
    model = ScriptedModel(say("done"))
    office = await make_office(model)
    ada = await _hire(office, path)
    text = path.read_text().replace("Keep the files in order", "Answer the phone politely")
    brief = await office.update_brief("ada", text)
    assert brief.version != ada.brief_version
    assert path.read_text().count("Keep the files in order") == 1  # the original file is untouched
    await office.assign("ada", "Hello")
    await office.run(until_idle=True)
    assert "Answer the phone politely" in model.requests[0].messages[0]["content"]

    bad = text.replace("tone: Plain and brief", "tone: [1, 2]")
    with pytest.raises(BriefError, match="tone"):
        await office.update_brief("ada", bad)
    assert office.find("ada").brief.version == brief.version  # a bad edit changes nothing


async def test_a_brief_edit_to_a_model_it_could_not_call_is_refused_as_at_hire(
    make_office: OfficeFactory, write_brief: BriefWriter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    path = write_brief()
    office = await make_office(LiteLLMClient())
    ada = await _hire(office, path)
    edited = path.read_text().replace("probation: 0", "probation: 0\nmodel: openai/gpt-4o-mini")
    with pytest.raises(BriefError, match=r"field 'model'.*needs an API key"):
        await office.update_brief("ada", edited)
    assert office.find("ada").brief.version == ada.brief_version  # nothing kept: it still rehearses


async def test_a_brief_edited_in_one_process_reaches_every_running_office(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    """The window shows a ceiling the owner changed in the brief (it kept showing the old one)."""
    path = write_brief(budget={"per_day_usd": 3.0})
    office = await make_office(ScriptedModel())
    ada = await _hire(office, path)
    window = await make_office(ScriptedModel())  # another process: the window, or `headcount run`
    seen: list[Event] = []
    window.bus.subscribe(seen.append)
    await office.update_brief("ada", path.read_text().replace("per_day_usd: 3.0", "per_day_usd: 0.5"))
    assert await window.parts.decisions.moved()  # an owner decision, as the window's poll finds it
    await window.parts.decisions.refresh()
    assert [e.ceiling_usd for e in seen if isinstance(e, SpendChanged) and e.employee_id == ada.id] == [0.5]


async def test_employees_hired_while_the_office_runs_start_working(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    model = ScriptedModel(say("first"), say("second"))
    office = await make_office(model)
    await _hire(office, write_brief(), name="Ada")
    done: list[str] = []
    finished = asyncio.Event()

    def watch(event: Event) -> None:
        if isinstance(event, TaskChanged) and event.status == "done":
            done.append(event.employee_id)
            if len(done) == 2:
                finished.set()

    office.bus.subscribe(watch)
    runner = asyncio.create_task(office.run(until_idle=False))
    await office.assign("ada", "One")
    ben = await office.hire(office.brief_for(str(write_brief(id="other"))), name="Ben")
    await office.assign("ben", "Two")
    await asyncio.wait_for(finished.wait(), 10)
    runner.cancel()
    await asyncio.gather(runner, return_exceptions=True)
    assert ben.id in done


async def test_rehearsal_pace_reaches_the_model_and_an_empty_office_keeps_serving(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    model = ScriptedModel(say("done"))
    office = await make_office(model)
    office.rehearsal_pace = 20.0
    runner = asyncio.create_task(office.run(until_idle=False))  # nobody hired yet: it must not return
    finished = asyncio.Event()
    office.bus.subscribe(lambda e: finished.set() if isinstance(e, TaskChanged) and e.status == "done" else None)
    await _hire(office, write_brief())
    await office.assign("ada", "Paced work")
    await asyncio.wait_for(finished.wait(), 10)
    assert not runner.done()
    runner.cancel()
    await asyncio.gather(runner, return_exceptions=True)
    assert ("rehearsal_pace", "20.0") in model.requests[0].config.extra


async def test_one_process_works_an_office_and_sees_tasks_others_queue(
    make_office: OfficeFactory, write_brief: BriefWriter, headcount_home: Path
) -> None:
    from engine.clock import FakeClock
    from engine.office import POLL_S, OfficeError

    clock = FakeClock()
    model = ScriptedModel(say("done"))
    office = await make_office(model, clock=clock)
    await _hire(office, write_brief())
    done = asyncio.Event()
    office.bus.subscribe(lambda e: done.set() if isinstance(e, TaskChanged) and e.status == "done" else None)
    runner = asyncio.create_task(office.run(until_idle=False))
    await asyncio.sleep(0)

    other = await make_office(ScriptedModel(), clock=clock)  # e.g. `headcount assign` while the window runs
    with pytest.raises(OfficeError, match="already at work"):
        await other.run(until_idle=True)
    await other.assign("ada", "Queued from the terminal")
    await other.close()

    # Polls come on the office clock: advance it until the running office has seen the queued task (an
    # advance before the office first sleeps would be missed, so one advance is not enough).
    for _ in range(40):
        clock.advance(POLL_S)
        try:
            await asyncio.wait_for(done.wait(), 0.25)
            break
        except TimeoutError:
            continue
    assert done.is_set()
    runner.cancel()
    await asyncio.gather(runner, return_exceptions=True)
    model.assert_complete()


async def test_letting_an_employee_go_cancels_open_work_and_keeps_the_record(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    from engine.events import EmployeeLeft

    model = ScriptedModel(say("first done"))
    office = await make_office(model)
    ada = await _hire(office, write_brief())
    await office.assign("ada", "Do this")
    await office.run(until_idle=True)
    await office.assign("ada", "And this, later")
    seen: list[Event] = []
    office.bus.subscribe(seen.append)
    assert await office.dismiss("ada", reason="the role is no longer needed") == 1
    assert any(isinstance(e, EmployeeLeft) and e.employee_id == ada.id for e in seen)
    assert await office.roster() == []
    assert sorted(t.status for t in await office.journal.tasks()) == ["cancelled", "done"]
    assert len(await office.journal.steps(employee_id=ada.id)) == 1  # the log stays
    again = await office.hire(office.brief_for(str(write_brief())), name="Ada")  # the name is free again
    assert again.id != ada.id
    await office.close()
    reopened = await make_office(ScriptedModel())
    assert [e.record.id for e in reopened.employees.values()] == [again.id]


async def test_a_stopped_office_puts_the_work_in_hand_back_in_the_queue(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    """Ctrl-C, a run for N seconds, the window closing: nobody shows as working once the process has gone."""
    from engine.office.recovery import STOPPED
    from engine.testing import FunctionModel

    thinking = asyncio.Event()

    async def slow(messages: list[Any], tools: list[Any]) -> Any:
        thinking.set()
        await asyncio.Event().wait()  # a model call still out when the owner stops the office

    office = await make_office(FunctionModel(slow))
    await _hire(office, write_brief(), name="Ada")
    task = await office.assign("ada", "Plan the week")
    runner = asyncio.create_task(office.run(until_idle=False))
    await asyncio.wait_for(thinking.wait(), 10)
    assert (await office.roster())[0]["status"] == "thinking"
    runner.cancel()
    await asyncio.gather(runner, return_exceptions=True)

    stopped = await office.journal.task(task.id)
    assert stopped is not None and (stopped.status, stopped.reason) == ("queued", STOPPED)
    (row,) = await office.roster()
    assert (row["status"], row["current_task"]) == ("idle", None)

    model = ScriptedModel(say("Here is the plan."))  # the next run, in a new process, finishes it
    again = await make_office(model)
    await again.run(until_idle=True)
    assert (await again.journal.task(task.id)).status in ("done", "review")  # type: ignore[union-attr]
    model.assert_complete()


async def test_work_cut_short_by_a_crash_is_said_once_to_go_on(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    """`headcount run` after a kill -9 printed "task queued … (resumed after a restart)" twice: once when the
    office put the work back, once more when its first look at the queue found it there."""
    from engine.events import TaskChanged
    from engine.office.recovery import RESTARTED
    from engine.store import writes

    crashed = await make_office(ScriptedModel())
    await _hire(crashed, write_brief(), name="Ada")
    task = await crashed.assign("ada", "Plan the week")
    later = await crashed.assign("ada", "Tidy the inbox")  # queued behind it
    now = crashed.clock.now().isoformat()
    await crashed.journal.write(writes.task_status(task.id, "running", "", now))  # as the killed process left it
    model = ScriptedModel(say("Here is the plan."), say("Tidied."))
    office = await make_office(model)
    seen: list[Event] = []
    office.bus.subscribe(seen.append)
    await office.run(until_idle=True)
    said = [(e.status, e.reason) for e in seen if isinstance(e, TaskChanged) and e.task_id == task.id]
    assert said[0] == ("queued", RESTARTED) and said.count(("queued", RESTARTED)) == 1, said
    began = [e.task_id for e in seen if isinstance(e, TaskChanged) and e.status == "running"]
    assert began == [task.id, later.id]  # the work in hand goes on first, not behind what was queued after it
    assert (await office.journal.task(task.id)).status in ("done", "review")  # type: ignore[union-attr]
    model.assert_complete()  # worked once


async def test_two_offices_hiring_at_once_never_give_two_people_one_name(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    """The window and a terminal hire at the same moment: each reads the names before either has written."""
    from engine.clock import RandomIds
    from engine.office import OfficeError

    window = await make_office(ScriptedModel())
    terminal = await make_office(ScriptedModel(), ids=RandomIds())
    brief = str(write_brief())
    offices = (window, terminal, window, terminal)
    hired = await asyncio.gather(*(o.hire(o.brief_for(brief)) for o in offices))
    names = [e.name for e in hired]
    assert sorted(names) == ["Ada", "Ben", "Chloe", "Dev"], names
    assert sorted(r.name for r in await window.journal.employees()) == ["Ada", "Ben", "Chloe", "Dev"]
    # A name differs from another by more than its case (`assign ada` must name one person).
    with pytest.raises(OfficeError, match="already an employee called ada"):
        await terminal.hire(terminal.brief_for(brief), name="ada")
    (hired_ada,) = [o for o, e in zip(offices, hired, strict=True) if e.name == "Ada"]
    await hired_ada.dismiss("Ada")
    assert (await window.hire(window.brief_for(brief), name="ADA")).name == "ADA"  # Ada has left
    await terminal.close()


async def test_a_brief_fixed_by_hand_while_the_office_runs_puts_its_employee_to_work(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    """README: "Fix that file" — the running office (a `run --background` service) sees the fix itself."""
    office = await make_office(ScriptedModel())
    record = await office.hire(office.brief_for(str(write_brief())), name="Ada")
    task = await office.assign("ada", "Plan my week")
    await office.close()
    path = Path(record.brief_path)
    good = await asyncio.to_thread(path.read_text)
    await asyncio.to_thread(path.write_text, good.replace("function:", "function: wizard\nx_function:", 1))

    office = await make_office(ScriptedModel(say("planned")))
    assert record.id in office.parts.roster.unseated
    await office.run(until_idle=True)
    assert (await office.journal.task(task.id)).status == "queued"  # type: ignore[union-attr]
    assert await office.parts.decisions.edited_briefs() == []  # the poll: unchanged, so not read again
    await asyncio.to_thread(path.write_text, good + "\n")  # fixed, a byte longer: told apart within a clock tick
    assert await office.parts.decisions.edited_briefs() == [record.id]
    await office.run(until_idle=True)
    assert (await office.journal.task(task.id)).status in ("done", "review")  # type: ignore[union-attr]
    assert record.id not in office.parts.roster.unseated and not office.parts.roster.brief_errors


async def test_a_brief_edited_by_hand_while_the_office_runs_is_used_from_the_next_task(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    """Briefs are files the owner edits by hand: a running office uses the edit, and holds work on a broken one."""
    model = ScriptedModel(say("one"), say("two"), say("three"))
    office = await make_office(model)
    record = await office.hire(office.brief_for(str(write_brief())), name="Ada")
    path = Path(record.brief_path)
    good = await asyncio.to_thread(path.read_text)
    assert await office.parts.decisions.edited_briefs() == []  # the first look: as seated
    await office.assign("ada", "One")
    await office.run(until_idle=True)
    assert "Plain and brief" in model.requests[0].messages[0]["content"]

    await asyncio.to_thread(path.write_text, good.replace("Plain and brief", "Warm, and never in a hurry"))
    assert await office.parts.decisions.edited_briefs() == [record.id]
    await office.assign("ada", "Two")
    await office.run(until_idle=True)
    assert "Warm, and never in a hurry" in model.requests[1].messages[0]["content"]  # the next task: the edit
    stored = await office.journal.employees()
    assert stored[0].brief_version != record.brief_version  # a new version, kept and audited
    changes = await office.journal.read(functools.partial(AuditLog.rows, kind="brief_changed"))
    assert [c.data["to"] for c in changes] == [stored[0].brief_version]

    await asyncio.to_thread(path.write_text, good.replace("function: ops", "function: wizard"))
    assert await office.parts.decisions.edited_briefs() == []
    (row,) = await office.roster()
    assert "clerk.md:4: field 'function'" in row["brief_error"]  # the file, line and field to fix
    third = await office.assign("ada", "Three")
    await office.run(until_idle=True)
    assert (await office.journal.task(third.id)).status == "queued"  # type: ignore[union-attr]
    (held,) = await office.held_work()
    assert held.kind == "brief" and "field 'function'" in held.reason
    (row,) = await office.roster()
    assert row["status"] == "blocked" and "cannot work until its brief is fixed" in row["detail"]

    await asyncio.to_thread(path.write_text, good + "\n")  # fixed, a byte longer: told apart within a clock tick
    assert await office.parts.decisions.edited_briefs() == [record.id]
    await office.run(until_idle=True)
    assert (await office.journal.task(third.id)).status == "done"  # type: ignore[union-attr]
    (row,) = await office.roster()
    assert row["brief_error"] is None
    model.assert_complete()


async def test_a_catalog_role_hired_from_another_install_follows_this_installs_file(
    make_office: OfficeFactory, headcount_home: Path, tmp_path: Path
) -> None:
    """Hired from an install since moved or removed (an old checkout, an unpacked download): the copy stored at
    hiring named tools that are apps now (`social_schedule`), and every task waited for an app nobody connected,
    An upgrade in place gave the new file; so does this."""
    import sqlite3

    from engine.briefs import WorkingHours
    from engine.paths import SHIPPED_BRIEFS

    shipped = SHIPPED_BRIEFS / "roles" / "social-media.md"
    old = tmp_path / "old-install" / "briefs" / "roles" / "social-media.md"
    old.parent.mkdir(parents=True)
    old.write_text(shipped.read_text())
    office = await make_office(ScriptedModel(say("Drafted the week's posts.")))
    record = await office.hire(office.brief_for(str(old)), name="Sam")
    await office.set_hours(None, WorkingHours.model_validate({"timezone": "UTC", "always": True}))
    await office.close()
    then = shipped.read_text().replace("tools: [list_files,", "tools: [social_schedule, list_files,")
    with sqlite3.connect(headcount_home / "headcount.db") as db:  # the copy as the old install stored it
        db.execute("UPDATE brief_versions SET content = ?, version = 'then' WHERE employee_id = ?", (then, record.id))
        db.execute("UPDATE employees SET brief_version = 'then' WHERE id = ?", (record.id,))
    old.unlink()  # that install is gone

    office = await make_office(ScriptedModel(say("Drafted the week's posts.")))
    task = await office.assign("Sam", "Plan next week's posts")
    await office.run(until_idle=True)
    done = await office.journal.task(task.id)
    assert done is not None and done.status == "review", done  # its draft waits for the owner: not for an app
    (sam,) = await office.journal.employees()
    assert sam.brief_path == str(shipped)
    changes = await office.journal.read(functools.partial(AuditLog.rows, kind="brief_changed"))
    assert [(c.data["from"], c.data.get("file")) for c in changes] == [("then", str(shipped))]
