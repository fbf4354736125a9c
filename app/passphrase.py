"""The key file's passphrase, asked by the window at start where there is no OS keyring.

Asked once, before the office opens: the first time the owner chooses it (typed twice); after that
they type it, and a wrong one says so and asks again. Cancel opens the office with the keys
unavailable and a banner that says so (with an Unlock button for later). The unlocking itself is
`engine.secretfile`'s (`choose`, `unlock`); nothing in the engine ever asks.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from engine.secretfile import FILE_NAME, PASSPHRASE_ENV, WrongPassphrase, choose, unlock
from engine.secrets import Need, passphrase_needed

LOCKED = (
    "Your keys are locked: the key file was not opened, so model keys and connected apps cannot be used "
    "until you unlock it."
)

log = logging.getLogger(__name__)


class PassphraseDialog(QDialog):
    """Choose (`need="choose"`) or enter (`"enter"`) the passphrase of the key file at `path`."""

    def __init__(self, need: Need, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.need = need
        self.path = path
        self.setWindowTitle("Choose a passphrase for your keys" if need == "choose" else "Unlock your keys")
        self.setModal(True)
        intro = (
            f"There is no keyring on this computer, so Headcount keeps your keys in an encrypted file, {path}. "
            "Choose a passphrase for it; you will type it each time Headcount starts. It is never stored: "
            "without it the keys cannot be read."
            if need == "choose"
            else f"Type the passphrase of your key file, {path}."
        )
        self.intro = QLabel(intro)
        self.intro.setWordWrap(True)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.again = QLineEdit()
        self.again.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = QLabel()
        self.error.setObjectName("status")
        self.error.setWordWrap(True)
        self.error.hide()
        form = QFormLayout()
        form.addRow("Passphrase", self.passphrase)
        if need == "choose":
            form.addRow("Again", self.again)
        else:
            self.again.hide()
        self.buttons = QDialogButtonBox()
        self.ok = self.buttons.addButton(
            "Set passphrase" if need == "choose" else "Unlock", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.cancel = self.buttons.addButton("Open without keys", QDialogButtonBox.ButtonRole.RejectRole)
        self.ok.setDefault(True)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        hint = QLabel(f"A headless run gives it in the environment variable {PASSPHRASE_ENV} instead.")
        hint.setObjectName("muted")
        hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(hint)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(460)

    def submit(self) -> None:
        """Try what was typed: accepted when it opens (or sets) the key file, else say why and ask again."""
        try:
            if self.need == "choose":
                choose(self.path, self.passphrase.text(), self.again.text())
            else:
                unlock(self.path, self.passphrase.text())
        except (WrongPassphrase, ValueError) as exc:
            text = str(exc)[:1].upper() + str(exc)[1:]
            if self.need == "enter":
                text = "That passphrase does not open the key file; try again."
            self.error.setText(text)
            self.error.show()
            self.adjustSize()  # room for the error line, without squeezing the text above it
            self.passphrase.clear()
            self.again.clear()
            self.passphrase.setFocus()
            return
        self.accept()


async def ask_for_keys(parent: QWidget | None, home: Path) -> bool:
    """Ask for the passphrase when this machine needs one and none was given; False when the owner
    cancelled (the keys stay locked). Does not block the event loop while asking."""
    need = passphrase_needed(home)
    if need is None:
        return True
    dialog = PassphraseDialog(need, home / FILE_NAME, parent)
    log.info("asking for the passphrase of %s (%s)", home / FILE_NAME, need)
    answer: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def finished(result: int) -> None:
        if not answer.done():
            answer.set_result(result)

    dialog.finished.connect(finished)
    closed = getattr(parent, "closed", None)  # the window closing (its button, Ctrl-C) ends the question too
    if closed is not None:
        closed.connect(dialog.reject)
    dialog.open()
    try:
        return await answer == QDialog.DialogCode.Accepted
    finally:
        dialog.deleteLater()


class LockedBanner(QFrame):
    """The notice across the top of the window while the keys are locked, with a way to unlock them."""

    def __init__(self, on_unlock: Callable[[], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.dialog: PassphraseDialog | None = None  # the Unlock dialog, kept alive while shown
        self.text = QLabel(LOCKED)
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.unlock = QPushButton("Unlock…")
        self.unlock.clicked.connect(on_unlock)
        row = QHBoxLayout(self)
        row.addWidget(self.text, 1)
        row.addWidget(self.unlock)


def show_locked_banner(window: QMainWindow, home: Path) -> LockedBanner:
    """Put the locked-keys banner at the top of the window; Unlock asks again and removes it on success."""

    def again() -> None:
        need = passphrase_needed(home)
        if need is None:
            banner.hide()
            return
        dialog = PassphraseDialog(need, home / FILE_NAME, window)
        dialog.accepted.connect(banner.hide)
        dialog.open()
        banner.dialog = dialog

    banner = LockedBanner(again)
    central = window.centralWidget()
    layout = central.layout() if central is not None else None
    if isinstance(layout, QVBoxLayout):
        layout.insertWidget(0, banner)
        banner.show()  # a layout would show it only later, on the next turn of the loop
    return banner
