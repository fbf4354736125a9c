"""The real main window over a real office (temp home, test model), on Qt's loop via qasync."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import pytest
import qasync
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

pytest.importorskip(
    "engine.llm.provider", reason="the engine prices every call through the model layer (not merged yet)"
)

from app.bridge import Bridge
from app.state import OfficeState
from app.window import MainWindow
from engine.orchestrator import Office
from engine.paths import Home
from tests.app.models import StreamingReplyModel


def run_on_qt_loop(qapp: QApplication, make: Callable[[], Coroutine[Any, Any, None]]) -> None:
    qapp.setQuitOnLastWindowClosed(False)  # closing the window must not stop the loop mid-test
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(make())
    finally:
        loop.close()
        asyncio.set_event_loop(None)


async def until(condition: Callable[[], bool], what: str, limit_s: float = 15.0) -> None:
    """Wait on state (polling it), failing with `what` if it never holds."""
    deadline = asyncio.get_running_loop().time() + limit_s
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for: {what}")
        await asyncio.sleep(0.01)


async def with_window(
    qtbot: QtBot, model: StreamingReplyModel, body: Callable[[MainWindow, Bridge], Awaitable[None]], starter: bool
) -> None:
    office = await Office.open(Home.resolve(), model=model, colocate_writer=False)
    state = OfficeState()
    bridge = Bridge(state, office)
    window = MainWindow(state, bridge)
    qtbot.addWidget(window)
    window.show()
    try:
        await bridge.open(starter_team=starter)
        await body(window, bridge)
    finally:
        window.close()
        await bridge.close()


def test_chat_becomes_a_task_and_the_roster_follows_the_employee(qtbot: QtBot, qapp: QApplication) -> None:
    async def scenario() -> None:
        gate = asyncio.Event()
        model = StreamingReplyModel("Done: three ideas are in ideas.md.", gate=gate)

        async def body(window: MainWindow, bridge: Bridge) -> None:
            assert bridge.hire("assistant", "Ada") is None
            await until(lambda: window.roster.row_count() == 1, "Ada in the roster")
            eid = window.roster.model.rows[0].id
            panel = window.open_employee(eid)
            assert panel is not None
            qtbot.keyClicks(panel.message, "Give me three ideas for this week")
            qtbot.keyClick(panel.message, Qt.Key.Key_Return)
            row = lambda: window.roster.row_of(eid)  # noqa: E731
            await until(lambda: row().status == "thinking", "Ada thinking in the roster")  # type: ignore[union-attr]
            assert row().current_task == "Give me three ideas for this week"  # type: ignore[union-attr]
            gate.set()
            await until(lambda: "three ideas are in ideas.md" in panel.chat_text(), "the streamed reply in chat")
            assert "REHEARSAL" in panel.chat_text()
            await until(lambda: row().status == "idle", "Ada idle again")  # type: ignore[union-attr]
            # A new hire is on probation: the first deliverable waits in the inbox for review.
            await until(lambda: window.inbox.count() == 1, "the deliverable in the inbox")
            card = next(iter(window.inbox.cards.values()))
            assert card.item.kind == "review"
            qtbot.mouseClick(card.buttons["accept"], Qt.MouseButton.LeftButton)
            await until(lambda: window.inbox.count() == 0, "the inbox emptied")
            window.side.setCurrentWidget(window.tasks)
            await until(lambda: window.tasks.counts().get("Done") == 1, "the task done in the task list")
            assert len(model.requests) == 1

        await with_window(qtbot, model, body, starter=False)

    run_on_qt_loop(qapp, scenario)


def test_first_run_hires_a_starter_team_that_starts_working(qtbot: QtBot, qapp: QApplication) -> None:
    async def scenario() -> None:
        model = StreamingReplyModel("Hello! Here is my plan.")

        async def body(window: MainWindow, bridge: Bridge) -> None:
            rows = window.state.employees
            assert "assistant" in {r.role for r in rows.values()}
            assert len(rows) >= 2  # the assistant and (part of) the marketing team
            await until(lambda: not window.welcome.isHidden(), "the invitation to connect a model")
            await until(lambda: len(model.requests) >= len(rows), "every starter employee at work")
            await until(lambda: window.inbox.count() == len(rows), "first deliverables waiting for review")
            assert window.mode_label.text().count("Rehearsal") == 1

        await with_window(qtbot, model, body, starter=True)

    run_on_qt_loop(qapp, scenario)
