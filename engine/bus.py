"""One event bus that any number of subscribers can follow."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable

from engine.events import Event

log = logging.getLogger(__name__)

Subscriber = Callable[[Event], None]


class EventBus:
    """Synchronous fan-out of frozen events.

    Callbacks run inline on the publisher's thread (the event loop), so they must be quick;
    a subscriber that raises is logged and never breaks the engine or the other subscribers.
    `stream()` gives an async iterator for consumers that want to await events.
    """

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Add a subscriber; returns a function that removes it."""
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

        return unsubscribe

    @property
    def has_subscribers(self) -> bool:
        return bool(self._subscribers)

    def publish(self, event: Event) -> None:
        for callback in tuple(self._subscribers):
            try:
                callback(event)
            except Exception:
                log.exception("event subscriber %r failed on %s", callback, type(event).__name__)

    async def stream(self, maxsize: int = 10_000) -> AsyncIterator[Event]:
        """Yield events as they are published until the consumer stops iterating."""
        queue: asyncio.Queue[Event] = asyncio.Queue(maxsize)

        def put(event: Event) -> None:
            if queue.full():  # a slow consumer loses the oldest, never blocks the engine
                queue.get_nowait()
            queue.put_nowait(event)

        unsubscribe = self.subscribe(put)
        try:
            while True:
                yield await queue.get()
        finally:
            unsubscribe()
