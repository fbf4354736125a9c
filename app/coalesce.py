"""A reload that follows a burst of changes: never two at once, and never one that missed the last change."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

Spawn = Callable[[Coroutine[Any, Any, Any], str], Any]


class Coalesced:
    """Runs `work` whenever `ask` is called; asks that arrive while it runs end in exactly one more run.

    For a view reloaded on events (the board, the Memory tab): a burst of a hundred changes costs two reads,
    and the view always ends on a read that began after the last change.
    """

    def __init__(self, work: Callable[[], Awaitable[None]], spawn: Spawn, what: str) -> None:
        self._work = work
        self._spawn = spawn
        self._what = what
        self._running = False
        self._again = False

    @property
    def running(self) -> bool:
        return self._running

    def ask(self) -> None:
        if self._running:
            self._again = True  # the read under way may have begun before this change
            return
        self._running = True
        self._spawn(self._run(), self._what)

    async def _run(self) -> None:
        try:
            while True:
                self._again = False
                await self._work()
                if not self._again:
                    return
        finally:
            self._running = False
