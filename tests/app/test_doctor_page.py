"""The doctor page: the window's Doctor button shows the same checks as `headcount doctor`, fixes under problems."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path

from pytestqt.qtbot import QtBot

from app.doctor_data import check_machine
from app.forms import DoctorRow
from app.panels.common import Card
from app.panels.doctor import DoctorDialog
from app.state import OfficeState
from app.theme import STYLESHEET
from app.window import MainWindow
from engine.connections import connect
from engine.doctor import examine
from engine.office import Office
from engine.paths import Home
from engine.testing import ScriptedModel
from engine.tools.mcp_config import McpServerConfig
from tests.app.fakes import TODAY, Recorder, populate

SOFTWARE = {"pipe": "p3tinydisplay", "interface": "TinyPanda", "pipe_type": "TinyGraphicsPipe", "software": True}


def texts(dialog: DoctorDialog) -> str:
    from PySide6.QtWidgets import QLabel

    return "\n".join(label.text() for label in dialog.list.findChildren(QLabel))


def test_the_doctor_button_opens_the_checks_with_each_fix_and_checks_again_online(qtbot: QtBot) -> None:
    state, commands = OfficeState(), Recorder()
    populate(state)
    commands.doctor_rows = [
        DoctorRow("graphics", "ok", "p3tinydisplay (TinyPanda, software rendering)"),
        DoctorRow("keyring", "warn", "no OS keyring found", "run a Secret Service in your desktop session"),
        DoctorRow(
            "apps", "problem", "MCP server 'files': no key stored as 'files_token'", "headcount key set files_token"
        ),
    ]
    window = MainWindow(state, commands, today=lambda: TODAY)
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.refreshed, timeout=5000, raising=False):
        pass
    window.doctor_button.click()
    dialog = window.findChild(DoctorDialog)
    assert dialog is not None and dialog.isVisible()
    ((online, graphics),) = commands.named("doctor")
    assert online is False and graphics == "no 3D scene attached", "a window without a 3D office says why"
    assert dialog.summary.text() == "1 problem found; each says how to fix it"
    shown = texts(dialog)
    assert "Fix: headcount key set files_token" in shown.replace("<b>", "").replace("</b>", "")
    assert "Connected app" in shown and "Warning" in shown and "Problem" in shown
    dialog.online.setChecked(True)
    commands.doctor_rows = [DoctorRow("graphics", "ok", "fine")]
    dialog.again.click()
    assert commands.named("doctor")[-1][0] is True
    assert dialog.summary.text() == "No problems found" and len(dialog.rows) == 1


async def test_the_page_runs_the_engines_checks_for_this_office_with_the_windows_own_pipe(
    qtbot: QtBot, headcount_home: Path
) -> None:
    office = await Office.open(Home.resolve(headcount_home), model=ScriptedModel())
    try:
        await connect(office, McpServerConfig(name="files", command=sys.executable, env={"TOKEN": "files_token"}))
        home = office.home
        dialog = DoctorDialog(
            lambda online: asyncio.ensure_future(check_machine(home, graphics=SOFTWARE, online=online))
        )
        qtbot.addWidget(dialog)
        dialog.resize(760, 900)
        dialog.show()
        assert dialog.summary.text() == "Checking…" and not dialog.again.isEnabled()
        assert dialog._pending is not None
        await dialog._pending
        cli = examine(home, now=datetime.now(UTC))  # what `headcount doctor` lists, in its order
        assert [r.name for r in dialog.rows] == [c.name for c in cli]
        by_name = {r.name: r for r in dialog.rows}
        assert "software rendering" in by_name["graphics"].summary, "the pipe the window draws with"
        assert by_name["apps"].status == "problem" and by_name["apps"].fix.endswith("headcount key set files_token")
        assert by_name["run lock"].status == "ok" and by_name["database"].status == "ok"
        assert dialog.again.isEnabled()
        dialog.setStyleSheet(STYLESHEET)  # as the app themes it, for the screenshot
        qtbot.waitUntil(lambda: all(card.isVisible() for card in dialog.list.findChildren(Card)))
        dialog.grab().save(str(headcount_home.parent / "doctor.png"))
    finally:
        await office.close()


def test_a_failing_check_run_is_shown_as_a_problem_not_lost(qtbot: QtBot) -> None:
    loop = asyncio.new_event_loop()
    try:
        future: asyncio.Future[list[DoctorRow]] = loop.create_future()
        dialog = DoctorDialog(lambda online: future)
        qtbot.addWidget(dialog)
        future.set_exception(OSError("disk gone"))
        loop.run_until_complete(asyncio.sleep(0))  # the done callback runs on the loop
        assert dialog.rows[0].status == "problem" and "disk gone" in dialog.rows[0].summary
    finally:
        loop.close()


def test_the_window_lets_a_closed_dialog_go_and_its_late_answer_touches_nothing(qtbot: QtBot) -> None:
    import shiboken6
    from PySide6.QtCore import QCoreApplication, QEvent

    state, commands = OfficeState(), Recorder()
    populate(state)
    window = MainWindow(state, commands)
    qtbot.addWidget(window)
    loop = asyncio.new_event_loop()
    try:
        future: asyncio.Future[list[DoctorRow]] = loop.create_future()
        commands.doctor = lambda online, graphics: future  # type: ignore[method-assign]  # still on their way
        dialog = window.open_doctor()
        assert dialog.summary.text() == "Checking…"
        dialog.reject()  # the owner closes it meanwhile
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
        assert not shiboken6.isValid(dialog), "a closed dialog is deleted, not kept hidden"
        errors: list[object] = []
        loop.set_exception_handler(lambda _, context: errors.append(context))
        future.set_result([DoctorRow("graphics", "ok", "fine")])
        loop.run_until_complete(asyncio.sleep(0))  # the late answer's callback runs, and touches nothing
        assert errors == []
    finally:
        loop.close()
