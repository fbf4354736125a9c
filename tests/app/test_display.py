"""Before Qt opens a window on Linux: is there a display, and does it answer? Said in our words, not Qt's abort."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.main import display_problem


@pytest.fixture
def listening_x(tmp_path: Path) -> Iterator[Path]:
    """A folder like /tmp/.X11-unix with display 7 answering in it."""
    folder = tmp_path / "x11"
    folder.mkdir()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(str(folder / "X7"))
        server.listen()
        yield folder


def test_no_display_at_all_says_how_to_work_without_one() -> None:
    problem = display_problem({}, "linux")
    assert problem is not None and "neither DISPLAY nor WAYLAND_DISPLAY" in problem and "xvfb-run" in problem


def test_a_stale_display_is_named_before_qt_aborts(listening_x: Path) -> None:
    problem = display_problem({"DISPLAY": ":55"}, "linux", listening_x)  # the session that set it has ended
    assert problem is not None and "no display answers at DISPLAY=:55" in problem and "xvfb-run" in problem
    assert display_problem({"DISPLAY": ":7.0"}, "linux", listening_x) is None  # one that answers
    assert display_problem({"DISPLAY": "unix:7"}, "linux", listening_x) is None
    gone = display_problem({"DISPLAY": ":55", "WAYLAND_DISPLAY": "wayland-9", "XDG_RUNTIME_DIR": str(listening_x)},
                           "linux", listening_x)  # fmt: skip
    assert gone is not None and "DISPLAY=:55 nor WAYLAND_DISPLAY=wayland-9" in gone
    wayland = {"DISPLAY": ":55", "WAYLAND_DISPLAY": "X7", "XDG_RUNTIME_DIR": str(listening_x)}  # a live socket
    assert display_problem(wayland, "linux", listening_x) is None


def test_a_display_over_tcp_is_tried_at_its_port() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        number = server.getsockname()[1] - 6000  # X's display N listens on 6000 + N
        assert display_problem({"DISPLAY": f"127.0.0.1:{number}"}, "linux") is None
    problem = display_problem({"DISPLAY": f"127.0.0.1:{number}"}, "linux")  # closed now
    assert problem is not None and "no display answers" in problem


def test_elsewhere_or_offscreen_nothing_is_checked() -> None:
    assert display_problem({}, "darwin") is None
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None
