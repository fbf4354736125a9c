"""The single-instance socket's own edges (the two-process case is tests/app_watch/test_single_instance.py)."""

from __future__ import annotations

import socket
from pathlib import Path

from PySide6.QtWidgets import QApplication

from app.single import SingleInstance, ask_running, server_name


def test_the_name_is_per_data_folder_and_stable(tmp_path: Path) -> None:
    assert server_name(tmp_path / "a") == server_name(tmp_path / "a" / ".." / "a")
    assert server_name(tmp_path / "a") != server_name(tmp_path / "b")


def test_with_no_window_running_a_launch_hears_none(qapp: QApplication, tmp_path: Path) -> None:
    assert ask_running(str(tmp_path / "headcount-none"), wait_ms=200) is False


def test_a_socket_left_by_a_crashed_window_is_taken_over(qapp: QApplication, tmp_path: Path) -> None:
    path = tmp_path / "headcount-stale"
    crashed = socket.socket(socket.AF_UNIX)
    crashed.bind(str(path))  # bound and never listening: what a killed process leaves
    crashed.close()
    assert path.exists()
    single = SingleInstance(str(path), on_raise=lambda: None)
    try:
        assert single.listen(), single.server.errorString()
    finally:
        single.close()
    other = SingleInstance(str(path), on_raise=lambda: None)
    assert other.listen(), "a window that closed gives the name back"
    other.close()
