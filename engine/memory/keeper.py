"""The office's memory: the book of memories, plus what each task is given and each day's consolidation."""

from __future__ import annotations

from datetime import date

from engine.loop import TaskWork
from engine.memory import consolidate as consolidation
from engine.memory import context
from engine.memory.book import Memories
from engine.memory.records import Profile


class MemoryBook(Memories):
    """Memories of one office: remember, recall, correct, forget; context for tasks; consolidation."""

    async def prepare(self, work: TaskWork, profile: Profile) -> TaskWork:
        """The task's work with `profile`'s memories as context: the scheduler's step before a turn."""
        return await context.prepare(self, work, profile)

    async def recollect(self, profile: Profile, text: str) -> context.Recollection:
        """The memories a task described by `text` is given, and the message that gives them."""
        return await context.recollect(self, profile, text)

    async def consolidate(self, profile: Profile, day: date) -> consolidation.Consolidation:
        """Turn one working day into a journal entry and facts; merge repeats; prune past retention."""
        return await consolidation.consolidate(self, profile, day)

    async def consolidate_due(self, profile: Profile) -> list[consolidation.Consolidation]:
        """Consolidate every finished working day not consolidated yet (by the injected clock)."""
        return await consolidation.consolidate_due(self, profile)
