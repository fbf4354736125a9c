"""An employee's memories as the Memory tab shows them, and the owner's hand on them (edit, pin, forget).

Qt-free: `MemoryCommands` asks the office (`office.memory`, `office.history`) and hands the tab a
`MemoryView`. Every change is a row in the office's database, so a running office (this process or
another) gives it with its next task; nothing here is kept but the view.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from app.coalesce import Coalesced, Spawn
from app.rows import step_row
from engine.memory.records import local_day, local_time

if TYPE_CHECKING:
    from engine.office import Office

Layer = Literal["facts", "decisions", "journal", "team"]
LAYERS: tuple[Layer, ...] = ("facts", "decisions", "journal", "team")
LAYER_TITLES: dict[Layer, str] = {"facts": "Facts", "decisions": "Decisions", "journal": "Journal", "team": "Team"}
SEARCH_LIMIT = 50
LIST_LIMIT = 500  # memories listed without a search (pinned first, then newest): the tab reads them on every step
GIVEN_STEPS = 40  # newest model steps shown with what they were given


@dataclass(frozen=True, slots=True)
class MemoryRow:
    id: str
    layer: Layer
    kind: str
    subject: str
    text: str
    pinned: bool
    source: str  # owner | task | consolidation
    day: str  # its day where the employee works (a journal entry's own), YYYY-MM-DD
    when: str  # when it was made, there: YYYY-MM-DD HH:MM
    why: str = ""

    @property
    def editable(self) -> bool:
        return self.kind != "journal"  # journal entries are rewritten by consolidation


@dataclass(frozen=True, slots=True)
class GivenStep:
    """One model request and the memories it was given (a forgotten one as its bare id)."""

    step_id: str
    when: str
    summary: str
    memories: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MemoryView:
    rows: tuple[MemoryRow, ...]
    given: tuple[GivenStep, ...]
    query: str = ""
    more: bool = False  # older memories than the rows exist: a search finds them
    crowded: str = ""  # more memories are pinned than a task is given: which are left out, and what to do


def layer_of(memory: Any) -> Layer:
    if memory.employee_id is None:
        return "team"
    if memory.kind == "journal":
        return "journal"
    return "decisions" if memory.kind == "decisions" else "facts"


def to_row(memory: Any, timezone: str) -> MemoryRow:
    """An `engine.memory.MemoryRecord` as the tab's row, dated where its employee works (`timezone`)."""
    return MemoryRow(
        id=memory.id,
        layer=layer_of(memory),
        kind=memory.kind,
        subject=memory.subject,
        text=" ".join(memory.text.split()),
        pinned=bool(memory.pinned),
        source=memory.source,
        day=local_day(memory.created_at, timezone, memory.day),
        when=f"{local_time(memory.created_at, timezone):%Y-%m-%d %H:%M}",
        why=memory.why,
    )


def by_layer(rows: Sequence[MemoryRow]) -> dict[Layer, list[MemoryRow]]:
    """Rows grouped by layer, pinned first in each, then in the order given (newest or best first)."""
    out: dict[Layer, list[MemoryRow]] = {layer: [] for layer in LAYERS}
    for r in rows:
        out[r.layer].append(r)
    return {layer: sorted(found, key=lambda r: not r.pinned) for layer, found in out.items()}


def given_line(memory: Any) -> str:
    if isinstance(memory, str):
        return f"[{memory}] (forgotten since)"
    subject = f", {memory.subject}" if memory.subject else ""
    return f"[{memory.id}] {memory.kind}{subject}: {' '.join(memory.text.split())}"


Deliver = Callable[[MemoryView], None]


class MemoryCommands:
    """The Memory tab's commands for one employee; each runs as an owned task, then delivers a fresh view."""

    def __init__(self, employee_id: str, office: Callable[[], Office], spawn: Spawn) -> None:
        self.employee_id = employee_id
        self._office = office
        self._spawn = spawn

    def load(self, query: str, deliver: Deliver) -> None:
        self._spawn(self._deliver(query, deliver), "read the memories")

    def reloader(self, query: Callable[[], str], deliver: Deliver) -> Coalesced:
        """Reads the view again on each ask, with the query as it is then; asks during a read end in one more."""
        return Coalesced(lambda: self._deliver(query(), deliver), self._spawn, "read the memories")

    def edit(self, memory_id: str, text: str, query: str, deliver: Deliver) -> None:
        self._spawn(self._after(self.edit_now(memory_id, text), query, deliver), "edit the memory")

    def pin(self, memory_id: str, pinned: bool, query: str, deliver: Deliver) -> None:
        what = "pin the memory" if pinned else "unpin the memory"
        self._spawn(self._after(self.pin_now(memory_id, pinned), query, deliver), what)

    def forget(self, memory_id: str, query: str, deliver: Deliver) -> None:
        self._spawn(self._after(self.forget_now(memory_id), query, deliver), "forget the memory")

    # --- the work, awaitable (tests await these directly) -------------------------------------------

    async def view(self, query: str = "") -> MemoryView:
        office = self._office()
        profile = office.memory_profile(self.employee_id)
        if query.strip():
            found = await office.memory.recall(profile, query, include_journal=True, limit=SEARCH_LIMIT)
            memories = [m for m, _ in found]
        else:
            memories = await office.memory.listing(profile, limit=LIST_LIMIT + 1)
        more = not query.strip() and len(memories) > LIST_LIMIT
        crowded = await office.memory.crowded(profile, "select one, Unpin")
        rows = tuple(to_row(m, profile.timezone) for m in memories[:LIST_LIMIT])
        return MemoryView(rows, await self.given(), query, more, crowded)

    async def given(self) -> tuple[GivenStep, ...]:
        office = self._office()
        latest = await office.history.steps(self.employee_id, latest=GIVEN_STEPS * 4)  # tool steps between them
        steps = [s for s in latest if s.kind == "model"][-GIVEN_STEPS:]
        links = await office.memory.given(step_ids=[s.id for s in steps]) if steps else {}
        shown = [
            GivenStep(s.id, s.started_at, step_row(s).summary, tuple(given_line(m) for m in links.get(s.id, ())))
            for s in steps
        ]
        return tuple(reversed(shown))  # newest first

    async def edit_now(self, memory_id: str, text: str) -> None:
        office = self._office()
        await office.memory.edit(office.memory_profile(self.employee_id), memory_id, text)

    async def pin_now(self, memory_id: str, pinned: bool) -> None:
        office = self._office()
        await office.memory.set_pinned(office.memory_profile(self.employee_id), memory_id, pinned)

    async def forget_now(self, memory_id: str) -> None:
        office = self._office()
        await office.memory.visible(office.memory_profile(self.employee_id), memory_id)  # only its own or team's
        await office.memory.forget(memory_id)

    async def _deliver(self, query: str, deliver: Deliver) -> None:
        deliver(await self.view(query))

    async def _after(self, change: Coroutine[Any, Any, None], query: str, deliver: Deliver) -> None:
        try:
            await change
        finally:
            deliver(await self.view(query))  # refused or not, the tab shows what is stored
