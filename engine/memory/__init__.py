"""Employee memory: facts, decisions, a daily journal and team memory that survive across days.

`MemoryBook` is the one object the office holds: it remembers, recalls, corrects and forgets; gives a
task its memories as context (`prepare`); and consolidates a working day (`consolidate`). SQL lives in
`engine.store.memory` and `engine.store.memory_reads`; long tasks stay lean through `engine.memory.compaction`.
"""

from engine.memory.book import MemoryBook, MemoryBudget, Remembered
from engine.memory.compaction import ContextBudget, fit
from engine.memory.consolidate import Consolidation
from engine.memory.context import Recollection
from engine.memory.records import JOURNAL, KINDS, MemoriesRecalled, MemoryRefused, Profile
from engine.memory.tools import memory_tools
from engine.store.memory import MemoryRecord

__all__ = [
    "JOURNAL",
    "KINDS",
    "Consolidation",
    "ContextBudget",
    "MemoriesRecalled",
    "MemoryBook",
    "MemoryBudget",
    "MemoryRecord",
    "MemoryRefused",
    "Profile",
    "Recollection",
    "Remembered",
    "fit",
    "memory_tools",
]
