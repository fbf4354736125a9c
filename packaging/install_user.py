"""Install the unpacked `.tar.gz` for one user, or take it away again.

`install-user.sh` runs this through the bundle's own binary (`headcount --install-user FOLDER
--autostart|--no-autostart|--uninstall`; packaging/entry.py), so nothing but the bundle is needed. The
menu entry, the login entry and the systemd user unit are the `.deb`'s files from the bundle's `share/`
with the program's path put in, quoted as each format reads it: a desktop entry's Exec by the rules the
settings switch already writes its login entry with (`app.autostart.exec_line`), the unit's ExecStart by
systemd's (`unit_exec_line`), so a folder named `x y & "z" 100%` works. `--uninstall` removes each file
only while it is still the one this would write (an entry edited since, or another copy's, stays and is
named); folders stay.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_config_path, user_data_path

from app.autostart import FILE_NAME as LOGIN_ENTRY
from app.autostart import exec_line

PROGRAM_WORDS = frozenset({"headcount", "/usr/bin/headcount"})  # how the .deb's files name the program
ICON_SIZES = (64, 256)
UNIT = "headcount.service"
_C_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r"}  # systemd reads C escapes


@dataclass(frozen=True, slots=True, kw_only=True)
class Places:
    """Where one user's files go: XDG_DATA_HOME and XDG_CONFIG_HOME are honoured, as the settings switch does."""

    bin: Path
    data: Path
    config: Path

    @classmethod
    def of_this_user(cls) -> Places:
        return cls(bin=Path.home() / ".local" / "bin", data=user_data_path(), config=user_config_path())


def unit_exec_line(argv: Sequence[str]) -> str:
    """A systemd ExecStart= value that runs `argv` word for word (systemd.service(5), "Command lines").

    A word with a space, quote, backslash or control character goes in double quotes with C escapes; `%`
    is doubled everywhere (specifiers are expanded even in quotes); `$` is doubled in the arguments, where
    systemd substitutes environment variables, but not in the program's path, which it takes as written.
    systemd refuses to run a program whose path has a quote, a backslash or a control character in it
    ("Executable name contains special characters"), so such a program is started by /bin/sh, as its
    argument."""
    if not argv or not argv[0].startswith("/"):
        raise ValueError(f"systemd runs only an absolute path, not {argv[:1]}")
    if any(c in "\"'\\" or ord(c) < 32 or ord(c) == 127 for c in argv[0]):
        argv = ["/bin/sh", "-c", 'exec "$0" "$@"', *argv]
    return " ".join(_unit_word(word, program=i == 0) for i, word in enumerate(argv))


def _unit_word(word: str, *, program: bool) -> str:
    word = word.replace("%", "%%") if program else word.replace("%", "%%").replace("$", "$$")
    if word and not any(c.isspace() or c in "\"'\\;" or ord(c) < 32 or ord(c) == 127 for c in word):
        return word
    body = "".join(_C_ESCAPES.get(c, f"\\x{ord(c):02x}" if ord(c) < 32 or ord(c) == 127 else c) for c in word)
    return f'"{body}"'


def planned(bundle: Path, places: Places, *, autostart: bool) -> dict[Path, bytes]:
    """Every file an install writes, with its content (the `headcount` command's link aside)."""
    share, program = bundle / "share", str(bundle / "headcount")
    files = {
        places.data / "applications" / "headcount.desktop": _with_program(
            share / "headcount.desktop", "Exec", program, exec_line
        ),
        places.config / "systemd" / "user" / UNIT: _with_program(share / UNIT, "ExecStart", program, unit_exec_line),
    }
    for size in ICON_SIZES:
        icon = places.data / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "headcount.png"
        files[icon] = (share / "icons" / f"headcount-{size}.png").read_bytes()
    if autostart:
        login = _with_program(share / "headcount-autostart.desktop", "Exec", program, exec_line)
        files[places.config / "autostart" / LOGIN_ENTRY] = login
    return files


def _with_program(template: Path, key: str, program: str, line: Callable[[Sequence[str]], str]) -> bytes:
    """The `.deb`'s file with its `key=` command running `program` instead of the one on the PATH."""
    rows, found = [], False
    for row in template.read_text(encoding="utf-8").splitlines(keepends=True):
        if row.startswith(f"{key}="):
            words = row.removeprefix(f"{key}=").split()
            found = any(word in PROGRAM_WORDS for word in words)
            row = f"{key}={line([program if word in PROGRAM_WORDS else word for word in words])}\n"
        rows.append(row)
    if not found:
        raise ValueError(f"{template} has no {key}= line that runs headcount")
    return "".join(rows).encode("utf-8")


def install(bundle: Path, places: Places, *, autostart: bool) -> list[str]:
    """Write the menu entry, icons, unit (and login entry), link the command; returns what to tell the user."""
    for path, content in planned(bundle, places, autostart=autostart).items():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        partial.write_bytes(content)
        partial.replace(path)
    link = places.bin / "headcount"
    link.parent.mkdir(parents=True, exist_ok=True)
    link.unlink(missing_ok=True)
    link.symlink_to(bundle / "headcount")
    told = [
        f"Installed: Headcount in your applications menu, and the command {link}",
        "To work with no window instead: systemctl --user enable --now headcount",
    ]
    if autostart:
        told.append(f"Headcount starts at login, in the tray ({places.config / 'autostart' / LOGIN_ENTRY}).")
    else:
        told.append("To start at login later: ./install-user.sh --autostart")
    told.append("To remove all this before deleting the folder: ./install-user.sh --uninstall")
    if str(places.bin) not in os.environ.get("PATH", "").split(os.pathsep):
        told.append(f"Add {places.bin} to your PATH to type: headcount doctor")
    return told


def uninstall(bundle: Path, places: Places) -> tuple[bool, list[str]]:
    """Remove what `install` wrote for this folder, each file only while it is still what install writes.

    Refuses (False) while the unit is enabled: removing its file would leave systemd a dangling link."""
    enabled = sorted((places.config / "systemd" / "user").glob(f"*.wants/{UNIT}"))
    if enabled:
        return False, [
            f"The office's systemd unit is enabled ({enabled[0]}); nothing was removed. First run:",
            "  systemctl --user disable --now headcount",
        ]
    removed, kept = [], []
    for path, content in planned(bundle, places, autostart=True).items():
        if path.is_file() and not path.is_symlink() and path.read_bytes() == content:
            path.unlink()
            removed.append(path)
        elif path.exists() or path.is_symlink():
            kept.append(path)
    link = places.bin / "headcount"
    if link.is_symlink() and link.readlink() == bundle / "headcount":
        link.unlink()
        removed.append(link)
    elif link.exists() or link.is_symlink():
        kept.append(link)
    told = [f"Removed {path}" for path in removed] or ["Nothing of this copy's was installed."]
    for path in kept:
        told.append(f"Left {path}: it is not the one install-user.sh writes for {bundle} (edited, or another copy's)")
    return True, told


def main(argv: Sequence[str]) -> int:
    """`headcount --install-user FOLDER --autostart|--no-autostart|--uninstall` (install-user.sh)."""
    if len(argv) != 2 or argv[1] not in ("--autostart", "--no-autostart", "--uninstall"):
        print("usage: headcount --install-user FOLDER --autostart|--no-autostart|--uninstall", file=sys.stderr)
        return 2
    bundle, places = Path(argv[0]), Places.of_this_user()
    if not bundle.is_absolute() or not (bundle / "share" / UNIT).is_file():
        print(f"{bundle} is not an unpacked Headcount folder (no share/{UNIT} in it)", file=sys.stderr)
        return 2
    if argv[1] == "--uninstall":
        done, told = uninstall(bundle, places)
    else:
        done, told = True, install(bundle, places, autostart=argv[1] == "--autostart")
    print("\n".join(told))
    return 0 if done else 1
