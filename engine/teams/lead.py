"""What a lead (or the owner) does with a team's plan and its stuck work: edit the plan, split, escalate, roll over.

Each change is one write of cards, tasks and its audit row; the desk hands in what it needs.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from engine.bus import EventBus
from engine.clock import Clock, IdSource
from engine.events import EscalationRaised
from engine.store import teams as store
from engine.store import writes
from engine.store.journal import Journal
from engine.store.records import TaskRecord
from engine.store.teams import CardRecord, SprintRecord
from engine.store.writer import Op
from engine.teams.board import CLOSED
from engine.teams.errors import TeamError
from engine.teams.plan import (
    Member,
    Plan,
    PlannedTask,
    check_plan,
    find_member,
    place,
    sprint_folder,
    working_day,
)

AuditOps = Callable[[str, Mapping[str, Any], str | None], list[Op]]


def plan_cards(
    plan: Plan, sprint: SprintRecord, members: Sequence[Member], ids: IdSource, now: str
) -> list[CardRecord]:
    """The sprint's cards for a checked plan (every owner is on the team), none queued yet, each deliverable
    placed in the sprint's own folder (engine.teams.plan.place).

    Each is dated a microsecond after the one before, in the plan's order: cards are read back by date, then
    id, and ids are no order at all (random ones, or `card_10` before `card_9`)."""
    start = datetime.fromisoformat(now)
    folder = sprint_folder(sprint.id, sprint.goal)
    return [
        CardRecord(
            id=ids.new("card"),
            team=sprint.team,
            sprint_id=sprint.id,
            key=t.key,
            title=t.title,
            body=t.body or t.title,
            owner_id=find_member(members, t.owner).id,  # type: ignore[union-attr]
            depends_on=json.dumps(t.depends_on),
            deliverable=place(t.deliverable, folder),
            due=t.due.isoformat(),
            task_id=None,
            moved_to=None,
            escalated_at=None,
            created_at=(start + timedelta(microseconds=n)).isoformat(),
        )
        for n, t in enumerate(plan.tasks)
    ]


class Lead:
    def __init__(
        self,
        journal: Journal,
        bus: EventBus,
        clock: Clock,
        ids: IdSource,
        *,
        members: Callable[[str], list[Member]],
        names: Callable[[], dict[str, str]],
        assign: Callable[..., Awaitable[TaskRecord]],
        audit_ops: AuditOps,
    ) -> None:
        self._journal = journal
        self._bus = bus
        self._clock = clock
        self._ids = ids
        self._members = members
        self._names = names
        self._assign = assign
        self._audit_ops = audit_ops

    # --- the plan, before work starts ------------------------------------------------------------

    async def plan_of(self, sprint_id: str) -> tuple[SprintRecord, Plan]:
        """A sprint and its cards as a plan (what the owner edits)."""
        sprint = await self._sprint(sprint_id)
        cards = await self._journal.read(lambda c: store.read_cards(c, sprint.team, sprint.id))
        tasks = [
            PlannedTask(
                key=c.key or c.id[-20:],
                title=c.title,
                owner=self._names().get(c.owner_id, c.owner_id),
                body=c.body,
                depends_on=c.dependencies,
                deliverable=c.deliverable,
                due=date.fromisoformat(c.due or sprint.ends),
            )
            for c in cards
        ]
        return sprint, Plan.model_construct(tasks=tasks)

    async def edit(self, sprint_id: str, plan: Plan, by: str | None = None) -> list[CardRecord]:
        """Replace a proposed sprint's cards with the owner's edited plan, checked like the lead's."""
        sprint = await self._sprint(sprint_id)
        if sprint.status != "proposed":
            raise TeamError(f"sprint {sprint_id} is {sprint.status}: only a proposed sprint's plan can be edited")
        members = self._members(sprint.team)
        problems = check_plan(plan, members, date.fromisoformat(sprint.starts), date.fromisoformat(sprint.ends))
        if problems:
            raise TeamError("the edited plan cannot be used: " + "; ".join(problems))
        now = self._clock.now().isoformat()
        cards = plan_cards(plan, sprint, members, self._ids, now)
        audit = self._audit_ops("sprint_edited", {"sprint_id": sprint_id, "tasks": len(cards)}, by)
        await self._journal.write(
            store.delete_sprint_cards(sprint_id), *[store.insert_card(c) for c in cards], *audit, full=True
        )
        return cards

    # --- stuck work ------------------------------------------------------------------------------

    async def split(
        self, task_id: str, first: str, second: str, by: str | None = None
    ) -> tuple[TaskRecord, TaskRecord]:
        """Split a waiting task in two halves for its owner; work that depended on it waits for both."""
        if not first.strip() or not second.strip():
            raise TeamError("a split needs a title for each half")
        task, card = await self._open_card(task_id)
        now = self._clock.now().isoformat()
        second_key = f"{card.key}b"[:20] if card.key else ""
        ops: list[Op] = [writes.task_status(task_id, "cancelled", f"split into: {first} / {second}", now)]
        if card.sprint_id and card.key:
            for other in await self._journal.read(lambda c: store.read_cards(c, card.team, card.sprint_id)):
                if card.key in other.dependencies and other.id != card.id:
                    ops.append(store.update_card(other.id, depends_on=json.dumps([*other.dependencies, second_key])))
        first_id, second_id = self._ids.new("task"), self._ids.new("task")
        second_card = CardRecord(
            id=self._ids.new("card"), team=card.team, sprint_id=card.sprint_id, key=second_key, title=second[:200],
            body=second, owner_id=card.owner_id, depends_on=card.depends_on, deliverable="", due=card.due,
            task_id=second_id, moved_to=None, escalated_at=None, created_at=now,
        )  # fmt: skip
        ops += [
            store.update_card(
                card.id, title=first[:200], body=first, task_id=first_id, escalated_at=None, moved_to=None
            ),
            store.insert_card(second_card),
            *self._audit_ops("task_split", {"task_id": task_id, "into": [first_id, second_id]}, by),
        ]
        one = await self._assign(task.employee_id, f"{first}\n\n(from {task.title})", parent_id=task_id,
                                 task_id=first_id, also=ops)  # fmt: skip
        two = await self._assign(task.employee_id, f"{second}\n\n(from {task.title})", parent_id=task_id,
                                 task_id=second_id)  # fmt: skip
        return one, two

    async def escalate_to_owner(self, task_id: str, question: str, by: str | None = None) -> TaskRecord:
        """Park a stuck task for the owner with the lead's question (`headcount resume TASK --note` answers);
        `by` None: the owner parked it, with a question for later."""
        if not question.strip():
            raise TeamError("say what the owner should decide")
        task, card = await self._open_card(task_id)
        now = self._clock.now().isoformat()
        reason = f"{'the lead asks you' if by is not None else 'escalated'}: {question.strip()}"
        await self._journal.write(
            writes.task_status(task_id, "parked", reason, now),
            store.update_card(card.id, escalated_at=card.escalated_at or now),
            *self._audit_ops("escalated_to_owner", {"task_id": task_id, "question": question}, by),
            full=True,
        )
        self._bus.publish(EscalationRaised(employee_id=task.employee_id, task_id=task_id, reason=reason))
        moved = await self._journal.task(task_id)
        assert moved is not None
        return moved

    async def _open_card(self, task_id: str) -> tuple[TaskRecord, CardRecord]:
        task = await self._journal.task(task_id)
        if task is None:
            raise TeamError(f"no task {task_id!r}")
        check_waiting(task, "changed")
        card = await self._journal.read(lambda c: store.read_card_of_task(c, task_id))
        if card is None:
            raise TeamError(f"task {task_id} is on no team's board")
        return task, card

    async def _sprint(self, sprint_id: str) -> SprintRecord:
        found = await self._journal.read(lambda c: store.read_sprint(c, sprint_id))
        if found is None:
            raise TeamError(f"no sprint {sprint_id!r}")
        return found

    # --- the end of a sprint ---------------------------------------------------------------------

    async def roll_over(self, sprint: SprintRecord, cards: Sequence[CardRecord], done: set[str]) -> SprintRecord:
        """Close an ended sprint; its unfinished cards go on in the next one, as long, starting today."""
        today = self._clock.now().date()
        length = (date.fromisoformat(sprint.ends) - date.fromisoformat(sprint.starts)).days
        nxt = SprintRecord(
            id=self._ids.new("sprint"), team=sprint.team, goal=sprint.goal, lead_id=sprint.lead_id, status="active",
            starts=today.isoformat(), ends=(today + timedelta(days=length)).isoformat(),
            created_at=self._clock.now().isoformat(), approved_at=sprint.approved_at,
        )  # fmt: skip
        ops: list[Op] = [store.update_sprint(sprint.id, status="closed"), store.insert_sprint(nxt)]
        moved = [c for c in cards if c.key not in done]
        keys = {c.key for c in moved}
        later = today - date.fromisoformat(sprint.starts)  # each due moves as the sprint does, inside it
        owners = {m.id: m for m in self._members(sprint.team)}
        starts, ends = today, date.fromisoformat(nxt.ends)
        for card in moved:  # what it waited on and is done stays done in the old sprint
            left = [d for d in card.dependencies if d in keys]
            due = card.due and min(date.fromisoformat(card.due) + later, ends).isoformat()
            if due and (owner := owners.get(card.owner_id)) is not None:  # on a day its owner works, as planned
                due = working_day(owner, date.fromisoformat(due), starts, ends).isoformat()
            ops.append(store.update_card(card.id, sprint_id=nxt.id, depends_on=json.dumps(left), due=due))
        data = {"sprint_id": sprint.id, "next": nxt.id, "cards": [c.id for c in moved]}
        await self._journal.write(*ops, *self._audit_ops("sprint_rolled_over", data, None), full=True)
        return nxt


def check_waiting(task: TaskRecord, done: str) -> None:
    """TeamError unless `task` waits (queued, parked, ...) and can be `done` ("changed", "reassigned")."""
    if task.status in ("running", *CLOSED):
        raise TeamError(f"task {task.id} is {task.status}; only a task that waits can be {done}")
    if task.status == "review":  # its work waits for the owner's decision, which comes first
        raise TeamError(
            f"task {task.id} waits for your review: accept its work or send it back "
            f"(`headcount review`, `accept`, `revise`) before it can be {done}"
        )
