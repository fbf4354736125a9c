"""Start-up timing for the log: the process's age, and the line written at the first office frame."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Callable

import pytest

from app.timing import log_first_frame, process_age_s


class FakeSignal:
    def __init__(self) -> None:
        self.slots: list[Callable[[], None]] = []

    def connect(self, slot: Callable[[], None]) -> None:
        self.slots.append(slot)

    def emit(self) -> None:
        for slot in self.slots:
            slot()


class View:
    def __init__(self) -> None:
        self.firstFrame = FakeSignal()


def test_the_first_office_frame_is_logged_with_the_time_since_start(caplog: pytest.LogCaptureFixture) -> None:
    view = View()
    with caplog.at_level(logging.INFO, logger="app.timing"):
        log_first_frame(view)
        assert not caplog.records  # nothing until the frame is painted
        view.firstFrame.emit()
    (record,) = caplog.records
    seconds = float(record.getMessage().split()[3])
    assert record.getMessage().startswith("first office frame") and 0 < seconds < 3600


def test_process_age_counts_from_the_process_start_not_the_import() -> None:
    # The interpreter's own start-up comes before the child's first line: an age counted from the process
    # start is longer than the time since that line; one counted from the import would be shorter.
    code = (
        "import time; first = time.monotonic(); from app.timing import process_age_s; "
        "age = process_age_s(); print(age, time.monotonic() - first)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    age, since_first_line = map(float, out.split())
    assert since_first_line < age < 60
    assert process_age_s() > 0
