"""Start Headcount at login, in the tray: the settings dialog's switch writes or removes the login entry.

The owner's choice is kept in the office's database (`SettingsValues.start_at_login` in the shell's
settings); the entry follows it. On Linux and other XDG desktops the entry is
`$XDG_CONFIG_HOME/autostart/headcount.desktop` (`~/.config/autostart/` by default), which starts
Headcount hidden in the tray for the same data folder. Windows and macOS use their installers' login
items (packaging/README.md: a Startup shortcut; a LaunchAgent), which this switch does not write.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from platformdirs import user_config_path

FILE_NAME = "headcount.desktop"
RESERVED = " \t\n\"'\\><~|&;$*?#()`"  # the spec's characters that need quoting


class AutostartUnsupported(Exception):
    """This system's login items are the installer's (Windows, macOS); the message says where."""


def supported(platform: str = sys.platform) -> bool:
    return not (platform.startswith("win") or platform == "darwin")


def entry_path(platform: str = sys.platform) -> Path:
    """Where the login entry goes (XDG_CONFIG_HOME is honoured)."""
    if not supported(platform):
        raise AutostartUnsupported(
            "on Windows, tick “Start Headcount when I sign in” in the installer (a Startup shortcut); on macOS, "
            "add Headcount in System Settings → General → Login Items (packaging/README.md)"
        )
    return user_config_path() / "autostart" / FILE_NAME


def is_enabled() -> bool:
    return supported() and entry_path().is_file()


def command(home: Path | None) -> list[str]:
    """The command the entry runs: this very Headcount (the bundle, or the venv's script), hidden."""
    if getattr(sys, "frozen", False):
        program = [sys.executable]
    else:
        script = Path(sys.executable).with_name("headcount")
        program = [str(script)] if script.is_file() else [sys.executable, "-m", "app.launcher"]
    # Flags, not `env NAME=VALUE`: env takes a program path holding "=" for one more variable.
    return [*program, "--start-hidden", *([f"--home={home}"] if home is not None else [])]


def exec_line(argv: Sequence[str]) -> str:
    """A desktop entry's Exec value that runs `argv` word for word, whatever characters the words hold
    (packaging/install_user.py writes the `.tar.gz`'s menu and login entries with it too)."""
    return " ".join(_quote(part) for part in argv)


def desktop_entry(home: Path | None) -> str:
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Name=Headcount\n"
        "Comment=Keep your AI employees working from login, in the tray\n"
        f"Exec={exec_line(command(home))}\n"
        "Icon=headcount\n"
        "Terminal=false\n"
        "X-GNOME-Autostart-enabled=true\n"
        "NoDisplay=true\n"
    )


def set_start_at_login(on: bool, home: Path | None = None) -> str:
    """Write (or remove) the login entry; returns what was done, for the status bar. Raises
    AutostartUnsupported on Windows and macOS, OSError when the folder cannot be written."""
    path = entry_path()
    if not on:
        path.unlink(missing_ok=True)
        return f"Headcount no longer starts at login (removed {path})"
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    partial.write_text(desktop_entry(home), encoding="utf-8")
    partial.replace(path)
    return f"Headcount starts in the tray at login ({path})"


def _quote(part: str) -> str:
    """One Exec argument as the desktop entry spec reads it: `%` doubled (field codes); an argument with
    reserved characters in double quotes with " ` $ \\ backslashed; then the string rule doubles each \\
    and writes line breaks and tabs as \\n \\r \\t (a raw one would end the line or be read as a space)."""
    part = part.replace("%", "%%")
    if part and not any(c in RESERVED or c == "\r" for c in part):
        return part
    quoted = '"' + "".join("\\" + c if c in '"`$\\' else c for c in part) + '"'
    escaped = quoted.replace("\\", "\\\\")
    return escaped.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
