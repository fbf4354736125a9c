"""End of a working day: the day's work becomes a journal entry and facts; repeats merge; old memories go.

For one employee and one day (in its timezone), without a model call:

1. Journal: one entry per working day listing the tasks it worked on, each with its status and the
   first words of its last reply. Consolidating the same day again rewrites that entry.
2. Facts: sentences of the owner's words that day (a task given that day, the owner's messages inside
   tasks) that plainly state a tone, preference, customer, contact, decision, feedback or fact
   (`engine.memory.extract`), and decisions stated in the employee's own replies. Only the kinds
   the brief's `memory.remember` lists are kept.
3. Duplicates merge: a fact that repeats an active memory strengthens it instead (importance up),
   and a memory made that day that repeats an older one is folded into the older one.
4. Contradictions: a new fact about the same subject and of the same kind as an older one supersedes
   it (the older stays, marked superseded).
5. Retention: the employee's own unpinned memories older than `retention_days` are deleted.

A fact the owner made the employee forget is not learnt again from the same words.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from engine.errors import OwnerError
from engine.memory import extract
from engine.memory.records import JOURNAL, Profile
from engine.memory.text import REPEAT_BOOST, clip, same_fact
from engine.store import memory as store
from engine.store import memory_reads as reads
from engine.store.memory import MemoryRecord
from engine.store.memory_reads import DayTask

if TYPE_CHECKING:
    from engine.memory.book import Memories

OWNER_IMPORTANCE = 0.6  # the owner said it
REPLY_IMPORTANCE = 0.4  # the employee said it decided something
MAX_LISTED = 10


@dataclass(frozen=True, slots=True)
class Consolidation:
    day: date
    journal_id: str | None  # None when the employee did not work that day
    added: tuple[str, ...] = ()  # new memories
    merged: tuple[str, ...] = ()  # memories a repeat strengthened (or that absorbed a duplicate)
    superseded: tuple[str, ...] = ()  # older memories a new fact replaced
    pruned: int = 0  # memories deleted past retention


def day_bounds(day: date, timezone: str) -> tuple[datetime, datetime]:
    """The day's start and end (exclusive) in UTC, for a day in `timezone`."""
    zone = zoneinfo.ZoneInfo(timezone)
    start = datetime.combine(day, time(), zone)
    end = datetime.combine(day + timedelta(days=1), time(), zone)
    return start.astimezone(UTC), end.astimezone(UTC)


async def consolidate(book: Memories, profile: Profile, day: date) -> Consolidation:
    """OwnerError for a day that has not begun in the employee's time zone (nothing to learn; retention
    counted from it would delete today's memories)."""
    start, end = day_bounds(day, profile.timezone)
    now = book.clock.now()
    if start > now:
        today = now.astimezone(zoneinfo.ZoneInfo(profile.timezone)).date()
        raise OwnerError(
            f"{day.isoformat()} has not begun yet where this employee works ({profile.timezone}: it is "
            f"{today.isoformat()}); consolidate today or an earlier day"
        )
    begin, finish = start.isoformat(), end.isoformat()
    tasks = await book.journal.read(lambda c: reads.day_tasks(c, profile.employee_id, begin, finish))
    at = min(now, end - timedelta(seconds=1))  # a catch-up run still dates the day's facts on that day
    journal_id = None
    added: list[str] = []
    merged: list[str] = []
    superseded: list[str] = []
    if tasks and profile.settings.enabled:
        journal_id = await _write_entry(book, profile, day, tasks, at)
        candidates = [c for c in _candidates(tasks, begin, finish) if c[1].kind in profile.settings.remember]
        digests = [store.text_digest(profile.employee_id, c.text) for _, c, _ in candidates]
        forgotten = await book.journal.read(lambda c: reads.forgotten(c, digests))
        for (task, candidate, importance), digest in zip(candidates, digests, strict=True):
            if digest in forgotten:
                continue  # the owner made it forget these very words
            kept = await book.remember(
                profile,
                candidate.kind,
                candidate.text,
                subject=candidate.subject,
                why=candidate.why,
                decided_by=candidate.decided_by,
                source="consolidation",
                source_id=task.task_id,
                importance=importance,
                at=at,
            )
            (merged if kept.duplicate else added).append(kept.memory.id)
            superseded += kept.replaced
        merged += await _merge_repeats(book, profile, begin, finish)
    pruned = await _prune(book, profile, min(end, now))  # never counted from a moment still to come
    return Consolidation(day, journal_id, tuple(added), tuple(dict.fromkeys(merged)), tuple(superseded), pruned)


async def consolidate_due(book: Memories, profile: Profile) -> list[Consolidation]:
    """Every day before today (in the employee's timezone) with work and no final journal entry yet.

    A day consolidated on demand before it ended is consolidated again once it has. Call it when an
    employee goes off duty or wakes up; it reads little when nothing is due.
    """
    zone = zoneinfo.ZoneInfo(profile.timezone)
    today = book.clock.now().astimezone(zone).date()
    entry = await book.journal.read(lambda c: reads.latest_journal(c, profile.employee_id, today.isoformat()))
    since = ""
    if entry is not None and entry.day is not None:
        last = date.fromisoformat(entry.day)
        _, last_end = day_bounds(last, profile.timezone)
        first = last if entry.created_at < (last_end - timedelta(seconds=1)).isoformat() else last + timedelta(days=1)
        since = day_bounds(first, profile.timezone)[0].isoformat()
    until = day_bounds(today, profile.timezone)[0].isoformat()
    starts = await book.journal.read(lambda c: reads.turn_starts(c, profile.employee_id, since, until))
    days = sorted({datetime.fromisoformat(s).astimezone(zone).date() for s in starts})
    return [await consolidate(book, profile, d) for d in days]


async def _write_entry(book: Memories, profile: Profile, day: date, tasks: list[DayTask], at: datetime) -> str:
    lines = [f"{day:%A} {day.isoformat()}: worked on {len(tasks)} task{'s' if len(tasks) != 1 else ''}."]
    for task in tasks[:MAX_LISTED]:
        outcome = f": {clip(task.outcome, 160)}" if task.outcome else ""
        lines.append(f"- {task.title} ({task.status}){outcome}")
    if len(tasks) > MAX_LISTED:
        lines.append(f"- and {len(tasks) - MAX_LISTED} more")
    existing = await book.journal.read(lambda c: reads.latest_journal(c, profile.employee_id, _next(day)))
    entry = MemoryRecord(
        id=existing.id if existing is not None and existing.day == day.isoformat() else book.ids.new("mem"),
        employee_id=profile.employee_id,
        team=None,
        kind=JOURNAL,
        subject="",
        text="\n".join(lines),
        why="",
        decided_by="",
        source="consolidation",
        source_id=None,
        day=day.isoformat(),
        importance=0.3,
        pinned=False,
        superseded_by=None,
        created_at=at.isoformat(),
    )
    await book.journal.write((store.journal_entry_fn(entry), None))
    return entry.id


def _next(day: date) -> str:
    return (day + timedelta(days=1)).isoformat()


def _candidates(tasks: list[DayTask], begin: str, finish: str) -> list[tuple[DayTask, extract.Candidate, float]]:
    found: list[tuple[DayTask, extract.Candidate, float]] = []
    for task in tasks:
        owner = [task.body] if begin <= task.created_at < finish else []
        for said in [*owner, *task.owner_said]:
            found += [(task, c, OWNER_IMPORTANCE) for c in extract.extract(said)]
        found += [(task, c, REPLY_IMPORTANCE) for c in extract.decisions(task.outcome, decided_by="you")]
    return found


async def _merge_repeats(book: Memories, profile: Profile, begin: str, finish: str) -> list[str]:
    """Fold memories made during the day into older ones that say the same thing."""
    made = await book.journal.read(lambda c: reads.created_between(c, profile.employee_id, begin, finish))
    kept: list[str] = []
    gone: set[str] = set()
    for memory in made:
        if memory.id in gone:
            continue
        found = await book.recall(
            profile, memory.text, kinds=[memory.kind], limit=5, exclude_ids=[memory.id], retained_only=False
        )
        older = [
            m
            for m, _ in found
            if m.employee_id == memory.employee_id
            and m.id not in gone
            and (m.created_at, m.id) < (memory.created_at, memory.id)
            and same_fact(m.text, memory.text)
        ]
        if older:
            target = older[0]
            importance = min(1.0, max(target.importance, memory.importance) + REPEAT_BOOST)
            await book.journal.write((store.merge_fn(memory.id, target.id, importance), None))
            gone.add(memory.id)
            kept.append(target.id)
    return kept


async def _prune(book: Memories, profile: Profile, end: datetime) -> int:
    days = profile.settings.retention_days
    if days is None:
        return 0
    done: list[int] = []
    before = (end - timedelta(days=days)).isoformat()
    await book.journal.write((store.prune_fn(profile.employee_id, before, done), None))
    return sum(done)
