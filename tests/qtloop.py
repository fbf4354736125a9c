"""One asyncio loop inside Qt for tests (qasync, as the app runs), kept for the whole process.

The app has exactly one loop for its lifetime. A test that closed its own and the next that made another
crashed now and then: a Qt timer the first loop had started fired on its deleted timer object under the
second (a segfault in QTimerInfoList::activateTimers). So every test of a process runs on the same loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtWidgets import QApplication

_loop: asyncio.AbstractEventLoop | None = None


def run_on_qt_loop(qapp: QApplication, make: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run `make()` to its end on the process's Qt loop (made on first use)."""
    import qasync

    global _loop
    qapp.setQuitOnLastWindowClosed(False)  # closing the window must not stop the loop mid-test
    if _loop is None:
        _loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(_loop)
    try:
        _loop.run_until_complete(make())
    finally:
        asyncio.set_event_loop(None)  # the next test (pytest-asyncio's) makes its own


def close() -> None:
    """Close the loop at the process's end (its executor's threads must stop before Qt goes)."""
    global _loop
    if _loop is not None and not _loop.is_closed():
        _loop.close()
    _loop = None
