"""The office as stored, for commands that only show it (`tasks`, `log`): the journal and its history,
without the office's parts, briefs, connections, agent loop or keyring.

`Office` has the same `journal` and `history`, so a command written against `Stored` runs the same code
on either front (the full one when the database must first be created or migrated).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Protocol

from engine.office.history import History
from engine.paths import Home
from engine.store.journal import Journal
from engine.store.reading import open_for_reading


class Stored(Protocol):
    """What a reading command uses: the `Office` has it, and so has `Reading`."""

    @property
    def journal(self) -> Journal: ...

    @property
    def history(self) -> History: ...


class Reading:
    """The stored office, read and never written."""

    def __init__(self, journal: Journal, close: Callable[[], None]) -> None:
        self.journal = journal
        self.history = History(journal)
        self._close = close

    @classmethod
    async def open(cls, home: Home) -> Reading | None:
        """The office in `home` for reading; None when its database is missing or not at the latest
        schema (the full office then creates or migrates it). Raises StoreError."""
        opened = await asyncio.to_thread(open_for_reading, home.database)
        return None if opened is None else cls(*opened)

    async def close(self) -> None:
        await asyncio.to_thread(self._close)
