"""Work goes on with the window closed: closing it hides it in the tray while the office keeps working.

A setting, on by default, kept in the office's database (`shell.keep_working`) and said once, on
the first close (`shell.keep_working_told`). The tray menu has Open, the setting, and Quit. Only
the owner's own close (the window's close button, a spontaneous event) hides the window; a close
from code (Quit, Ctrl-C in the terminal, the smoke test) quits as before. Where there is no tray
(Qt's offscreen platform, some desktops), or this window only watches an office another process
works, closing quits as before too.

Installed as an event filter on the window, so the window itself knows nothing of it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Protocol

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QSystemTrayIcon, QWidget

from app.state import OfficeState

KEEP_KEY = "shell.keep_working"  # "1" or "0"; absent means on
TOLD_KEY = "shell.keep_working_told"
START_HIDDEN = "HEADCOUNT_START_HIDDEN"  # "1": open in the tray, not on screen (login autostart)
KEEP_LABEL = "Keep working when the window is closed"
FIRST_CLOSE = (
    "Headcount is still working",
    "Your team keeps working while the window is closed. Open or quit Headcount from this icon; "
    f"untick “{KEEP_LABEL}” in its menu to quit when you close the window.",
)


class SettingStore(Protocol):
    """Where the shell keeps its settings: the office's database (`JournalSettings`), a dict in tests."""

    async def get(self, key: str) -> str | None: ...
    async def put(self, key: str, value: str) -> None: ...


class JournalSettings:
    """Shell settings as rows of the office's settings table, written like `app.bridge` writes its own."""

    def __init__(self, bridge: Any) -> None:
        self._bridge = bridge

    async def get(self, key: str) -> str | None:
        value: str | None = await self._bridge.office.history.shell_setting(key)
        return value

    async def put(self, key: str, value: str) -> None:
        await self._bridge.office.history.set_shell_setting(key, value)


@dataclass(frozen=True, slots=True)
class Tally:
    """What the owner would want to hear about after time away: work finished, items waiting."""

    finished: int
    waiting: int

    @classmethod
    def of(cls, state: OfficeState) -> Tally:
        done = sum(1 for t in state.tasks.values() if t.status in ("done", "review"))
        return cls(done, len(state.inbox))


def while_closed(before: Tally, after: Tally) -> str | None:
    """One sentence on what happened while the window was closed, or None when nothing did."""
    parts = []
    finished = after.finished - before.finished
    if finished > 0:
        parts.append(f"{finished} task{'s' if finished != 1 else ''} finished")
    if after.waiting > before.waiting:
        new = after.waiting - before.waiting
        parts.append(f"{new} new item{'s' if new != 1 else ''} wait{'s' if new == 1 else ''} for you in the inbox")
    return ("While the window was closed: " + "; ".join(parts) + ".") if parts else None


class KeepWorking(QObject):
    """Decides what closing the window means, and owns the tray menu's Open / setting / Quit entries."""

    def __init__(
        self,
        window: QWidget,
        state: OfficeState,
        tray: QSystemTrayIcon | None,
        store: SettingStore,
        *,
        enabled: bool = True,
        told: bool = False,
        working: Callable[[], bool] = lambda: True,
        spawn: Callable[[Coroutine[Any, Any, Any], str], object],
    ) -> None:
        super().__init__(window)
        self.window = window
        self.state = state
        self.tray = tray
        self.store = store
        self.enabled = enabled
        self.told = told
        self.quitting = False
        self.last_message: tuple[str, str] | None = None
        self._working = working
        self._spawn = spawn  # owns the task that saves a setting (the bridge's `spawn` in the app)
        self._away: Tally | None = None
        self.keep_action: QAction | None = None
        if tray is not None:
            self._build_menu(tray)
        window.installEventFilter(self)

    @classmethod
    async def install(cls, window: QWidget, bridge: Any) -> KeepWorking:
        """For the app: the window's tray (the notifier's), the settings from the database, the bridge's tasks."""
        store = JournalSettings(bridge)
        keep = await store.get(KEEP_KEY)
        told = await store.get(TOLD_KEY)
        notifier = getattr(window, "notifier", None)
        keeper = cls(
            window,
            bridge.state,
            getattr(notifier, "tray", None),
            store,
            enabled=keep != "0",
            told=told == "1",
            working=lambda: bool(bridge.working),
            spawn=bridge.spawn,
        )
        if os.environ.pop(START_HIDDEN, "") == "1" and keeper.tray is not None and keeper.enabled:
            keeper._away = Tally.of(keeper.state)
            window.hide()  # started at login (packaging/linux/headcount-autostart.desktop): straight to the tray
        return keeper

    def _build_menu(self, tray: QSystemTrayIcon) -> None:
        menu = tray.contextMenu() or QMenu(self.window)
        if not menu.actions():
            menu.addAction("Open Headcount", self.open)
        menu.addSeparator()
        self.keep_action = menu.addAction(KEEP_LABEL)
        self.keep_action.setCheckable(True)
        self.keep_action.setChecked(self.enabled)
        self.keep_action.toggled.connect(self.set_enabled)
        menu.addAction("Quit Headcount", self.quit)
        tray.setContextMenu(menu)

    # --- the owner's choices -------------------------------------------------------------------------

    def set_enabled(self, on: bool) -> None:
        self.enabled = on
        if self.keep_action is not None and self.keep_action.isChecked() != on:
            self.keep_action.setChecked(on)
        self._spawn(self.store.put(KEEP_KEY, "1" if on else "0"), "save the tray setting")

    def open(self) -> None:
        self.window.showNormal()
        self.window.raise_()
        self.window.activateWindow()

    def quit(self) -> None:
        """Close for good: the office stops between steps, everything journaled stays."""
        self.quitting = True
        self.window.close()

    # --- closing and reopening -----------------------------------------------------------------------

    def keeps_working(self) -> bool:
        """Whether the owner closing the window now would leave the office working in the tray."""
        return self.tray is not None and self.enabled and not self.quitting and self._working()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window:
            if event.type() == QEvent.Type.Close and event.spontaneous() and self.keeps_working():
                event.ignore()  # a QCloseEvent left accepted would close the window even when filtered
                self._hide()
                return True
            if event.type() == QEvent.Type.Show and self._away is not None:
                text = while_closed(self._away, Tally.of(self.state))
                self._away = None
                if text:
                    self.state.tell(text)
        return False

    def _hide(self) -> None:
        self._away = Tally.of(self.state)
        self.window.hide()
        if not self.told:
            self.told = True
            self.last_message = FIRST_CLOSE
            if self.tray is not None and self.tray.supportsMessages():
                self.tray.showMessage(*FIRST_CLOSE, QSystemTrayIcon.MessageIcon.Information, 10000)
            self._spawn(self.store.put(TOLD_KEY, "1"), "remember that the tray was explained")
