"""Text the command line prints is shown, never obeyed by the terminal."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.cli import main
from engine.terminal import printable

TITLE_AND_CLEAR = "Hello \x1b]0;PWNED\x07 there \x1b[2J\x9b31m"


def test_control_characters_are_spelled_out_and_tabs_and_newlines_kept() -> None:
    assert printable(TITLE_AND_CLEAR) == "Hello ^[]0;PWNED^G there ^[[2J<U+009B>31m"
    assert printable("a\tb\nc\r") == "a\tb\nc^M"


def test_a_task_text_with_escape_codes_is_printed_as_text(
    headcount_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = str(headcount_home)
    assert main(["--home", home, "hire", "assistant", "--name", "Ada"]) == 0
    assert main(["--home", home, "assign", "Ada", TITLE_AND_CLEAR]) == 0  # from an email, say
    assert main(["--home", home, "tasks"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out
    assert "Hello ^[]0;PWNED^G there ^[[2J" in out
