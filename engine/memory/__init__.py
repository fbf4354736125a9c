"""Employee memory: facts, decisions, a daily journal and team memory that survive across days.

`MemoryBook` is the one object the office holds: it remembers, recalls, corrects and forgets; gives a
task its memories as context (`prepare`); and consolidates a working day (`consolidate`). SQL lives in
`engine.store.memory` and `engine.store.memory_reads`; long tasks stay lean through `engine.llm.compaction`.
"""

from engine.llm.compaction import ContextBudget, fit
from engine.memory.book import Memories, MemoryBudget, Remembered
from engine.memory.consolidate import Consolidation
from engine.memory.context import Recollection
from engine.memory.keeper import MemoryBook
from engine.memory.records import JOURNAL, KINDS, MemoriesRecalled, MemoryRefused, Profile, local_day, local_time
from engine.memory.tools import memory_tools
from engine.store.memory import MemoryRecord

__all__ = [
    "JOURNAL",
    "KINDS",
    "Consolidation",
    "ContextBudget",
    "Memories",
    "MemoriesRecalled",
    "MemoryBook",
    "MemoryBudget",
    "MemoryRecord",
    "MemoryRefused",
    "Profile",
    "Recollection",
    "Remembered",
    "fit",
    "local_day",
    "local_time",
    "memory_tools",
]
