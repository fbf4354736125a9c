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
