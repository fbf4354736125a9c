"""Closing the window keeps the office working in the tray; Quit, no tray, or a close from code still quit."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QApplication, QSystemTrayIcon
from pytestqt.qtbot import QtBot

from app.forms import InboxItem, TaskRow
from app.state import OfficeState
from app.tray import FIRST_CLOSE, KEEP_KEY, KEEP_LABEL, TOLD_KEY, KeepWorking, Tally, while_closed
from app.window import MainWindow
from tests.app.fakes import TODAY, Recorder


class OwnersClose(QCloseEvent):
    """The close button of the window manager: Qt marks those spontaneous (a close from code is not)."""

    def spontaneous(self) -> bool:
        return True


class DictStore:
    def __init__(self, **values: str) -> None:
        self.values = dict(values)

    async def get(self, key: str) -> str | None:
        return self.values.get(key)

    async def put(self, key: str, value: str) -> None:
        self.values[key] = value


def run_now(coro: Coroutine[Any, Any, Any], what: str) -> None:
    asyncio.run(coro)  # the app hands these to the bridge's owned tasks; here they simply finish


def make(
    qtbot: QtBot, *, tray: bool = True, working: bool = True, **settings: str
) -> tuple[MainWindow, KeepWorking, DictStore, list[bool]]:
    state = OfficeState(today=lambda: TODAY)
    window = MainWindow(state, Recorder(), today=lambda: TODAY)
    qtbot.addWidget(window)
    window.show()
    closed: list[bool] = []
    window.closed.connect(lambda: closed.append(True))
    store = DictStore(**settings)
    icon = QSystemTrayIcon(window) if tray else None  # offscreen has no tray: the tests give it one
    keeper = KeepWorking(
        window,
        state,
        icon,
        store,
        enabled=settings.get(KEEP_KEY) != "0",
        told=settings.get(TOLD_KEY) == "1",
        working=lambda: working,
        spawn=run_now,
    )
    return window, keeper, store, closed


def owner_closes(window: MainWindow) -> None:
    QApplication.sendEvent(window, OwnersClose())


def test_closing_hides_the_window_and_says_so_once(qtbot: QtBot) -> None:
    window, keeper, store, closed = make(qtbot)
    owner_closes(window)
    assert not window.isVisible() and closed == [], "the office goes on working: the window only hid"
    assert keeper.last_message == FIRST_CLOSE and store.values[TOLD_KEY] == "1"
    keeper.open()
    assert window.isVisible()
    keeper.last_message = None
    owner_closes(window)
    assert not window.isVisible() and keeper.last_message is None, "said once, on the first close only"


def test_quit_in_the_tray_menu_closes_for_good_even_while_hidden(qtbot: QtBot) -> None:
    window, keeper, _, closed = make(qtbot)
    owner_closes(window)
    assert closed == []
    menu = keeper.tray.contextMenu() if keeper.tray is not None else None
    assert menu is not None
    labels = [a.text() for a in menu.actions() if a.text()]
    assert labels == ["Open Headcount", KEEP_LABEL, "Quit Headcount"]
    next(a for a in menu.actions() if a.text() == "Quit Headcount").trigger()
    assert closed == [True]


def test_the_setting_is_stored_and_unticked_closing_quits(qtbot: QtBot) -> None:
    window, keeper, store, closed = make(qtbot)
    assert keeper.keep_action is not None and keeper.keep_action.isChecked(), "on by default"
    keeper.keep_action.setChecked(False)
    assert store.values[KEEP_KEY] == "0"
    owner_closes(window)
    assert closed == [True]


def test_a_stored_off_setting_is_read_back(qtbot: QtBot) -> None:
    window, keeper, _, closed = make(qtbot, **{KEEP_KEY: "0", TOLD_KEY: "1"})
    assert keeper.keep_action is not None and not keeper.keep_action.isChecked()
    owner_closes(window)
    assert closed == [True]


def test_without_a_tray_closing_quits_as_before(qtbot: QtBot) -> None:
    window, keeper, _, closed = make(qtbot, tray=False)
    owner_closes(window)
    assert closed == [True] and keeper.last_message is None


def test_a_close_from_code_quits_ctrl_c_and_the_smoke_test_rely_on_it(qtbot: QtBot) -> None:
    window, _, _, closed = make(qtbot)
    window.close()
    assert closed == [True]


def test_a_window_that_only_watches_another_process_quits_on_close(qtbot: QtBot) -> None:
    window, _, _, closed = make(qtbot, working=False)
    owner_closes(window)
    assert closed == [True]


def test_reopening_tells_what_happened_while_the_window_was_closed(qtbot: QtBot) -> None:
    window, keeper, _, _ = make(qtbot)
    state = keeper.state
    state.load_tasks([TaskRow("t1", "emp-ada", "Draft the newsletter", "running")])
    owner_closes(window)
    state.load_tasks(
        [TaskRow("t1", "emp-ada", "Draft the newsletter", "review"), TaskRow("t2", "emp-ada", "x", "done")]
    )
    state.add_inbox(InboxItem(id="dlv-1", kind="review", employee_id="emp-ada", title="Ada delivered", body=""))
    keeper.open()
    assert state.notice == "While the window was closed: 2 tasks finished; 1 new item waits for you in the inbox."


def test_while_closed_says_nothing_when_nothing_happened() -> None:
    assert while_closed(Tally(3, 1), Tally(3, 1)) is None
    assert while_closed(Tally(3, 1), Tally(4, 0)) == "While the window was closed: 1 task finished."
    assert (
        while_closed(Tally(0, 0), Tally(0, 2)) == "While the window was closed: 2 new items wait for you in the inbox."
    )
