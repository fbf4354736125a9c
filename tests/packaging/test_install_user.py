"""install-user.sh, as an owner runs it from the unpacked `.tar.gz`, in a folder whose path has every
character the menu entry, login entry and systemd unit must quote; with no build: the folder is a stand-in
bundle whose `headcount` runs packaging/entry.py from this checkout, and HOME is a fresh folder.

Each file is read back as its reader reads it (tests/desktop_entry.py, from the specifications), checked
with `desktop-file-validate` and `systemd-analyze verify` where they are installed (.ci/sysdeps installs
desktop-file-utils), and the menu and login entries' commands are run: they must start this very bundle.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import build_linux
import pytest
from hypothesis import given
from hypothesis import strategies as st
from install_user import unit_exec_line

from app.autostart import exec_line
from tests.desktop_entry import exec_words, unit_exec_words

ROOT = Path(__file__).resolve().parents[2]
FOLDER_NAMES = {
    "space": "x y",
    "everything": 'Tom & Jerry\'s "100%" $HOME `id` back\\slash; (a) <b> | ~c *?#',
    "a line break and a tab": "two\nlines\tand tab",
}


def stand_in_bundle(parent: Path) -> Path:
    """An unpacked `.tar.gz` as build_linux.py lays it out, whose `headcount` is this checkout's entry point."""
    bundle = parent / "headcount"
    icons = parent / "icons"
    icons.mkdir(parents=True)
    for size in build_linux.ICON_SIZES:
        (icons / f"headcount-{size}.png").write_bytes(b"\x89PNG size %d" % size)
    bundle.mkdir()
    program = bundle / "headcount"
    entry = ROOT / "packaging" / "entry.py"
    program.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} {shlex.quote(str(entry))} "$@"\n')
    program.chmod(0o755)
    build_linux.add_share(bundle, icons)
    return bundle


def owner(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "home").mkdir(exist_ok=True)
    return {"HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONPATH": str(ROOT)}


def run(command: list[str | Path], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(c) for c in command], env=env, capture_output=True, text=True, timeout=120)


def files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_symlink() or not p.is_dir()}


def validate_desktop_entry(path: Path) -> None:
    if shutil.which("desktop-file-validate"):
        checked = subprocess.run(["desktop-file-validate", str(path)], capture_output=True, text=True)
        assert checked.returncode == 0 and not checked.stdout.strip(), checked.stdout


def verify_unit(path: Path, tmp_path: Path) -> None:
    """systemd's own reading: it fails when ExecStart's program is not an executable file."""
    if not shutil.which("systemd-analyze"):
        return
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700, exist_ok=True)
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime), "HOME": str(tmp_path / "home")}
    verify = ["systemd-analyze", "--user", "verify", str(path)]
    checked = subprocess.run(verify, env=env, capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0 and "not executable" not in checked.stderr, checked.stderr


@pytest.mark.parametrize("name", FOLDER_NAMES.values(), ids=FOLDER_NAMES.keys())
def test_install_user_writes_entries_and_a_unit_that_run_the_bundle_in_any_folder_and_uninstall_takes_them_away(
    tmp_path: Path, name: str
) -> None:
    bundle = stand_in_bundle(tmp_path / name)
    program = str(bundle / "headcount")
    env = owner(tmp_path)
    home = Path(env["HOME"])
    before = files_under(home)

    done = run([bundle / "install-user.sh", "--autostart"], env)
    assert done.returncode == 0, done.stderr
    menu = home / ".local" / "share" / "applications" / "headcount.desktop"
    login = home / ".config" / "autostart" / "headcount.desktop"
    unit = home / ".config" / "systemd" / "user" / "headcount.service"
    for entry, words in ((menu, [program]), (login, [program, "--start-hidden"])):
        validate_desktop_entry(entry)
        assert exec_words(entry.read_text()) == words
        started = run([*words, "--version"], env)  # what the desktop runs, as it splits the line
        assert started.returncode == 0 and started.stdout.startswith("headcount"), started.stderr
    service = unit_exec_words(unit.read_text())
    assert service[-2:] == ["run", "--background"]
    started = run([*service[:-2], "--version"], env)  # the program systemd starts, as it reads the line
    assert started.returncode == 0 and started.stdout.startswith("headcount"), started.stderr
    if any(c in name for c in "\"'\\\n\t"):  # systemd refuses such a program path: a shell starts it
        assert service[:4] == ["/bin/sh", "-c", 'exec "$0" "$@"', program]
    else:
        assert service[0] == program
    verify_unit(unit, tmp_path)
    assert (home / ".local" / "bin" / "headcount").readlink() == bundle / "headcount"
    assert (home / ".local" / "share" / "icons" / "hicolor" / "256x256" / "apps" / "headcount.png").is_file()

    gone = run([bundle / "install-user.sh", "--uninstall"], env)
    assert gone.returncode == 0, gone.stderr
    assert files_under(home) == before, "uninstall left files behind"


def test_uninstall_waits_for_the_unit_to_be_disabled_and_keeps_what_was_changed_since(tmp_path: Path) -> None:
    bundle = stand_in_bundle(tmp_path / "unpacked here")
    env = owner(tmp_path)
    home = Path(env["HOME"])
    assert run([bundle / "install-user.sh", "--no-autostart"], env).returncode == 0
    assert not (home / ".config" / "autostart").exists()
    installed = files_under(home)
    wants = home / ".config" / "systemd" / "user" / "default.target.wants"
    wants.mkdir()
    (wants / "headcount.service").symlink_to(home / ".config" / "systemd" / "user" / "headcount.service")

    refused = run([bundle / "install-user.sh", "--uninstall"], env)
    assert refused.returncode == 1 and "systemctl --user disable --now headcount" in refused.stdout
    assert files_under(home) == installed | {wants / "headcount.service"}, "nothing is removed while it is enabled"

    (wants / "headcount.service").unlink()
    menu = home / ".local" / "share" / "applications" / "headcount.desktop"
    menu.write_text(menu.read_text() + "NoDisplay=true\n")  # the owner hid it from the menu by hand
    gone = run([bundle / "install-user.sh", "--uninstall"], env)
    assert gone.returncode == 0 and f"Left {menu}" in gone.stdout
    assert files_under(home) == {menu}


def test_install_user_refuses_what_it_does_not_know(tmp_path: Path) -> None:
    bundle = stand_in_bundle(tmp_path / "x")
    wrong = run([bundle / "install-user.sh", "--remove"], owner(tmp_path))
    assert wrong.returncode == 2 and "usage" in wrong.stderr
    assert files_under(Path(owner(tmp_path)["HOME"])) == set()


WORD = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")) | st.sampled_from("\n\t\r\\\"'$%;"))


@given(st.lists(WORD, min_size=1, max_size=4))
def test_any_words_come_back_as_they_were_from_a_desktop_entry(argv: list[str]) -> None:
    assert exec_words(f"Exec={exec_line(argv)}\n") == argv


@given(WORD, st.lists(WORD, max_size=3))
def test_any_words_come_back_as_they_were_from_a_unit(path: str, arguments: list[str]) -> None:
    argv = ["/" + path, *arguments]
    refused = any(c in "\"'\\" or ord(c) < 32 or ord(c) == 127 for c in path)  # systemd's string_is_safe()
    started_by_a_shell = ["/bin/sh", "-c", 'exec "$0" "$@"', *argv]
    assert unit_exec_words(f"ExecStart={unit_exec_line(argv)}\n") == (started_by_a_shell if refused else argv)
