"""The window asks for the key file's passphrase at start where there is no OS keyring (issue 13).

The dialog drives the real `engine.secretfile`: a key file made with one passphrase opens only with it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
import qasync
from pytestqt.qtbot import QtBot

from app.passphrase import LOCKED, LockedBanner, PassphraseDialog, ask_for_keys, show_locked_banner
from app.state import OfficeState
from app.window import MainWindow
from engine import secretfile
from engine.secretfile import FILE_NAME, PASSPHRASE_ENV, EncryptedFileKeyring, KeyringLocked
from engine.secrets import passphrase_needed
from tests.app.fakes import Recorder


@pytest.fixture
def no_keyring(headcount_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A machine without an OS keyring and without the passphrase in the environment."""
    import engine.secrets

    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    monkeypatch.setattr(engine.secrets, "os_keyring", lambda: None)
    monkeypatch.setattr(keyring, "get_keyring", lambda: EncryptedFileKeyring(headcount_home / FILE_NAME))
    monkeypatch.setattr(secretfile, "_unlocked", {})
    yield headcount_home


def _key_file(home: Path, passphrase: str) -> EncryptedFileKeyring:
    """A key file holding one key, made with `passphrase`; this process then forgets the passphrase."""
    secretfile.unlock(home / FILE_NAME, passphrase)
    EncryptedFileKeyring(home / FILE_NAME).set_password("Headcount", "openai", "sk-kept-1")
    secretfile._unlocked.clear()
    return EncryptedFileKeyring(home / FILE_NAME)


def test_first_time_the_owner_chooses_it_typed_twice(qtbot: QtBot, no_keyring: Path) -> None:
    assert passphrase_needed(no_keyring) == "choose"
    dialog = PassphraseDialog("choose", no_keyring / FILE_NAME)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.again.isVisible() and dialog.ok.text() == "Set passphrase"
    dialog.passphrase.setText("correct horse")
    dialog.again.setText("correct hoarse")
    dialog.ok.click()
    assert dialog.error.isVisible() and "not the same" in dialog.error.text() and dialog.isVisible()
    assert dialog.passphrase.text() == "" and passphrase_needed(no_keyring) == "choose"  # nothing was set

    dialog.passphrase.setText("correct horse")
    dialog.again.setText("correct horse")
    dialog.ok.click()
    assert dialog.result() == PassphraseDialog.DialogCode.Accepted and passphrase_needed(no_keyring) is None
    keys = EncryptedFileKeyring(no_keyring / FILE_NAME)
    keys.set_password("Headcount", "openai", "sk-new-2")  # the file is made with what the owner chose
    secretfile._unlocked.clear()
    assert EncryptedFileKeyring(no_keyring / FILE_NAME, "correct horse").get_password("Headcount", "openai") == (
        "sk-new-2"
    )


def test_a_wrong_passphrase_says_so_and_asks_again(qtbot: QtBot, no_keyring: Path) -> None:
    keys = _key_file(no_keyring, "right one")
    with pytest.raises(KeyringLocked):
        keys.get_password("Headcount", "openai")
    assert passphrase_needed(no_keyring) == "enter"
    dialog = PassphraseDialog("enter", no_keyring / FILE_NAME)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.again.isVisible() and dialog.ok.text() == "Unlock"
    dialog.passphrase.setText("wrong one")
    dialog.ok.click()
    assert dialog.isVisible() and "does not open the key file; try again" in dialog.error.text()
    with pytest.raises(KeyringLocked):
        keys.get_password("Headcount", "openai")
    dialog.passphrase.setText("right one")
    dialog.ok.click()
    assert dialog.result() == PassphraseDialog.DialogCode.Accepted
    assert keys.get_password("Headcount", "openai") == "sk-kept-1"


def test_at_start_cancel_opens_without_keys_behind_a_banner_that_can_unlock_later(
    qtbot: QtBot, qapp: object, no_keyring: Path
) -> None:
    keys = _key_file(no_keyring, "right one")
    window = MainWindow(OfficeState(), Recorder())
    qtbot.addWidget(window)
    window.resize(1200, 760)
    window.show()
    loop = qasync.QEventLoop(qapp)

    async def start() -> bool:
        asking = asyncio.ensure_future(ask_for_keys(window, no_keyring))
        await asyncio.sleep(0)  # one turn: the asking runs up to waiting for the owner's answer
        (dialog,) = [d for d in window.findChildren(PassphraseDialog) if d.isVisible()]
        assert dialog.isModal() and dialog.need == "enter"
        dialog.passphrase.setText("wrong one")
        dialog.ok.click()
        assert dialog.isVisible() and dialog.error.isVisible()
        dialog.cancel.click()
        return await asyncio.wait_for(asking, 10)

    try:
        assert loop.run_until_complete(start()) is False
    finally:
        loop.close()
    banner = show_locked_banner(window, no_keyring)
    assert banner.isVisible() and banner.text.text() == LOCKED
    window.grab().save("/tmp/apps2-locked-banner.png")
    with pytest.raises(KeyringLocked):
        keys.get_password("Headcount", "openai")

    banner.unlock.click()  # later: Unlock asks again, and the banner goes once the keys open
    (dialog,) = [d for d in window.findChildren(PassphraseDialog) if d.isVisible()]
    dialog.passphrase.setText("right one")
    dialog.ok.click()
    assert not banner.isVisible() and isinstance(banner, LockedBanner)
    assert keys.get_password("Headcount", "openai") == "sk-kept-1"


def test_closing_the_window_while_asking_ends_the_question(qtbot: QtBot, qapp: object, no_keyring: Path) -> None:
    """Ctrl-C closes the window: the start-up waited for the passphrase dialog's answer for ever."""
    _key_file(no_keyring, "right one")
    window = MainWindow(OfficeState(), Recorder())
    qtbot.addWidget(window)
    window.show()
    loop = qasync.QEventLoop(qapp)

    async def start() -> bool:
        asking = asyncio.ensure_future(ask_for_keys(window, no_keyring))
        await asyncio.sleep(0)
        assert [d for d in window.findChildren(PassphraseDialog) if d.isVisible()]
        window.close()  # what Ctrl-C does (app/main.py)
        return await asyncio.wait_for(asking, 10)

    qapp.setQuitOnLastWindowClosed(False)  # type: ignore[attr-defined]  # as app/main.py runs it
    try:
        assert loop.run_until_complete(start()) is False
    finally:
        qapp.setQuitOnLastWindowClosed(True)  # type: ignore[attr-defined]
        loop.close()


def test_nothing_is_asked_with_an_os_keyring_or_the_passphrase_in_the_environment(
    no_keyring: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import engine.secrets

    _key_file(no_keyring, "right one")
    assert passphrase_needed(no_keyring) == "enter"
    monkeypatch.setenv(PASSPHRASE_ENV, "right one")
    assert passphrase_needed(no_keyring) is None
    monkeypatch.delenv(PASSPHRASE_ENV)
    monkeypatch.setattr(engine.secrets, "os_keyring", lambda: object())  # a desktop's keyring
    assert passphrase_needed(no_keyring) is None
    assert asyncio.run(ask_for_keys(None, no_keyring)) is True  # returns at once: no dialog
