"""The `headcount` launcher: a plain launch opens the window without building the command-line grammar."""

from __future__ import annotations

import pytest

from app.launcher import window_home


@pytest.mark.parametrize(
    ("args", "home"),
    [
        ([], None),
        (["--home", "~/office"], "~/office"),
        (["--home=/tmp/office"], "/tmp/office"),
        (["--home"], False),  # the grammar says what is missing
        (["--home="], False),
        (["--home", "--version"], False),
        (["--version"], False),
        (["--help"], False),
        (["snapshot", "--out", "x.png"], False),
        (["--home", "x", "roster"], False),
    ],
)
def test_only_a_plain_launch_skips_the_grammar(args: list[str], home: str | bool | None) -> None:
    assert window_home(args) == home


def test_version_is_printed_without_the_grammar() -> None:
    import subprocess
    import sys

    script = (
        "import sys; from app.launcher import main; code = main(['--version']); "
        "print(sorted(m for m in sys.modules if m.startswith('engine.cli_'))); sys.exit(code)"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60)
    version, loaded = done.stdout.splitlines()
    assert version.startswith("headcount ") and loaded == "['engine.cli_input', 'engine.cli_passphrase']"
