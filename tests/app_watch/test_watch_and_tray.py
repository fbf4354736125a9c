"""The real window over a real office while another process holds the run lock, and the tray setting in the database."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.bridge import Bridge
from app.office.state import OfficeState as SceneState
from app.state import OfficeState
from app.tray import KEEP_KEY, TOLD_KEY, JournalSettings, KeepWorking
from app.window import MainWindow
from engine.office import Office
from engine.paths import Home
from engine.runlock import RunLock
from tests.app_live.test_end_to_end import hire_at_work, replies, run_on_qt_loop, until, watch


def test_a_window_opened_while_another_process_works_watches_then_takes_over(
    qtbot: QtBot, qapp: QApplication, headcount_home: Path
) -> None:
    async def scenario() -> None:
        other = RunLock(headcount_home / "run.lock")
        other.acquire()  # `headcount run --background`, as far as this window can tell
        model = replies("Here it is.")
        office = await Office.open(Home.resolve(), model=model, colocate_writer=False)
        state, scene = OfficeState(), SceneState()  # the scene is fed, not drawn: the 2D plan is enough here
        bridge = Bridge(state, office, scene=scene.apply)
        window = MainWindow(state, bridge)
        watch(window)
        qtbot.addWidget(window)
        window.show()
        try:
            await bridge.open(starter_team=False)
            await until(lambda: state.engine_status.startswith("Watching"), "the window saying it watches")
            assert f"process {os.getpid()}" in state.engine_status and not bridge.working
            await until(lambda: window.engine_label.text().startswith("Watching"), "the status bar saying so")
            eid = await hire_at_work(bridge, "assistant", "Ada")
            bridge.assign(eid, "Write a two-line welcome")
            await until(
                lambda: any(t.title == "Write a two-line welcome" for t in state.tasks.values()), "the task recorded"
            )
            await asyncio.sleep(0)  # give a worker every chance to start, were one allowed to
            assert model.requests == [], "nothing is worked while another process holds the lock"
            other.release()
            await until(lambda: bridge.working, "the window taking over when the other process stops", limit_s=20)
            assert state.engine_status == "Ready" and "works the office now" in state.notice
            await until(
                lambda: any(t.status in ("review", "done") for t in state.tasks.values()),
                "the recorded task worked after the take-over",
            )
            assert eid in scene.actors, "the 3D office heard of the hire made while watching"
        finally:
            other.release()
            window.close()
            await window.stop_office()
            await bridge.close()

    run_on_qt_loop(qapp, scenario)


def test_the_tray_setting_lives_in_the_database_and_is_read_when_the_window_opens(
    qtbot: QtBot, qapp: QApplication
) -> None:
    async def scenario() -> None:
        office = await Office.open(Home.resolve(), model=replies("ok"), colocate_writer=False)
        state = OfficeState()
        bridge = Bridge(state, office)
        window = MainWindow(state, bridge)
        qtbot.addWidget(window)
        window.show()
        try:
            await bridge.open(starter_team=False)
            fresh = await KeepWorking.install(window, bridge)
            assert fresh.enabled and not fresh.told, "on by default, not yet said"
            window.removeEventFilter(fresh)
            await JournalSettings(bridge).put(KEEP_KEY, "0")
            await JournalSettings(bridge).put(TOLD_KEY, "1")
            again = await KeepWorking.install(window, bridge)
            assert not again.enabled and again.told
            assert not again.keeps_working(), "off: closing quits"
        finally:
            window.close()
            await bridge.close()

    run_on_qt_loop(qapp, scenario)
