"""The main window with synthetic state and a command recorder."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.state import OfficeState
from app.window import MainWindow
from engine.events import EmployeeLeft, EscalationRaised, StatusChanged
from tests.app.fakes import TODAY, Recorder, populate


def make(qtbot: QtBot) -> tuple[MainWindow, OfficeState, Recorder]:
    state = OfficeState(today=lambda: TODAY)
    commands = Recorder()
    window = MainWindow(state, commands, today=lambda: TODAY)
    qtbot.addWidget(window)
    window.show()
    return window, state, commands


def test_window_shows_roster_inbox_badge_and_status(qtbot: QtBot) -> None:
    window, state, _ = make(qtbot)
    populate(state)
    qtbot.waitUntil(lambda: window.roster.row_count() == 5)
    qtbot.waitUntil(lambda: window.inbox.count() == 3)
    assert window.side.tabText(0) == "Inbox (3)"
    assert window.windowTitle() == "(3) Headcount"
    assert "Rehearsal" in window.mode_label.text()
    assert window.spend_label.text() == "Today $3.13 (simulated)"
    assert window.notifier.last_message is not None  # notification (or its offscreen record) went out
    state.apply(EscalationRaised(employee_id="emp-elena", task_id=None, reason="no access to the bank feed"))
    qtbot.waitUntil(lambda: window.side.tabText(0) == "Inbox (4)")
    state.apply(StatusChanged(employee_id="emp-elena", status="blocked", detail="no access"))
    qtbot.waitUntil(lambda: window.roster.row_of("emp-elena").status == "blocked")  # type: ignore[union-attr]
    held = sum(1 for e in state.employees.values() if e.status in ("awaiting_approval", "blocked", "over_budget"))
    qtbot.waitUntil(lambda: window.people_label.text().endswith(f" · {held} held up"))  # not counted as working


def test_clicking_the_roster_opens_the_employee_and_chat_assigns(qtbot: QtBot) -> None:
    window, state, commands = make(qtbot)
    populate(state)
    qtbot.waitUntil(lambda: window.roster.row_count() == 5)
    view = window.roster.view
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=window.roster.cell_rect("emp-ada", 1).center())
    qtbot.waitUntil(lambda: "emp-ada" in window.employee_panels)
    panel = window.employee_panels["emp-ada"]
    assert window.side.currentWidget() is panel
    assert commands.named("employee_opened") == [("emp-ada",)]
    assert "three are overdue" in panel.chat_text().lower() and "REHEARSAL" in panel.chat_text()
    qtbot.keyClicks(panel.message, "Also chase the overdue ones")
    qtbot.keyClick(panel.message, Qt.Key.Key_Return)
    assert commands.named("assign") == [("emp-ada", "Also chase the overdue ones")]
    window.close_employee("emp-ada")
    assert "emp-ada" not in window.employee_panels


def test_letting_go_from_the_panel_reaches_the_office_and_closes_it_once_they_left(qtbot: QtBot) -> None:
    window, state, commands = make(qtbot)
    populate(state)
    qtbot.waitUntil(lambda: window.roster.row_count() == 5)
    panel = window.open_employee("emp-ada")
    assert panel is not None and panel.let_go_button.isVisibleTo(panel)
    panel.let_go()  # what the button does once the owner confirms
    assert commands.named("let_go") == [("emp-ada",)]
    assert "emp-ada" in window.employee_panels  # not before the office says so: it may refuse (mid-task)
    state.apply(EmployeeLeft(employee_id="emp-ada"))
    qtbot.waitUntil(lambda: "emp-ada" not in window.employee_panels)


def test_welcome_banner_dismisses_and_inbox_actions_reach_commands(qtbot: QtBot) -> None:
    window, state, commands = make(qtbot)
    populate(state)
    state.set_welcome(True)
    qtbot.waitUntil(lambda: not window.welcome.isHidden())
    qtbot.mouseClick(window.welcome.dismiss_button, Qt.MouseButton.LeftButton)
    assert window.welcome.isHidden() and commands.named("dismiss_welcome") == [()]
    qtbot.waitUntil(lambda: window.inbox.count() == 3)
    qtbot.mouseClick(window.inbox.cards["ap-1"].buttons["approve"], Qt.MouseButton.LeftButton)
    assert commands.named("approve") == [("ap-1",)]
    window.side.setCurrentWidget(window.audit)
    assert commands.named("audit_refresh") == [()]
    qtbot.waitUntil(lambda: window.audit.row_count() == 24)


def test_someone_let_go_from_the_terminal_has_their_panel_closed(qtbot: QtBot) -> None:
    window, state, _ = make(qtbot)
    populate(state)
    qtbot.waitUntil(lambda: window.roster.row_count() == 5)
    assert window.open_employee("emp-ada") is not None
    state.apply(EmployeeLeft(employee_id="emp-ada"))  # the office heard it from another process
    qtbot.waitUntil(lambda: "emp-ada" not in window.employee_panels)
    assert window.roster.row_count() == 4
