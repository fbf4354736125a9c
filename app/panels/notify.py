"""Desktop notification and tray badge when something waits on the owner.

Where no system tray exists (Qt's offscreen platform, some Wayland desktops) it degrades to the
window title and the inbox badge; `last_message` records what would have been shown.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QMenu, QSystemTrayIcon, QWidget

from app.forms import InboxItem
from app.theme import app_icon

KIND_TITLES = {"approval": "Approval needed", "review": "Deliverable to review", "escalation": "Someone needs you"}


class Notifier:
    def __init__(self, parent: QWidget, on_activate: Callable[[], None]) -> None:
        self.count = 0
        self.last_message: tuple[str, str] | None = None
        self.tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = QSystemTrayIcon(app_icon(), parent)
            self.tray.setToolTip("Headcount")
            menu = QMenu(parent)
            menu.addAction("Open Headcount", on_activate)
            self.tray.setContextMenu(menu)
            self.tray.activated.connect(lambda _reason: on_activate())
            self.tray.messageClicked.connect(on_activate)
            self.tray.show()

    @property
    def available(self) -> bool:
        return self.tray is not None

    def update(self, count: int, newest: InboxItem | None, name_of: Callable[[str], str]) -> None:
        """Badge the tray icon; notify only when the count grows (not on every refresh)."""
        grew = count > self.count
        self.count = count
        if self.tray is not None:
            self.tray.setIcon(app_icon(count))
            self.tray.setToolTip(f"Headcount — {count} waiting on you" if count else "Headcount")
        if grew and newest is not None:
            title = f"{KIND_TITLES[newest.kind]}: {name_of(newest.employee_id)}"
            self.last_message = (title, newest.title)
            if self.tray is not None and self.tray.supportsMessages():
                self.tray.showMessage(title, newest.title, app_icon(count), 8000)

    def notify(self, title: str, message: str) -> None:
        """A one-off notification (a team's weekly summary), not counted in the badge."""
        self.last_message = (title, message)
        if self.tray is not None and self.tray.supportsMessages():
            self.tray.showMessage(title, message, app_icon(self.count), 8000)
