"""OfficeState folds engine events into rows (no Qt)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from app.state import OfficeState
from engine.events import (
    ApprovalRequested,
    ApprovalResolved,
    DeliverableSubmitted,
    EmployeeHired,
    EmployeeLeft,
    EscalationRaised,
    SpendChanged,
    StatusChanged,
    StepFinished,
    TaskChanged,
    TextStreamed,
)

if TYPE_CHECKING:
    from app.bridge import Bridge
    from engine.office import Office


def hired(state: OfficeState) -> None:
    state.apply(
        EmployeeHired(employee_id="e1", name="Ada", role="assistant", title="Assistant", team=None,
                      appearance=(("color", "#123456"),))
    )  # fmt: skip


def test_status_tasks_and_current_task() -> None:
    state = OfficeState()
    changes: list[frozenset[str]] = []
    state.listen(changes.append)
    hired(state)
    assert state.employees["e1"].color == "#123456"
    state.apply(StatusChanged(employee_id="e1", status="thinking", detail="x"))
    state.apply(TaskChanged(task_id="t1", employee_id="e1", title="Write", status="running"))
    assert state.employees["e1"].status == "thinking"
    assert state.employees["e1"].current_task == "Write"
    state.apply(TaskChanged(task_id="t1", employee_id="e1", title="Write", status="done"))
    assert state.employees["e1"].current_task is None
    assert state.tasks["t1"].status == "done"
    assert any("roster" in c for c in changes)


def test_streamed_reply_lands_in_the_chat_and_is_labelled_rehearsal() -> None:
    state = OfficeState()
    hired(state)
    state.chat_sent("e1", "hello", "t1")
    for delta in ("Hi ", "there"):
        state.apply(TextStreamed(employee_id="e1", task_id="t1", delta=delta, rehearsal=True))
    reply = state.chat("e1")[-1]
    assert (reply.author, reply.text, reply.rehearsal, reply.streaming) == ("employee", "Hi there", True, True)
    state.apply(TaskChanged(task_id="t1", employee_id="e1", title="hello", status="done"))
    assert state.chat("e1")[-1].streaming is False


def test_the_chat_read_from_the_journal_comes_first_and_never_twice() -> None:
    from app.forms import ChatMessage

    state = OfficeState()
    hired(state)
    state.chat_sent("e1", "And the price list?", "t2")  # asked in this window, before the panel's history loaded
    state.load_chat("e1", [
        ChatMessage("owner", "Three ideas, please", "t1"), ChatMessage("employee", "In ideas.md.", "t1", True),
        ChatMessage("owner", "And the price list?", "t2"),  # the journal has it too: this window's bubble wins
    ])  # fmt: skip
    assert [(m.author, m.text, m.task_id) for m in state.chat("e1")] == [
        ("owner", "Three ideas, please", "t1"), ("employee", "In ideas.md.", "t1"),
        ("owner", "And the price list?", "t2"), ("employee", "", "t2"),
    ]  # fmt: skip
    state.load_chat("e1", [ChatMessage("owner", "Three ideas, please", "t1")])  # opened again: replaced, not added
    assert [m.text for m in state.chat("e1")] == ["Three ideas, please", "And the price list?", ""]


def test_a_task_from_before_the_window_still_at_work_streams_its_answer_into_the_chat() -> None:
    from app.forms import ChatMessage

    state = OfficeState()
    hired(state)
    state.apply(TaskChanged(task_id="t1", employee_id="e1", title="Plan", status="running"))  # from the terminal
    state.load_chat("e1", [ChatMessage("owner", "Plan the week", "t1")])
    state.apply(TextStreamed(employee_id="e1", task_id="t1", delta="Monday: ", rehearsal=False))
    state.apply(TextStreamed(employee_id="e1", task_id="t1", delta="calls.", rehearsal=False))
    state.apply(TaskChanged(task_id="t1", employee_id="e1", title="Plan", status="done"))
    assert [(m.author, m.text, m.streaming) for m in state.chat("e1")] == [
        ("owner", "Plan the week", False), ("employee", "Monday: calls.", False),
    ]  # fmt: skip


def test_reply_without_streaming_uses_the_model_step_summary() -> None:
    state = OfficeState()
    hired(state)
    state.chat_sent("e1", "hello", "t1")
    state.apply(StepFinished(employee_id="e1", task_id="t1", step_id="s1", kind="model", status="finished",
                             summary="calls save_note"))  # fmt: skip
    state.apply(StepFinished(employee_id="e1", task_id="t1", step_id="s2", kind="model", status="finished",
                             summary="All done."))  # fmt: skip
    assert state.chat("e1")[-1].text == "All done."
    assert [s.step_id for s in state.step_log("e1")] == ["s1", "s2"]


def test_spend_inbox_and_escalations() -> None:
    state = OfficeState()
    hired(state)
    state.apply(SpendChanged(employee_id="e1", today_usd=0.5, ceiling_usd=2.0))
    assert state.total_spend_today() == 0.5
    assert list(state.spend_history["e1"].values()) == [0.5]
    state.apply(ApprovalRequested(approval_id="a1", employee_id="e1", task_id="t1", tool="send_email",
                                  arguments_json="{}", risk="external_communication"))  # fmt: skip
    state.apply(EscalationRaised(employee_id="e1", task_id="t1", reason="stuck"))
    assert [i.kind for i in state.inbox.values()] == ["approval", "escalation"]
    assert state.inbox["a1"].title == "Ada wants to use send_email"
    state.apply(ApprovalResolved(approval_id="a1", employee_id="e1", decision="approved"))
    assert list(state.inbox) == ["escalation-t1"]  # one item per parked task


def test_a_task_given_from_the_terminal_shows_in_an_open_chat_once() -> None:
    from app.panels.employee import OFF_DUTY_WAIT, chat_html

    state = OfficeState()
    hired(state)
    state.load_chat("e1", [])  # Ada's panel is open
    state.apply(TaskChanged(task_id="t1", employee_id="e1", title="Find the cheapest flight", status="queued"))
    assert [(m.author, m.text) for m in state.chat("e1")] == [("owner", "Find the cheapest flight"), ("employee", "")]
    state.apply(TaskChanged(task_id="t2", employee_id="e1", title="Book it", status="queued"))  # asked here:
    state.chat_sent("e1", "Book it, window seat please", "t2")  # its event came first; the words replace it
    assert [m.text for m in state.chat("e1") if m.author == "owner"] == [
        "Find the cheapest flight",
        "Book it, window seat please",
    ]
    assert len([m for m in state.chat("e1") if m.author == "employee"]) == 2
    assert OFF_DUTY_WAIT in chat_html(state.chat("e1"), "Ada", OFF_DUTY_WAIT)  # not "working on it" off duty
    state.apply(TaskChanged(task_id="t3", employee_id="e9", title="Someone else's", status="queued"))
    assert state.chat("e9") == []  # no panel open for them: nothing to show


def test_cards_decided_in_another_process_leave_the_inbox() -> None:
    """The owner approves, accepts or lets someone go from the terminal: the window's cards follow."""
    state = OfficeState()
    hired(state)
    state.apply(ApprovalRequested(approval_id="a1", employee_id="e1", task_id="t1", tool="send_email",
                                  arguments_json="{}", risk="external_communication"))  # fmt: skip
    state.apply(
        DeliverableSubmitted(deliverable_id="d1", employee_id="e1", task_id="t2", title="Post", content="x", round=1)
    )
    state.apply(
        DeliverableSubmitted(deliverable_id="d2", employee_id="e1", task_id="t3", title="Mail", content="y", round=1)
    )
    assert set(state.inbox) == {"a1", "d1", "d2"}
    state.apply(TaskChanged(task_id="t1", employee_id="e1", title="Email", status="queued"))  # approved elsewhere
    assert set(state.inbox) == {"d1", "d2"}
    state.keep_pending({"d2"})  # d1 was accepted elsewhere: the office no longer has it pending
    assert set(state.inbox) == {"d2"}
    state.apply(EmployeeLeft(employee_id="e1"))  # let go elsewhere: nobody hears a decision on their cards
    assert state.inbox == {}


def test_an_uncertain_task_escalates_once_and_leaves_the_inbox_when_resolved() -> None:
    state = OfficeState()
    state.apply(EmployeeHired(employee_id="e1", name="Ada", role="assistant", title="Assistant", team=None))
    state.apply(TaskChanged(task_id="t1", employee_id="e1", title="Pay the invoice", status="uncertain"))
    state.apply(EscalationRaised(employee_id="e1", task_id="t1", reason="it may have happened"))
    state.add_escalation("e1", "t1", "seeded from the journal too", uncertain=True)
    (item,) = state.inbox.values()
    assert item.uncertain and item.id == "escalation-t1" and "not sure" in item.title
    state.apply(TaskChanged(task_id="t1", employee_id="e1", title="Pay the invoice", status="queued"))
    assert state.inbox == {}


async def test_the_settings_dialog_opens_with_the_offices_own_decisions(headcount_home: Path) -> None:
    """A model connected and a ceiling set from the command line show in the dialog, not its stale copy."""
    from app.settings_apply import load_settings
    from engine.llm.types import Price
    from engine.office import Office
    from engine.paths import Home
    from engine.testing import ScriptedModel

    office = await Office.open(Home.resolve(headcount_home), model=ScriptedModel())
    try:
        assert (await load_settings(office)).provider == "rehearsal"
        await office.connect_model(
            "openai/llama3.1", api_base="http://127.0.0.1:11434/v1", price=Price(0.0, 0.0)
        )  # as `headcount model connect` does, in any process
        await office.set_ceiling("office", per_day=4.5)
        await office.raise_once("office", 2.0)  # today only: the dialog's ceiling is every day's
        values = await load_settings(office)
        assert (values.provider, values.model, values.api_base) == ("local", "llama3.1", "http://127.0.0.1:11434/v1")
        assert values.office_ceiling_per_day == 4.5
    finally:
        await office.close()


@contextlib.asynccontextmanager
async def _window_and_terminal(headcount_home: Path) -> AsyncIterator[tuple[Bridge, Office, Office]]:
    """The window's office with its bridge listening, and a terminal's office on the same home."""
    from app.bridge import Bridge
    from engine.office import Office
    from engine.paths import Home
    from engine.testing import ScriptedModel

    home = Home.resolve(headcount_home)
    window_office = await Office.open(home, model=ScriptedModel())
    terminal = await Office.open(home, model=ScriptedModel())
    bridge = Bridge(OfficeState(), window_office)
    unsubscribe = window_office.bus.subscribe(bridge._on_event)
    try:
        yield bridge, window_office, terminal
    finally:
        unsubscribe()
        await terminal.close()
        await window_office.close()


async def test_the_window_rereads_the_settings_when_another_process_decides(headcount_home: Path) -> None:
    """The owner connects a model and sets office hours from the terminal while the window is open: the
    dialog then opens on them, and choosing Rehearsal there disconnects the model for real."""
    from app.forms import InboxItem
    from app.settings_apply import apply_settings
    from engine.briefs import WorkingHours
    from engine.llm.types import Price

    async with _window_and_terminal(headcount_home) as (bridge, window_office, terminal):
        await terminal.connect_model("openai/llama3.1", api_base="http://127.0.0.1:11434/v1", price=Price(1, 2))
        london = WorkingHours.model_validate({"timezone": "Europe/London", "windows": ["mon-thu 08:30-16:00"]})
        await terminal.set_hours(None, london)
        bridge.state.add_inbox(InboxItem("appr_decided_elsewhere", "approval", "e1", "Ada wants to mail"))
        await window_office.parts.decisions.refresh()  # what the window's poll does every 3 s
        await asyncio.gather(*bridge._tasks)
        shown = bridge.settings
        assert (shown.provider, shown.model, shown.price_in_per_mtok) == ("local", "llama3.1", 1.0)
        assert (shown.office_hours, shown.always_on, shown.timezone) == (True, False, "Europe/London")
        assert (shown.days, shown.start, shown.end) == ((0, 1, 2, 3), "08:30", "16:00")

        assert "appr_decided_elsewhere" not in bridge.state.inbox
        applied = await apply_settings(window_office, shown, shown.model_copy(update={"provider": "rehearsal"}))
        assert applied.error is None and "back to rehearsal" in applied.done  # chosen in a dialog that showed it
        assert window_office.office_model() is None


async def test_saving_a_dialog_opened_before_a_terminal_change_does_not_undo_it(headcount_home: Path) -> None:
    """A Settings dialog opened, then a model connected and the office's ceiling set from the terminal: saving
    the dialog (unchanged, or with only the hours changed) keeps both; it applies only what the owner changed."""
    from engine.llm.types import Price

    async with _window_and_terminal(headcount_home) as (bridge, window_office, terminal):
        await terminal.set_ceiling("office", per_day=30.0)
        await window_office.parts.decisions.refresh()
        await asyncio.gather(*bridge._tasks)
        opened = bridge.settings  # the dialog opens on rehearsal and $30 a day
        assert (opened.provider, opened.office_ceiling_per_day) == ("rehearsal", 30.0)
        await terminal.connect_model("openai/llama3.1", api_base="http://127.0.0.1:11434/v1", price=Price(0, 0))
        await terminal.set_ceiling("office", per_day=75.0)
        await window_office.parts.decisions.refresh()  # the window's poll: its latest settings move on
        await asyncio.gather(*bridge._tasks)

        assert await bridge.save_settings(opened, opened) is None  # saved as it opened
        assert window_office.office_model() is not None  # still connected
        assert (await window_office.budget_report())["office"]["ceiling_per_day_usd"] == 75.0
        only_hours = opened.model_copy(update={"office_hours": True, "always_on": True, "timezone": "Europe/Paris"})
        assert await bridge.save_settings(only_hours, opened) is None
        assert window_office.office_model() is not None
        assert (await window_office.budget_report())["office"]["ceiling_per_day_usd"] == 75.0
        assert bridge.settings.provider == "local" and bridge.settings.office_ceiling_per_day == 75.0  # as stored


async def test_settings_that_do_not_hold_change_nothing(headcount_home: Path) -> None:
    """A bad time zone used to leave the new ceilings applied behind a pydantic dump; an empty model name
    connected 'openai/'."""
    from app.forms import SettingsValues
    from app.settings_apply import apply_settings
    from engine.office import Office
    from engine.paths import Home
    from engine.testing import ScriptedModel

    office = await Office.open(Home.resolve(headcount_home), model=ScriptedModel())
    try:
        before = await office.budget_report()
        old = SettingsValues()
        careless = old.model_copy(
            update={"office_ceiling_per_day": 1.0, "employee_ceiling_per_day": 0.1, "office_hours": True,
                    "always_on": False, "timezone": "London"}
        )  # fmt: skip
        applied = await apply_settings(office, old, careless)
        assert applied.error is not None and "expected an IANA timezone like 'Europe/London'" in applied.error
        blank = careless.model_copy(update={"timezone": ""})  # left empty: said, not taken for UTC
        applied = await apply_settings(office, old, blank)
        assert applied.error is not None and "give the time zone the office hours are in" in applied.error
        assert "pydantic" not in applied.error and "\n" not in applied.error and applied.done == []
        assert await office.budget_report() == before  # nothing applied
        empty = old.model_copy(update={"provider": "local", "model": "  ", "api_base": "http://127.0.0.1:11434/v1"})
        applied = await apply_settings(office, old, empty)
        assert applied.error == "give the model's name (e.g. llama3.1 for a local server)"
        assert office.office_model() is None
    finally:
        await office.close()


def test_spend_goes_on_the_employees_own_budget_day_not_the_machines() -> None:
    state = OfficeState(today=lambda: date(2026, 3, 2))  # the machine's date, in UTC
    hired(state)
    state.apply(SpendChanged(employee_id="e1", today_usd=0.4, ceiling_usd=2.0, day="2026-03-01"))  # Los Angeles
    state.apply(SpendChanged(employee_id="e1", today_usd=0.9, ceiling_usd=2.0, day="2026-03-01"))
    assert state.spend_history["e1"] == {date(2026, 3, 1): 0.9}
    assert state.employees["e1"].spend_day == date(2026, 3, 1)
    state.apply(SpendChanged(employee_id="e1", today_usd=0.1, ceiling_usd=2.0, day="2026-03-02"))  # midnight there
    assert state.spend_history["e1"] == {date(2026, 3, 1): 0.9, date(2026, 3, 2): 0.1}


async def test_a_watching_window_follows_hires_departures_and_work_in_the_working_process(
    headcount_home: Path, tmp_path: Path
) -> None:
    """While `headcount run` works the office, a window only watches: each re-read (every 3 s) shows who was
    hired or let go there, and who is at work."""
    import yaml

    from app.bridge import Bridge
    from engine.llm.types import Message, ModelReply, ToolSchema
    from engine.office import Office
    from engine.paths import Home
    from engine.testing import FunctionModel, ScriptedModel

    go_on, called = asyncio.Event(), asyncio.Event()

    async def slow(messages: list[Message], tools: list[ToolSchema]) -> ModelReply:
        called.set()
        await go_on.wait()
        return ModelReply(text="Done.", tool_calls=(), model="scripted/slow")

    front = {"id": "clerk", "title": "Clerk", "function": "ops", "goals": ["Tidy"], "tools": [], "probation": 0}
    brief = tmp_path / "clerk.md"
    brief.write_text(f"---\n{yaml.safe_dump(front)}---\nTidies.\n", encoding="utf-8")
    home = Home.resolve(headcount_home)
    working = await Office.open(home, model=FunctionModel(slow))
    window_office = await Office.open(home, model=ScriptedModel())
    bridge = Bridge(OfficeState(), window_office)
    unsubscribe = window_office.bus.subscribe(bridge._on_event)
    run: asyncio.Task[None] | None = None
    try:
        ada = await working.hire(working.brief_for(str(brief)), name="Ada")
        ben = await working.hire(working.brief_for(str(brief)), name="Ben")
        await bridge.reload()
        assert {r.name for r in bridge.state.employees.values()} == {"Ada", "Ben"}  # hired elsewhere: shown

        await working.dismiss("Ben")
        await working.assign("Ada", "Tidy the shelf")
        run = asyncio.create_task(working.run(until_idle=True))
        await called.wait()  # Ada is at work in the other process
        await bridge.reload()
        assert set(bridge.state.employees) == {ada.id}  # let go elsewhere: gone
        assert bridge.state.employees[ada.id].status == "thinking"  # at work in the other process
        assert ben.id not in window_office.employees  # nobody can give Ben work from the window
        go_on.set()
        await run
        await bridge.reload()
        assert bridge.state.employees[ada.id].status == "idle"  # done there: idle here too
    finally:
        go_on.set()
        if run is not None:
            await asyncio.gather(run, return_exceptions=True)
        unsubscribe()
        await window_office.close()
        await working.close()


async def test_a_refusal_is_told_to_the_owner_and_logged_without_a_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from app.bridge import Bridge
    from engine.errors import OwnerError

    async def refused() -> None:
        raise OwnerError("that deliverable was accepted already")

    async def broken() -> None:
        raise RuntimeError("a bug")

    bridge = Bridge(OfficeState(), None)
    caplog.set_level(logging.INFO, logger="app.bridge")
    await asyncio.gather(bridge.spawn(refused(), "accept it"), return_exceptions=True)
    assert bridge.state.notice == "Could not accept it: that deliverable was accepted already"
    assert [(r.levelname, r.exc_info) for r in caplog.records] == [("INFO", None)]  # an answer, not a fault
    caplog.clear()
    await asyncio.gather(bridge.spawn(broken(), "do it"), return_exceptions=True)
    assert [r.levelname for r in caplog.records] == ["ERROR"] and caplog.records[0].exc_info is not None
