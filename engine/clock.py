"""Injected time and ids: orchestration never reads the ambient clock or makes its own ids."""

from __future__ import annotations

import itertools
import os
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # asyncio loads with the first sleep: a command that only reads never sleeps
    import asyncio


class Clock(Protocol):
    def now(self) -> datetime:
        """Current time, timezone-aware UTC."""
        ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        import asyncio

        await asyncio.sleep(seconds)


class ShiftedClock(SystemClock):
    """The system clock moved by a fixed offset: an office rehearsing another hour, or a test of one."""

    def __init__(self, offset_s: float) -> None:
        self._offset = timedelta(seconds=offset_s)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset


OFFSET_ENV = "HEADCOUNT_CLOCK_OFFSET"  # seconds added to the system clock, for every process of an office


def default_clock() -> Clock:
    """The system clock, shifted by `HEADCOUNT_CLOCK_OFFSET` seconds when that is set."""
    raw = os.environ.get(OFFSET_ENV, "").strip()
    if not raw:
        return SystemClock()
    try:
        offset = float(raw)
    except ValueError:
        raise ValueError(f"{OFFSET_ENV} must be a number of seconds, not {raw!r}") from None
    if offset != offset or abs(offset) > 100 * 365 * 86400:
        raise ValueError(f"{OFFSET_ENV} must be a number of seconds within a century, not {raw!r}")
    return ShiftedClock(offset)


class FakeClock:
    """A clock tests move by hand. `sleep` returns once `advance` has passed its deadline."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
        self._sleepers: list[tuple[datetime, asyncio.Future[None]]] = []
        self._nappers: list[asyncio.Future[None]] = []

    def now(self) -> datetime:
        return self._now

    async def sleep(self, seconds: float) -> None:
        import asyncio

        if seconds <= 0:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._sleepers.append((self._now + timedelta(seconds=seconds), future))
        for waiter in self._nappers:
            if not waiter.done():
                waiter.set_result(None)
        self._nappers.clear()
        await future

    def next_sleep(self) -> asyncio.Future[None]:
        """Done when someone next goes to sleep on this clock: a test's cue that the office is waiting."""
        import asyncio

        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._nappers.append(waiter)
        return waiter

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)
        due = [s for s in self._sleepers if s[0] <= self._now]
        self._sleepers = [s for s in self._sleepers if s[0] > self._now]
        for _, future in due:
            if not future.done():
                future.set_result(None)

    def set(self, when: datetime) -> None:
        self.advance((when - self._now).total_seconds())


class IdSource(Protocol):
    def new(self, prefix: str) -> str: ...


class RandomIds:
    """Unique, roughly time-sorted ids: milliseconds, a random per-process salt, a counter.

    One random draw per process instead of one per id: ids are made on every step.
    """

    def __init__(self) -> None:
        self._salt = uuid.uuid4().hex[:8]
        self._counter = itertools.count()

    def new(self, prefix: str) -> str:
        return f"{prefix}_{int(time.time() * 1000):x}{self._salt}{next(self._counter):x}"


class SequentialIds:
    """Deterministic ids for tests: `task_1`, `task_2`, ..."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def new(self, prefix: str) -> str:
        return f"{prefix}_{next(self._counter)}"
