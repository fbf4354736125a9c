"""The office's memory book: what each employee and team keeps across days, written through the one writer."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from engine.bus import EventBus
from engine.clock import Clock, IdSource
from engine.llm.compaction import ContextBudget
from engine.memory.records import JOURNAL, KINDS, MemoryRefused, Profile, Source
from engine.memory.text import REPEAT_BOOST, keywords, same_fact
from engine.redaction import redact
from engine.store import memory as store
from engine.store import memory_reads as reads
from engine.store.journal import Journal
from engine.store.memory import MemoryRecord
from engine.store.writer import Op

log = logging.getLogger(__name__)

MAX_TEXT = 2000


@dataclass(frozen=True, slots=True)
class Remembered:
    memory: MemoryRecord
    duplicate: bool = False  # an active memory already said this; `memory` is that one
    replaced: tuple[str, ...] = ()  # older memories about the same subject it superseded


@dataclass(frozen=True, slots=True)
class MemoryBudget:
    """How much memory a task's requests are given."""

    items: int = 12
    tokens: int = 400  # estimated, for the memory lines together
    standing: int = 6  # pinned and tone memories, given whatever the task
    journal_chars: int = 320  # the last working day's entry, cut to this


class Memories:
    """Memories of one office: remember, recall, correct, forget (`MemoryBook` adds tasks' context)."""

    def __init__(
        self,
        journal: Journal,
        clock: Clock,
        ids: IdSource,
        bus: EventBus | None = None,
        *,
        budget: MemoryBudget | None = None,
        context_budget: ContextBudget | None = None,
    ) -> None:
        self.journal = journal
        self.clock = clock
        self.ids = ids
        self.bus = bus
        self.budget = budget or MemoryBudget()
        self.context_budget = context_budget or ContextBudget()
        self._profiles: dict[str, Profile] = {}

    # --- profiles -----------------------------------------------------------------------------

    def use_profile(self, profile: Profile) -> None:
        """Remember how `profile.employee_id` keeps memory (its brief, its team) for its tools."""
        self._profiles[profile.employee_id] = profile

    def profile(self, employee_id: str) -> Profile:
        return self._profiles.get(employee_id) or Profile(employee_id)

    def since(self, profile: Profile, now: datetime | None = None) -> str | None:
        """The oldest creation time still recalled under the brief's `retention_days` (None: forever)."""
        days = profile.settings.retention_days
        if days is None:
            return None
        return ((now or self.clock.now()) - timedelta(days=days)).isoformat()

    # --- writing ------------------------------------------------------------------------------

    async def remember(
        self,
        profile: Profile,
        kind: str,
        text: str,
        *,
        subject: str = "",
        why: str = "",
        decided_by: str = "",
        source: Source = "owner",
        source_id: str | None = None,
        importance: float = 0.5,
        pinned: bool = False,
        team: bool = False,
        check_kind: bool = False,
        at: datetime | None = None,
    ) -> Remembered:
        """Keep a fact or decision. A repeat of an active memory strengthens it instead of adding one;
        a new memory about the same `subject` (and kind) supersedes the older ones.

        `check_kind`: refuse kinds the brief does not keep (for the employee's own `remember`).
        """
        # Given to the model with every task it is pinned for, and kept on disk: never a secret (engine.redaction).
        text, subject, why = (redact(" ".join(words.split())) for words in (text, subject, why))
        if not text:
            raise MemoryRefused("a memory needs some text")
        if len(text) > MAX_TEXT:
            raise MemoryRefused(f"a memory is at most {MAX_TEXT} characters; say it shorter")
        if kind not in KINDS:
            raise MemoryRefused(f"unknown kind {kind!r}; kinds: {', '.join(KINDS)}")
        if check_kind:
            self.check_enabled(profile)
            if kind not in profile.settings.remember:
                kept = ", ".join(profile.settings.remember) or "nothing"
                raise MemoryRefused(f"your brief keeps only these kinds of memory: {kept}; not {kind!r}")
        if team and not profile.team:
            raise MemoryRefused("you are not in a team, so there is no team memory to share with")
        owner, crew = (None, profile.team) if team else (profile.employee_id, None)
        same = await self._same(profile, kind, text, team=team)
        if same is not None:
            stronger = min(1.0, max(same.importance, importance) + REPEAT_BOOST)  # said again: it matters more
            ops: list[Op] = [store.importance_op(same.id, stronger)]
            if pinned and not same.pinned:
                ops.append(store.pin_op(same.id, True))
            await self.journal.write(*ops)
            return Remembered(dataclasses.replace(same, importance=stronger, pinned=same.pinned or pinned), True)
        older = await self.journal.read(lambda c: reads.about(c, profile.employee_id, profile.team, kind, subject))
        older = [m for m in older if (m.employee_id, m.team) == (owner, crew)] if subject else []
        memory = MemoryRecord(
            id=self.ids.new("mem"),
            employee_id=owner,
            team=crew,
            kind=kind,
            subject=subject,
            text=text,
            why=why,
            decided_by=decided_by,
            source=source,
            source_id=source_id,
            day=None,
            importance=min(1.0, max(0.0, importance)),
            pinned=pinned,
            superseded_by=None,
            created_at=(at or self.clock.now()).isoformat(),
        )
        await self.journal.write(*store.insert_ops(memory), *(store.supersede_op(m.id, memory.id) for m in older))
        return Remembered(memory, replaced=tuple(m.id for m in older))

    async def _same(self, profile: Profile, kind: str, text: str, *, team: bool) -> MemoryRecord | None:
        """An active memory of this kind, in the same scope, that says the same thing."""
        terms = keywords(text, 12)
        if not terms:
            return None
        found = await self.recall(profile, text, kinds=[kind], limit=5)  # an expired one is not repeated
        for memory, _ in found:
            if (memory.employee_id is None) == team and same_fact(memory.text, text):
                return memory
        return None

    async def correct(
        self, profile: Profile, memory_id: str, text: str, *, why: str = "", source: Source = "owner"
    ) -> MemoryRecord:
        """Replace a memory with a corrected one; the old one is kept, marked superseded."""
        old = await self.visible(profile, memory_id)
        text, why = redact(" ".join(text.split())), redact(" ".join(why.split()))
        if old.superseded_by is not None:
            newer = await self.get(old.superseded_by)
            if newer is not None and newer.text == text:
                return newer  # the same correction again (a tool re-run after a crash)
            raise MemoryRefused(f"{memory_id} was already replaced by {old.superseded_by}; correct that one")
        if old.kind == JOURNAL:
            raise MemoryRefused(f"{memory_id} is a journal entry; journal entries are rewritten by consolidation")
        if not text:
            raise MemoryRefused("the corrected memory needs some text")
        if text == old.text and not why:
            return old
        new = dataclasses.replace(
            old,
            id=self.ids.new("mem"),
            text=text,
            why=why or old.why,
            source=source,
            superseded_by=None,
            created_at=self.clock.now().isoformat(),
        )
        await self.journal.write(*store.insert_ops(new), store.supersede_op(old.id, new.id))
        return new

    async def edit(
        self, profile: Profile, memory_id: str, text: str, *, forget_old: bool = False
    ) -> tuple[MemoryRecord, MemoryRecord]:
        """The owner's rewording: (the new memory, the old one). The old one stays, superseded, unless
        `forget_old`, when its text is removed for good as `forget` does. Unchanged text changes nothing.
        """
        old = await self.visible(profile, memory_id)
        if len(" ".join(text.split())) > MAX_TEXT:
            raise MemoryRefused(f"a memory is at most {MAX_TEXT} characters; say it shorter")
        new = await self.correct(profile, memory_id, text, source="owner")
        if forget_old and new.id != old.id:
            await self.forget(old.id)
        return new, old

    async def crowded(self, profile: Profile, unpin: str = "headcount memory EMPLOYEE unpin ID") -> str:
        """A warning when more memories are meant for every task than a task is given; "" when all fit.
        `unpin`: how the owner unpins one where the warning is shown (a command, a button)."""
        since, limit = self.since(profile), self.budget.standing
        every = await self.journal.read(
            lambda c: reads.standing(c, profile.employee_id, profile.team, since=since, limit=limit + 50)
        )
        if len(every) <= limit:
            return ""
        left = ", ".join(m.id for m in every[limit:][:5]) + (" …" if len(every) > limit + 5 else "")
        return (
            f"{len(every)} memories are meant for every task, but a task is given {limit}: the tone first, then "
            f"the most important and newest. Not given now: {left}. Unpin what matters less "
            f"({unpin}); unpinned, a memory is still given when a task is about it."
        )

    async def set_pinned(self, profile: Profile, memory_id: str, pinned: bool) -> MemoryRecord:
        """Pin (given with every task) or unpin one of `profile`'s memories."""
        memory = await self.visible(profile, memory_id)
        if memory.superseded_by is not None:
            raise MemoryRefused(f"{memory_id} was replaced by {memory.superseded_by}; pin that one")
        if memory.pinned == pinned:
            return memory
        return await self.pin(memory_id, pinned)

    async def forget(self, memory_id: str) -> MemoryRecord | None:
        """Remove a memory for good (see `engine.store.memory.forget_fn`); None when there is no such memory."""
        found: list[MemoryRecord] = []
        forget = store.forget_fn(memory_id, self.clock.now().isoformat(), found)
        await self.journal.write((forget, None), full=True)
        if found:
            await asyncio.to_thread(self._checkpoint)
        return found[0] if found else None

    def _checkpoint(self) -> None:
        # Pages holding the old text stay in the write-ahead log until a checkpoint copies them back.
        try:
            self.journal.read_now(lambda c: c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").fetchall())
        except Exception as exc:  # busy readers: the next automatic checkpoint does it
            log.info("checkpoint after forgetting deferred: %s", exc)

    async def pin(self, memory_id: str, pinned: bool = True) -> MemoryRecord:
        memory = await self.get(memory_id)
        if memory is None:
            raise MemoryRefused(f"no memory {memory_id!r}")
        await self.journal.write(store.pin_op(memory_id, pinned))
        return dataclasses.replace(memory, pinned=pinned)

    # --- reading ------------------------------------------------------------------------------

    async def get(self, memory_id: str) -> MemoryRecord | None:
        return await self.journal.read(lambda c: reads.get(c, memory_id))

    async def visible(self, profile: Profile, memory_id: str) -> MemoryRecord:
        """The memory, if `profile`'s employee may see it (its own, or its team's)."""
        memory = await self.get(memory_id)
        if memory is None or not _sees(profile, memory):
            raise MemoryRefused(f"no memory {memory_id!r} of yours")
        return memory

    async def recall(
        self,
        profile: Profile,
        query: str,
        *,
        kinds: Sequence[str] | None = None,
        limit: int = 8,
        include_journal: bool = False,
        exclude_ids: Sequence[str] = (),
        retained_only: bool = True,
    ) -> list[tuple[MemoryRecord, float]]:
        """Active memories matching `query`, ranked (see `engine.store.memory_reads.search`), within retention."""
        terms = keywords(query, 16)
        if not terms:
            return []
        since = self.since(profile) if retained_only else None
        now = self.clock.now().isoformat()
        return await self.journal.read(
            lambda c: reads.search(
                c,
                profile.employee_id,
                profile.team,
                terms,
                now=now,
                since=since,
                kinds=kinds,
                exclude_kinds=() if include_journal else (JOURNAL,),
                exclude_ids=exclude_ids,
                limit=limit,
            )
        )

    async def listing(
        self,
        profile: Profile,
        *,
        kinds: Sequence[str] | None = None,
        include_superseded: bool = False,
        retained_only: bool = True,
        limit: int | None = None,
    ) -> list[MemoryRecord]:
        """What the employee may see, pinned first, then newest first."""
        since = self.since(profile) if retained_only else None
        return await self.journal.read(
            lambda c: reads.listing(
                c,
                profile.employee_id,
                profile.team,
                kinds=kinds,
                include_superseded=include_superseded,
                since=since,
                limit=limit,
            )
        )

    async def given(
        self, *, task_id: str | None = None, step_ids: Sequence[str] = ()
    ) -> dict[str, list[MemoryRecord | str]]:
        """The memories each model step was given, by step id; a forgotten one appears as its bare id."""
        return await self.journal.read(lambda c: reads.given_memories(c, step_ids=step_ids, task_id=task_id))

    def check_enabled(self, profile: Profile) -> None:
        if not profile.settings.enabled:
            raise MemoryRefused("memory is switched off in your brief (memory: enabled: false)")


def _sees(profile: Profile, memory: MemoryRecord) -> bool:
    if memory.employee_id is not None:
        return memory.employee_id == profile.employee_id
    return memory.team is not None and memory.team == profile.team
