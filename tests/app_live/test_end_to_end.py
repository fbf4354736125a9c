"""The real main window over a real office (temp home, engine test models), on Qt's loop via qasync."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path

import shiboken6
import yaml
from pydantic import BaseModel
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.bridge import Bridge
from app.office.state import OfficeState as SceneState
from app.state import OfficeState
from app.window import MainWindow
from engine.clock import RandomIds
from engine.llm.types import Message, ModelClient, ModelReply, ToolSchema
from engine.office import Office
from engine.paths import Home
from engine.testing import FunctionModel, ScriptedModel, call, say
from engine.tools.base import FunctionTool, Tool, ToolContext
from tests.qtloop import run_on_qt_loop

_changed: asyncio.Event | None = None  # set whenever the window catches up with the office


def watch(window: MainWindow) -> None:
    global _changed
    changed = _changed = asyncio.Event()
    window.refreshed.connect(changed.set)
    window.state.listen(lambda parts: changed.set())


async def until(condition: Callable[[], bool], what: str, limit_s: float = 15.0) -> None:
    """Wait for the window to change until `condition` holds; fail with `what` if it never does."""
    assert _changed is not None, "call watch(window) first"
    try:
        async with asyncio.timeout(limit_s):
            while not condition():
                _changed.clear()
                await _changed.wait()
    except TimeoutError:
        raise AssertionError(f"timed out waiting for: {what}") from None


Body = Callable[[MainWindow, Bridge], Awaitable[None]]


async def with_window(
    qtbot: QtBot, model: ModelClient, body: Body, *, starter: bool = False, tools: Iterable[Tool] = ()
) -> None:
    office = await Office.open(Home.resolve(), model=model, colocate_writer=False, tools=tools)
    state = OfficeState()
    scene = SceneState()
    bridge = Bridge(state, office, scene=scene.apply)
    window = MainWindow(state, bridge, scene=scene)
    watch(window)
    qtbot.addWidget(window)
    window.show()
    try:
        await bridge.open(starter_team=starter)
        await body(window, bridge)
    finally:
        window.close()
        await window.stop_office()
        await bridge.close()


def replies(text: str) -> FunctionModel:
    """Every request gets the same final reply (the starter team's count depends on the catalog)."""
    return FunctionModel(lambda messages, tools: say(text))


async def hire_at_work(bridge: Bridge, role: str, name: str) -> str:
    """Hire from the catalog and call in (catalog roles keep office hours; tests run at any hour)."""
    office = bridge.office
    assert office is not None
    record = await office.hire(office.brief_for(role), name=name)
    await office.call_in(record.id, hours=8)
    return record.id


def test_chat_becomes_a_task_and_the_roster_follows_the_employee(qtbot: QtBot, qapp: QApplication) -> None:
    async def scenario() -> None:
        gate = asyncio.Event()

        async def answer(messages: list[Message], tools: list[ToolSchema]) -> ModelReply:
            await gate.wait()  # lets the test see the "thinking" state
            return say("Done: three ideas are in ideas.md.")

        model = FunctionModel(answer)

        async def body(window: MainWindow, bridge: Bridge) -> None:
            eid = await hire_at_work(bridge, "assistant", "Ada")
            await until(lambda: window.roster.row_count() == 1, "Ada in the roster")
            panel = window.open_employee(eid)
            assert panel is not None
            qtbot.keyClicks(panel.message, "Give me three ideas for this week")
            qtbot.keyClick(panel.message, Qt.Key.Key_Return)
            row = lambda: window.roster.row_of(eid)  # noqa: E731
            await until(lambda: row().status == "thinking", "Ada thinking in the roster")  # type: ignore[union-attr]
            assert row().current_task == "Give me three ideas for this week"  # type: ignore[union-attr]
            gate.set()
            await until(lambda: "three ideas are in ideas.md" in panel.chat_text(), "the streamed reply in chat")
            await until(lambda: row().status == "idle", "Ada idle again")  # type: ignore[union-attr]
            # A new hire is on probation: the first deliverable waits in the inbox for review.
            await until(lambda: window.inbox.count() == 1, "the deliverable in the inbox")
            card = next(iter(window.inbox.cards.values()))
            assert card.item.kind == "review"
            qtbot.mouseClick(card.buttons["accept"], Qt.MouseButton.LeftButton)
            await until(lambda: window.inbox.count() == 0, "the inbox emptied")
            window.side.setCurrentWidget(window.tasks)
            await until(lambda: window.tasks.counts().get("Done") == 1, "the task done in the task list")
            assert len(model.requests) == 1 and model.requests[0].streamed

        await with_window(qtbot, model, body)

    run_on_qt_loop(qapp, scenario)


def test_first_run_calls_the_starter_team_in_and_it_starts_working(qtbot: QtBot, qapp: QApplication) -> None:
    async def scenario() -> None:
        model = replies("Hello! Here is my plan.")

        async def body(window: MainWindow, bridge: Bridge) -> None:
            rows = window.state.employees
            assert "assistant" in {r.role for r in rows.values()}
            assert len(rows) >= 2  # the assistant and (part of) the marketing team
            await until(lambda: not window.welcome.isHidden(), "the welcome banner")
            await until(lambda: "first day" in window.welcome.title.text(), "the first-day welcome")
            # Whatever the hour: everyone was called in, so everyone works now.
            await until(lambda: len(model.requests) >= len(rows), "every starter employee at work")
            await until(lambda: window.inbox.count() == len(rows), "first deliverables waiting for review")
            assert window.mode_label.text().count("Rehearsal") == 1

        await with_window(qtbot, model, body, starter=True)

    run_on_qt_loop(qapp, scenario)


def test_clicking_an_employee_in_the_3d_office_opens_its_panel(qtbot: QtBot, qapp: QApplication) -> None:
    async def scenario() -> None:
        async def body(window: MainWindow, bridge: Bridge) -> None:
            from app.panels.live_office import LiveOffice

            view = window.office_view
            assert isinstance(view, LiveOffice), "the 3D office is in the centre"
            eid = await hire_at_work(bridge, "assistant", "Ada")
            await hire_at_work(bridge, "content-writer", "Ben")
            await until(lambda: eid in view.scene.actors, "Ada in the 3D office")
            view.scene.settle()  # everyone at their desk, so the click lands where the projection says
            view.render_once()
            point = view.renderer.project(eid)
            assert point is not None
            qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=QPoint(int(point[0]), int(point[1])))
            await until(lambda: eid in window.employee_panels, "Ada's panel open")
            assert window.side.currentWidget() is window.employee_panels[eid]

        await with_window(qtbot, ScriptedModel(), body)

    run_on_qt_loop(qapp, scenario)


def test_brief_editor_shows_the_error_beside_the_field_and_saves_a_valid_edit(qtbot: QtBot, qapp: QApplication) -> None:
    async def scenario() -> None:
        async def body(window: MainWindow, bridge: Bridge) -> None:
            office = bridge.office
            assert office is not None
            eid = await hire_at_work(bridge, "assistant", "Ada")
            await until(lambda: eid in window.state.employees, "Ada in the window")
            panel = window.open_employee(eid)
            assert panel is not None
            panel.tabs.setCurrentIndex(1)
            await until(lambda: "title:" in panel.brief.toPlainText(), "Ada's brief in the editor")
            original = panel.brief.toPlainText()
            broken = original.replace("tone:", "tone_of_voice:", 1)
            panel.brief.setPlainText(broken)
            problem = panel.validate_now()
            assert problem is not None and "tone" in problem.message
            assert not panel.brief_error.isHidden() and "tone" in panel.brief_error.text()
            assert not panel.save_brief.isEnabled()
            # The engine checks again on save; its refusal is shown beside the field too.
            bridge.save_brief(eid, broken)
            await until(lambda: eid in window.state.brief_problems, "the engine's BriefError")
            await until(lambda: panel.brief_note.text() == "Not saved.", "the refusal shown")
            assert not panel.brief_error.isHidden()

            before = office.employees[eid].record.brief_version
            fixed = original.replace("\n---\n", "\n---\nAlways sign off as Ada.\n", 1)
            panel.brief.setPlainText(fixed)
            assert panel.validate_now() is None and panel.save_brief.isEnabled()
            qtbot.mouseClick(panel.save_brief, Qt.MouseButton.LeftButton)
            await until(lambda: office.employees[eid].record.brief_version != before, "a new brief version")
            assert "Always sign off as Ada." in office.employees[eid].brief.body
            await until(lambda: panel.brief_note.text().startswith("Saved as version"), "saved note")
            assert panel.brief_error.isHidden()

        await with_window(qtbot, ScriptedModel(), body)

    run_on_qt_loop(qapp, scenario)


def test_settings_apply_ceilings_and_the_audit_log_shows_and_verifies(qtbot: QtBot, qapp: QApplication) -> None:
    async def scenario() -> None:
        async def body(window: MainWindow, bridge: Bridge) -> None:
            office = bridge.office
            assert office is not None
            eid = await hire_at_work(bridge, "assistant", "Ada")
            await until(lambda: eid in window.state.employees, "Ada in the window")
            dialog = window.open_settings()
            dialog.office_ceiling.setValue(7.0)
            dialog.employee_ceiling.setValue(1.5)
            dialog.office_hours.setChecked(True)  # one schedule for everyone: weekends off, in Tokyo
            dialog.always_on.setChecked(False)
            dialog.timezone.setText("Asia/Tokyo")
            for box in dialog.days[5:]:
                box.setChecked(False)
            qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
            # Saved without an error (one keeps it open, saying why), closed, and let go: not kept hidden
            await until(lambda: not shiboken6.isValid(dialog), "the settings applied, closed and deleted")
            hours = office.parts.roster.hours_of(office.employees[eid])
            assert hours.timezone == "Asia/Tokyo" and str(hours.windows[0]).startswith("mon-fri ")
            report = await office.budget_report()
            assert report["office"]["per_day_usd"] == 7.0
            assert [e["per_day_usd"] for e in report["employees"]] == [1.5]
            await until(lambda: "of $7.00" in window.spend_label.text(), "the office ceiling in the status bar")

            window.side.setCurrentWidget(window.audit)
            await until(lambda: window.audit.row_count() >= 3, "audit rows from the real log")
            kinds = {r.kind for r in window.audit.visible_rows()}
            assert {"hired", "budget_changed", "owner_action"} <= kinds
            window.audit.set_filter(kind="budget_changed")
            await until(lambda: {r.kind for r in window.state.audit} == {"budget_changed"}, "the log queried by kind")
            assert window.audit.row_count() == 2  # office and Ada
            qtbot.mouseClick(window.audit.verify_button, Qt.MouseButton.LeftButton)
            await until(lambda: "Verified" in window.audit.verified.text(), "the chain verified")

        await with_window(qtbot, ScriptedModel(), body)

    run_on_qt_loop(qapp, scenario)


class Note(BaseModel):
    to: str
    text: str


def test_approve_with_edits_runs_the_tool_with_the_edited_arguments(
    qtbot: QtBot, qapp: QApplication, tmp_path: Path
) -> None:
    sent: list[dict[str, str]] = []

    async def send_note(ctx: ToolContext, args: Note) -> str:
        sent.append(args.model_dump())
        return f"sent to {args.to}"

    tool = FunctionTool("send_note", "Send a note to a client", Note, send_note, risk="external_comm", idempotent=False)
    brief = {
        "id": "courier",
        "title": "Courier",
        "function": "ops",
        "goals": ["Deliver notes"],
        "tone": "Brief",
        "tools": ["send_note"],
        "hours": "24/7",
        "probation": 0,
    }
    path = tmp_path / "courier.md"
    path.write_text(f"---\n{yaml.safe_dump(brief, sort_keys=False)}---\nSends notes.\n")

    async def scenario() -> None:
        model = ScriptedModel(call("send_note", to="client@example.test", text="Hi"), say("Sent it."))

        async def body(window: MainWindow, bridge: Bridge) -> None:
            office = bridge.office
            assert office is not None
            record = await office.hire(office.brief_for(str(path)), name="Cy")
            await office.assign(record.id, "Send the client a note")
            await until(lambda: window.inbox.count() == 1, "the approval in the inbox")
            card = next(iter(window.inbox.cards.values()))
            assert card.item.kind == "approval" and card.item.tool == "send_note"
            qtbot.mouseClick(card.buttons["edit"], Qt.MouseButton.LeftButton)
            assert card.arguments is not None
            card.arguments.setPlainText(json.dumps({"to": "client@example.test", "text": "Hello, edited"}))
            qtbot.mouseClick(card.buttons["approve"], Qt.MouseButton.LeftButton)
            await until(lambda: sent == [{"to": "client@example.test", "text": "Hello, edited"}], "the edited call")
            await until(lambda: model.remaining == 0 and window.inbox.count() == 0, "the task finished")
            model.assert_complete()

        await with_window(qtbot, model, body, tools=[tool])

    run_on_qt_loop(qapp, scenario)


def test_work_and_decisions_from_another_process_reach_the_running_window(qtbot: QtBot, qapp: QApplication) -> None:
    """`headcount assign` and `headcount budget set` in a terminal while the window works."""

    async def scenario() -> None:
        gate = asyncio.Event()

        async def answer(messages: list[Message], tools: list[ToolSchema]) -> ModelReply:
            await gate.wait()  # keeps the task running while the test looks at the window
            return say("Done.")

        async def body(window: MainWindow, bridge: Bridge) -> None:
            eid = await hire_at_work(bridge, "assistant", "Ada")
            await until(lambda: eid in window.state.employees, "Ada in the window")
            terminal = await Office.open(Home.resolve(), model=ScriptedModel(), ids=RandomIds())
            try:
                task = await terminal.assign("Ada", "Reconcile the March invoices")
                await terminal.set_ceiling("Ada", per_day=1.25)
            finally:
                await terminal.close()
            await until(lambda: task.id in window.state.tasks, "the task in the window's task list")
            scene = window.office_view.scene  # type: ignore[attr-defined]
            await until(lambda: scene.actors[eid].task_title == task.title, "Ada at the task in the 3D office")
            await until(lambda: window.state.employees[eid].ceiling == 1.25, "the new ceiling in the window")
            gate.set()
            await until(lambda: window.state.tasks[task.id].status == "review", "the task delivered for review")

        await with_window(qtbot, FunctionModel(answer), body)

    run_on_qt_loop(qapp, scenario)


def test_one_employees_ceiling_and_an_extra_for_today_are_set_from_their_panel(
    qtbot: QtBot, qapp: QApplication
) -> None:
    async def scenario() -> None:
        async def body(window: MainWindow, bridge: Bridge) -> None:
            office = bridge.office
            assert office is not None
            ada = await hire_at_work(bridge, "assistant", "Ada")
            ben = await hire_at_work(bridge, "assistant", "Ben")
            await until(lambda: {ada, ben} <= set(window.state.employees), "both in the window")
            panel = window.open_employee(ada)
            assert panel is not None
            panel.tabs.setCurrentIndex(2)  # Budget
            panel.ceiling_input.setValue(3.25)
            qtbot.mouseClick(panel.set_ceiling_button, Qt.MouseButton.LeftButton)
            await until(lambda: panel.spend_label.text().endswith("$3.25"), "Ada's new ceiling in her panel")
            panel.more_input.setValue(2.0)
            qtbot.mouseClick(panel.allow_more_button, Qt.MouseButton.LeftButton)
            await until(lambda: panel.spend_label.text().endswith("$5.25"), "today's limit with the extra")
            assert panel.ceiling_input.value() == 3.25  # the box keeps every day's ceiling, not today's limit
            assert "$2.00 extra allowed today" in panel.spend_note.text()

            report = await office.budget_report()  # durable, and Ben's untouched
            by_name = {e["name"]: e for e in report["employees"]}
            assert (by_name["Ada"]["ceiling_per_day_usd"], by_name["Ada"]["per_day_usd"]) == (3.25, 5.25)
            assert by_name["Ben"]["per_day_usd"] != 3.25
            second = await Office.open(office.home)  # what another process sees
            try:
                again = {e["name"]: e for e in (await second.budget_report())["employees"]}
                assert (again["Ada"]["ceiling_per_day_usd"], again["Ada"]["per_day_usd"]) == (3.25, 5.25)
            finally:
                await second.close()

        await with_window(qtbot, ScriptedModel(), body)

    run_on_qt_loop(qapp, scenario)


def test_send_home_in_settings_ends_a_call_in(qtbot: QtBot, qapp: QApplication) -> None:
    async def scenario() -> None:
        async def body(window: MainWindow, bridge: Bridge) -> None:
            office = bridge.office
            assert office is not None
            ada = await hire_at_work(bridge, "assistant", "Ada")  # called in for 8 hours
            await until(lambda: ada in window.state.employees, "Ada in the window")
            assert office.employees[ada].called_in_until is not None
            dialog = window.open_settings()
            dialog.call_who.setCurrentIndex(dialog.call_who.findData(ada))
            qtbot.mouseClick(dialog.send_home_button, Qt.MouseButton.LeftButton)
            await until(lambda: office.employees[ada].called_in_until is None, "Ada's call-in ended")
            await until(lambda: "Sent home: Ada" in window.statusBar().currentMessage(), "the window says so")
            dialog.close()

        await with_window(qtbot, ScriptedModel(), body)

    run_on_qt_loop(qapp, scenario)
