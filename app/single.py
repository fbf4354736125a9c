"""One window per office: a second launch raises the running window instead of opening a second office.

The first window listens on a local socket named after the data folder (and the user); a later launch
for the same folder connects, asks the window to come to the front, hears that it did, and exits 0
saying so. A socket left behind by a crashed window answers no one; it is removed and taken over.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtNetwork import QLocalServer, QLocalSocket
from PySide6.QtWidgets import QWidget

ASK = b"raise\n"
DONE = b"raised\n"
WAIT_MS = 5000  # a running window answers within one turn of its event loop (slow on a busy machine)


def server_name(home: Path) -> str:
    """The socket's name for this data folder: the same for every launch of this user, nobody else's."""
    user = str(os.getuid()) if hasattr(os, "getuid") else os.environ.get("USERNAME", "")
    digest = hashlib.sha256(f"{user}:{home.resolve()}".encode()).hexdigest()[:16]
    return f"headcount-{digest}"


def ask_running(name: str, wait_ms: int = WAIT_MS) -> bool | None:
    """Ask a running window to come to the front: True when it did, False when none runs, None when one
    holds the socket but did not answer in time (it may be busy, or stuck)."""
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(wait_ms):
        return False
    socket.write(ASK)
    socket.flush()
    answered = b""
    while DONE not in answered and socket.waitForReadyRead(wait_ms):
        answered += bytes(socket.readAll().data())
    socket.disconnectFromServer()
    return True if DONE in answered else None


class SingleInstance(QObject):
    """The running window's side: `listen()` once, then `on_raise` runs for every later launch."""

    def __init__(self, name: str, on_raise: Callable[[], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._on_raise = on_raise
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self.server.newConnection.connect(self._accept)
        self.raised = 0

    def listen(self) -> bool:
        """Take the name; a stale socket (its window crashed) is removed first. False when it cannot be had."""
        if self.server.listen(self.name):
            return True
        probe = QLocalSocket()
        probe.connectToServer(self.name)
        if not probe.waitForConnected(200):  # nobody behind it: left by a crash
            QLocalServer.removeServer(self.name)
            return self.server.listen(self.name)
        return False

    @staticmethod
    def bring_forward(window: QWidget) -> Callable[[], None]:
        """What a later launch does to the running window: show it (from the tray too), on top, focused."""

        def forward() -> None:
            window.showNormal()
            window.raise_()
            window.activateWindow()
            print("headcount: another launch asked for this window; it is in front", flush=True)

        return forward

    def close(self) -> None:
        self.server.close()

    def _accept(self) -> None:
        while (socket := self.server.nextPendingConnection()) is not None:
            socket.readyRead.connect(lambda s=socket: self._read(s))
            socket.disconnected.connect(socket.deleteLater)
            if socket.bytesAvailable():
                self._read(socket)

    def _read(self, socket: QLocalSocket) -> None:
        if ASK.strip() not in bytes(socket.readAll().data()):
            return
        self.raised += 1
        self._on_raise()
        socket.write(DONE)
        socket.flush()
