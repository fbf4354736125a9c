"""A view reloaded on events follows a burst of changes with one more read, never two at once."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from app.coalesce import Coalesced


async def test_asks_during_a_read_end_in_exactly_one_more_that_sees_the_last_change() -> None:
    changes = 0
    seen: list[int] = []  # what each read saw
    running = 0
    gate = asyncio.Event()
    tasks: list[asyncio.Task[Any]] = []

    async def read() -> None:
        nonlocal running
        running += 1
        assert running == 1  # never two at once
        snapshot = changes  # the read begins here
        await gate.wait()
        seen.append(snapshot)
        running -= 1

    def spawn(coro: Coroutine[Any, Any, Any], what: str) -> None:
        tasks.append(asyncio.get_running_loop().create_task(coro))

    reload = Coalesced(read, spawn, "refresh")
    changes += 1
    reload.ask()
    await asyncio.sleep(0)  # the first read has begun, and saw one change
    for _ in range(100):  # a burst while it runs
        changes += 1
        reload.ask()
    assert len(tasks) == 1 and reload.running
    gate.set()
    await asyncio.gather(*tasks)
    assert seen == [1, 101]  # two reads for the burst; the last saw every change
    assert not reload.running

    reload.ask()  # quiet again: one ask, one read
    await asyncio.gather(*tasks[1:])
    assert len(tasks) == 2 and seen == [1, 101, 101]


async def test_a_read_that_fails_lets_the_next_ask_read_again() -> None:
    calls = 0
    tasks: list[asyncio.Task[Any]] = []

    async def read() -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("the office closed")

    reload = Coalesced(read, lambda coro, what: tasks.append(asyncio.get_running_loop().create_task(coro)), "x")
    reload.ask()
    (failed,) = await asyncio.gather(*tasks, return_exceptions=True)
    assert isinstance(failed, RuntimeError) and not reload.running
    reload.ask()
    await tasks[-1]
    assert calls == 2
