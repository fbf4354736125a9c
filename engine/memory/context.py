"""A task's memories as context: given after the brief (byte-stable) and before the task, within a budget.

What is given: the standing memories (pinned ones and the tone, whatever the task), then the memories
most relevant to the task's text (ranked by `engine.store.memory_reads.search`), then the last working day's
journal entry (cut to `MemoryBudget.journal_chars`); memories stop at `MemoryBudget.items` or
`MemoryBudget.tokens`. Nothing at all when
there is nothing to recall, so an employee with no memories sends exactly what it sent before.
"""

from __future__ import annotations

import dataclasses
import zoneinfo
from dataclasses import dataclass
from typing import TYPE_CHECKING

from engine.llm.compaction import estimate_tokens
from engine.llm.types import Message
from engine.memory.records import MemoriesRecalled, Profile, local_day
from engine.memory.text import clip
from engine.store import memory_reads as reads
from engine.store.memory import MemoryRecord

if TYPE_CHECKING:
    from engine.loop import TaskWork
    from engine.memory.book import Memories

HEADER = "Memory (what you remember that bears on this task):"


@dataclass(frozen=True, slots=True)
class Recollection:
    message: Message | None  # a system message after the brief, or None when nothing is recalled
    memories: tuple[MemoryRecord, ...] = ()
    lines: tuple[str, ...] = ()

    @property
    def memory_ids(self) -> tuple[str, ...]:
        return tuple(m.id for m in self.memories)


async def prepare(book: Memories, work: TaskWork, profile: Profile) -> TaskWork:
    book.use_profile(profile)
    if not profile.settings.enabled:
        return work
    recollection = await recollect(book, profile, work.task_body)
    if recollection.message is None:
        return work
    if book.bus is not None:
        book.bus.publish(
            MemoriesRecalled(
                employee_id=work.employee_id,
                task_id=work.task_id,
                memory_ids=recollection.memory_ids,
                lines=recollection.lines,
            )
        )
    return dataclasses.replace(work, context=(*work.context, recollection.message), memory_ids=recollection.memory_ids)


async def recollect(book: Memories, profile: Profile, text: str) -> Recollection:
    if not profile.settings.enabled:
        return Recollection(None)
    budget = book.budget
    now = book.clock.now()
    since = book.since(profile, now)
    today = now.astimezone(zoneinfo.ZoneInfo(profile.timezone)).date().isoformat()

    standing, entry = await book.journal.read(
        lambda c: reads.standing_and_journal(
            c, profile.employee_id, profile.team, since=since, limit=budget.standing, today=today
        )
    )
    relevant = await book.recall(profile, text, limit=budget.items, exclude_ids=[m.id for m in standing])
    chosen: list[MemoryRecord] = []
    lines: list[str] = []
    used = estimate_tokens(HEADER)
    for memory in [*standing, *(m for m, _ in relevant)]:
        line = render(memory, profile.timezone)
        cost = estimate_tokens(line) + 1
        if len(chosen) >= budget.items or used + cost > budget.tokens:
            break
        chosen.append(memory)
        lines.append(line)
        used += cost
    if entry is not None:  # on top of the budget, bounded by `journal_chars`
        chosen.append(entry)
        lines.append(f"Your last working day: {clip(entry.text, budget.journal_chars)}")
    if not chosen:
        return Recollection(None)
    content = HEADER + "\n" + "\n".join(lines)
    return Recollection({"role": "system", "content": content}, tuple(chosen), tuple(lines))


def render(memory: MemoryRecord, timezone: str) -> str:
    """One memory as the model reads it: id, kind, subject, who and when (its day where the employee works),
    the text."""
    label = "decision" if memory.kind == "decisions" else memory.kind
    if memory.subject:
        label += f", {memory.subject}"
    when = local_day(memory.created_at, timezone, memory.day)
    who = f"by {memory.decided_by}, " if memory.decided_by else ""
    shared = "team, " if memory.employee_id is None else ""
    why = f" Why: {memory.why}" if memory.why else ""
    return f"- [{memory.id}] {label} ({shared}{who}{when}): {memory.text}{why}"
