"""Start at login: the owner's switch is kept in the office's database and the XDG login entry follows it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app import autostart
from app.forms import SettingsValues
from app.panels.settings import SettingsDialog
from app.settings_apply import apply_settings, load_settings, store_settings
from engine.office import Office
from engine.paths import Home
from engine.testing import ScriptedModel
from tests.desktop_entry import exec_words


@pytest.fixture
def config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(folder))
    return folder


async def test_the_switch_is_kept_in_the_database_and_writes_then_removes_the_login_entry(
    headcount_home: Path, config_home: Path
) -> None:
    entry = config_home / "autostart" / "headcount.desktop"
    office = await Office.open(Home.resolve(headcount_home), model=ScriptedModel())
    try:
        old = await load_settings(office)
        assert old.start_at_login is False and not entry.exists()
        on = old.model_copy(update={"start_at_login": True})
        applied = await apply_settings(office, old, on)
        assert applied.error is None and str(entry) in applied.done[-1]
        await store_settings(office, on)
    finally:
        await office.close()
    words = exec_words(entry.read_text())
    assert words[-2:] == ["--start-hidden", f"--home={headcount_home}"]
    assert "Hidden=true" not in entry.read_text() and "X-GNOME-Autostart-enabled=true" in entry.read_text()

    office = await Office.open(Home.resolve(headcount_home), model=ScriptedModel())  # as the next process would
    try:
        kept = await load_settings(office)
        assert kept.start_at_login is True, "the owner's choice is durable, in the database"
        entry.unlink()  # removed behind Headcount's back: saving the settings writes it again
        assert (await apply_settings(office, kept, kept)).error is None and entry.is_file()
        off = kept.model_copy(update={"start_at_login": False})
        assert (await apply_settings(office, kept, off)).error is None
        await store_settings(office, off)
        assert not entry.exists()
        assert (await load_settings(office)).start_at_login is False
    finally:
        await office.close()


@pytest.fixture
def blocked(config_home: Path) -> Path:
    """A file where the autostart folder should be: no user, not even root, can write the entry."""
    config_home.mkdir()
    (config_home / "autostart").write_text("not a folder")
    return config_home


async def test_a_folder_that_cannot_be_written_is_one_clear_error_and_nothing_is_kept(
    headcount_home: Path, blocked: Path
) -> None:
    office = await Office.open(Home.resolve(headcount_home), model=ScriptedModel())
    try:
        old = await load_settings(office)
        applied = await apply_settings(office, old, old.model_copy(update={"start_at_login": True}))
        assert applied.error is not None and "autostart" in applied.error
        assert applied.error.startswith("the login entry could not be written")
        assert (await load_settings(office)).start_at_login is False, "nothing was kept"
    finally:
        await office.close()


def test_a_data_folder_with_spaces_quotes_and_equals_survives_the_entry_and_starts_hidden_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The entry ran `env NAME=VALUE… PROGRAM`: env takes a program path holding "=" for one more variable."""
    from app import launcher

    home = tmp_path / 'my "office" $HOME \\ 100% `x` a=b'
    words = exec_words(autostart.desktop_entry(home))
    assert words[0] == autostart.command(home)[0] and words[1:] == ["--start-hidden", f"--home={home}"]
    assert exec_words(autostart.desktop_entry(None))[1:] == ["--start-hidden"]
    opened: list[tuple[str | None, str | None]] = []
    monkeypatch.delenv("HEADCOUNT_START_HIDDEN", raising=False)
    monkeypatch.setenv("HEADCOUNT_HOME", str(tmp_path / "elsewhere"))  # both restored after the test
    started = lambda: (os.environ.get("HEADCOUNT_START_HIDDEN"), os.environ.get("HEADCOUNT_HOME"))  # noqa: E731
    monkeypatch.setattr(launcher, "_window", lambda: opened.append(started()) or 0)
    assert launcher.main(words[1:]) == 0 and opened == [("1", str(home))], "the window opens hidden, for that folder"


def test_windows_and_macos_name_their_installer_login_item() -> None:
    with pytest.raises(autostart.AutostartUnsupported, match="Login Items"):
        autostart.entry_path("darwin")
    assert not autostart.supported("win32") and autostart.supported("linux")


def test_the_dialog_shows_the_switch_and_sends_it(qtbot: QtBot) -> None:
    got: list[SettingsValues] = []
    dialog = SettingsDialog(SettingsValues(start_at_login=True), on_save=lambda v: got.append(v) or None)
    qtbot.addWidget(dialog)
    assert dialog.start_at_login.isChecked()
    dialog.start_at_login.setChecked(False)
    dialog.save_button.click()
    assert got[-1].start_at_login is False
