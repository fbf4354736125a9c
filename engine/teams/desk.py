"""The teams' desk: sprints planned by the lead, the shared board, hand-offs, stuck work and reassigning.

Everything it knows lives in the journal (cards, sprints, artifact versions, settings); `advance()` is
idempotent and runs in the office that holds the run lock, between tasks and at each poll: it queues
sprint cards whose dependencies are done, escalates stuck work to the lead, and holds the stand-ups.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from pydantic import ValidationError

from engine.briefs.model import SLUG
from engine.bus import EventBus
from engine.clock import Clock, IdSource
from engine.errors import OfficeError
from engine.events import EscalationRaised, HandOff, MeetingEnded, MeetingStarted, TaskChanged
from engine.llm.types import ModelConfig, ModelReply, ModelRequest
from engine.parked import is_over_budget
from engine.store import teams as store
from engine.store import writes
from engine.store.journal import Journal, read_departed_ids
from engine.store.records import TaskRecord
from engine.store.settings import put_setting, read_settings_starting
from engine.store.teams import CardRecord, SprintRecord, SummaryRecord
from engine.store.writer import Op
from engine.teams.board import CLOSED, Card, cards_of
from engine.teams.errors import TeamError
from engine.teams.lead import Lead, check_waiting, plan_cards
from engine.teams.plan import (
    Member,
    Plan,
    PlanError,
    check_plan,
    find_member,
    parse_plan,
    planning_prompt,
    rehearsal_plan,
)
from engine.teams.rituals import Rituals

log = logging.getLogger(__name__)

DEFAULT_STUCK_STEPS = 30
DEFAULT_STUCK_MINUTES = 240
BOARD_DAYS = 7  # closed cards stay on the board for a week, the weekly summary's window


class Assign(Protocol):
    async def __call__(
        self, who: str, text: str, *, parent_id: str | None = None, task_id: str | None = None, also: Sequence[Op] = ()
    ) -> TaskRecord: ...


@dataclass(frozen=True, slots=True)
class Settings:
    auto_approve: bool = False
    stuck_steps: int = DEFAULT_STUCK_STEPS
    stuck_minutes: int = DEFAULT_STUCK_MINUTES


@dataclass(frozen=True, slots=True)
class Proposal:
    sprint: SprintRecord
    cards: list[CardRecord]


class Teams:
    def __init__(
        self,
        journal: Journal,
        bus: EventBus,
        clock: Clock,
        ids: IdSource,
        *,
        root: Path,
        members: Callable[[], list[Member]],
        leads: Callable[[], dict[str, str]],
        assign: Assign,
        enqueue: Callable[[TaskRecord], None],
        audit_ops: Callable[[str, Mapping[str, Any], str | None], list[Op]],
        complete: Callable[[str, ModelRequest, str], Awaitable[tuple[ModelReply, str]]],
        config_of: Callable[[str], ModelConfig],
    ) -> None:
        self._journal = journal
        self._bus = bus
        self._clock = clock
        self._ids = ids
        self.root = root
        self._members = members
        self._leads = leads
        self._assign = assign
        self._enqueue = enqueue
        self._audit_ops = audit_ops
        # The lead's model call, through the guardrails (budgets, hours, audit), journaled as a task of the
        # lead's with the given title, whose step holds the spend; returns the reply and that task's id.
        self._complete = complete
        self._config_of = config_of
        self._releasing = asyncio.Lock()
        self._rituals = Rituals(
            journal, bus, clock, board=self.board, members=self.members, lead=self.lead, names=self.names,
            workspace=self.workspace, sprints=self.sprints,
        )  # fmt: skip
        self.lead_desk = Lead(
            journal, bus, clock, ids, members=self.members, names=self.names, assign=assign, audit_ops=audit_ops
        )  # plan edits, split, escalate to the owner, roll-over (engine/teams/lead.py)

    # --- who ----------------------------------------------------------------------------------------

    def team_names(self) -> list[str]:
        return sorted({m.team for m in self._members()})

    def known(self, team: str) -> str:
        """`team` when someone works in it; TeamError naming the teams there are otherwise."""
        teams = self.team_names()
        if team in teams:
            return team
        there = f"teams: {', '.join(teams)}" if teams else "no team is hired yet: `headcount hire-team TEAM`"
        raise TeamError(f"no team {team!r} ({there})")

    def members(self, team: str) -> list[Member]:
        return [m for m in self._members() if m.team == team]

    def team_of(self, employee_id: str) -> str | None:
        return next((m.team for m in self._members() if m.id == employee_id), None)

    def lead(self, team: str) -> Member:
        members = self.members(team)
        if not members:
            raise TeamError(f"no one works in team {team!r}")
        role = self._leads().get(team)
        return next((m for m in members if m.role == role), members[0])

    def workspace(self, team: str) -> Path:
        if not SLUG.match(team):  # a team id names a folder here: never a path out of it
            raise TeamError(f"no team {team!r}")
        path = self.root / team
        path.mkdir(parents=True, exist_ok=True)
        return path

    async def settings(self, team: str) -> Settings:
        prefix = f"team:{team}:"
        values = dict(await self._journal.read(lambda c: read_settings_starting(c, prefix)))
        return Settings(
            auto_approve=values.get(prefix + "auto_approve") == "1",
            stuck_steps=int(values.get(prefix + "stuck_steps", DEFAULT_STUCK_STEPS)),
            stuck_minutes=int(values.get(prefix + "stuck_minutes", DEFAULT_STUCK_MINUTES)),
        )

    async def set_setting(self, team: str, name: str, value: str) -> None:
        if name not in ("auto_approve", "stuck_steps", "stuck_minutes"):
            raise TeamError(f"no team setting {name!r} (auto_approve, stuck_steps, stuck_minutes)")
        await self._journal.write(put_setting(f"team:{self.known(team)}:{name}", value))

    # --- the board ----------------------------------------------------------------------------------

    async def board(self, team: str, *, closed_limit: int | None = None) -> list[Card]:
        """The team's board: every open card, and the cards closed in the last week (the newest `closed_limit`)."""
        since = (self._clock.now() - timedelta(days=BOARD_DAYS)).isoformat()

        def query(conn: Any) -> list[Card]:
            return cards_of(*store.read_board(conn, team, since, closed_limit))

        return await self._journal.read(query)

    def names(self) -> dict[str, str]:
        return {m.id: m.name for m in self._members()}

    async def everyone(self) -> dict[str, str]:
        """Names of every employee a card may name: members, those let go and those whose brief does not load."""
        return {r.id: r.name for r in await self._journal.employees(include_departed=True)}

    async def task_of(self, ref: str) -> str:
        """The task a board's card stands for (`card_…`), or `ref` itself (a task's id)."""
        if not ref.startswith("card_"):
            return ref
        card = await self._journal.read(lambda c: store.read_card(c, ref))
        if card is None:
            raise TeamError(f"no card {ref!r} (see `headcount board TEAM`)")
        if card.task_id is None:
            raise TeamError(f"card {ref} has no task yet: it is queued once the cards it waits on are done")
        return card.task_id

    async def move(self, employee_id: str, card_id: str, column: str) -> CardRecord:
        """An employee moves its own open card to another column."""
        cards = {c.record.id: c for c in await self.board(self.team_of(employee_id) or "")}
        card = cards.get(card_id)
        if card is None:
            raise TeamError(f"no card {card_id!r} on your team's board")
        if card.record.owner_id != employee_id:
            raise TeamError(f"card {card_id} is {self.names().get(card.record.owner_id, '?')}'s; move only your own")
        if card.task_status in CLOSED:
            raise TeamError(f"card {card_id} is closed ({card.task_status})")
        await self._journal.write(store.update_card(card_id, moved_to=column))
        return card.record

    # --- hand-offs ----------------------------------------------------------------------------------

    async def hand_off(
        self, from_id: str, from_task: str, to: str, title: str, note: str, artifact: str | None = None
    ) -> TaskRecord:
        """Queue the next task for a teammate, linked to the task handing it off, on the team's board."""
        team = self.team_of(from_id)
        if team is None:
            raise TeamError("you are not on a team")
        member = find_member(self.members(team), to)
        if member is None:
            names = ", ".join(m.name for m in self.members(team) if m.id != from_id)
            raise TeamError(f"{to!r} is not on your team (teammates: {names or 'none'})")
        if member.id == from_id:
            raise TeamError("hand off to a teammate, not to yourself")
        version = ""
        if artifact:
            current = await self._journal.read(lambda c: store.read_artifact_version(c, team, artifact))
            if current == 0:
                raise TeamError(f"no team file {artifact!r}: write it with team_write first")
            version = f" (version {current})"
        body = f"{title}\n\nHanded off by {self.names().get(from_id, from_id)}: {note}"
        if artifact:
            body += f"\nTeam file: {artifact}{version}; read it with team_read."
        task_id = self._ids.new("task")
        now = self._now()
        card = CardRecord(
            id=self._ids.new("card"), team=team, sprint_id=None, key="", title=title[:200], body=body,
            owner_id=member.id, depends_on="[]", deliverable=artifact or "", due=None, task_id=task_id,
            moved_to=None, escalated_at=None, created_at=now,
        )  # fmt: skip
        audit = self._audit_ops(
            "hand_off", {"from_task": from_task, "task_id": task_id, "to": member.id, "artifact": artifact}, from_id
        )
        task = await self._assign(
            member.id, body, parent_id=from_task, task_id=task_id, also=[store.insert_card(card), *audit]
        )
        self._bus.publish(HandOff(from_employee=from_id, to_employee=member.id, task_id=task.id, title=task.title))
        return task

    # --- sprints ------------------------------------------------------------------------------------

    async def plan_sprint(self, team: str, goal: str, days: int = 5) -> Proposal:
        """The lead plans the sprint (a meeting); the checked plan is proposed, or approved when set to."""
        if not goal.strip():
            raise TeamError("a sprint needs a goal")
        lead = self.lead(team)
        members = self.members(team)
        starts = self._clock.now().date()
        ends = starts + timedelta(days=max(days, 1) - 1)
        self._bus.publish(MeetingStarted(team=team, kind="sprint_planning", attendees=tuple(m.id for m in members)))
        try:
            plan, planning = await self._plan(goal, lead, members, starts, max(days, 1))
        finally:
            self._bus.publish(MeetingEnded(team=team))
        problems = check_plan(plan, members, starts, ends) if isinstance(plan, Plan) else [plan]
        if problems or not isinstance(plan, Plan):
            reason = "the lead's plan cannot be used: " + "; ".join(problems)
            if planning is not None:  # the call was made (and paid for): its task says why nothing came of it
                await self._planning_failed(planning, reason)
            raise TeamError(reason)
        now = self._now()
        sprint = SprintRecord(
            id=self._ids.new("sprint"), team=team, goal=goal.strip(), lead_id=lead.id, status="proposed",
            starts=starts.isoformat(), ends=ends.isoformat(), created_at=now, approved_at=None,
        )  # fmt: skip
        cards = plan_cards(plan, sprint, members, self._ids, now)
        audit = self._audit_ops("sprint_planned", {"sprint_id": sprint.id, "goal": sprint.goal}, lead.id)
        await self._journal.write(store.insert_sprint(sprint), *[store.insert_card(c) for c in cards], *audit)
        if (await self.settings(team)).auto_approve:
            sprint = await self.approve(sprint.id)
        return Proposal(sprint, cards)

    async def _plan(
        self, goal: str, lead: Member, members: list[Member], starts: date, days: int
    ) -> tuple[Plan | str, str | None]:
        """The lead's plan (or why its reply is no plan) and the id of the task its model call was journaled as."""
        if lead.rehearsal:
            return rehearsal_plan(goal, lead, members, starts, days), None
        ends = starts + timedelta(days=days - 1)
        prompt = planning_prompt(goal, members, starts, ends)
        request = ModelRequest(
            config=self._config_of(lead.id),
            messages=[{"role": "system", "content": "You are the team's lead."}, {"role": "user", "content": prompt}],
            tools=[],
        )
        reply, task_id = await self._complete(lead.id, request, f"Plan the sprint: {goal.strip()}")
        try:
            return parse_plan(reply.text), task_id
        except PlanError as exc:
            return str(exc), task_id

    async def _planning_failed(self, task_id: str, reason: str) -> None:
        await self._journal.write(writes.task_status(task_id, "failed", reason, self._now()))
        task = await self._journal.task(task_id)
        if task is not None:
            self._bus.publish(
                TaskChanged(
                    task_id=task_id, employee_id=task.employee_id, title=task.title, status="failed", reason=reason
                )
            )

    async def sprints(self, team: str | None = None, status: str | None = None) -> list[SprintRecord]:
        """The team's sprints (or every team's), oldest first; only those of `status` when given."""
        return await self._journal.read(lambda c: store.read_sprints(c, team, status))

    async def sprint(self, sprint_id: str) -> SprintRecord | None:
        """One sprint, by id (by its key: every sprint the team ever planned is not read to find it)."""
        return await self._journal.read(lambda c: store.read_sprint(c, sprint_id))

    async def approve(self, sprint_id: str) -> SprintRecord:
        """The owner approves a proposed sprint; its cards are queued as their dependencies finish."""
        await self._proposed(sprint_id)
        audit = self._audit_ops("sprint_approved", {"sprint_id": sprint_id}, None)
        await self._journal.write(store.update_sprint(sprint_id, status="active", approved_at=self._now()), *audit)
        await self.release()
        approved = await self.sprint(sprint_id)
        assert approved is not None
        return approved

    async def reject(self, sprint_id: str) -> SprintRecord:
        """The owner turns down a proposed sprint: its cards leave the board, the sprint is kept as rejected."""
        sprint = await self._proposed(sprint_id)
        audit = self._audit_ops("sprint_rejected", {"sprint_id": sprint_id}, None)
        await self._journal.write(
            store.update_sprint(sprint_id, status="rejected"), store.delete_sprint_cards(sprint_id), *audit
        )
        return dataclasses.replace(sprint, status="rejected")

    async def _proposed(self, sprint_id: str) -> SprintRecord:
        """The sprint, which the owner can still approve or reject; TeamError when there is none such."""
        sprint = await self.sprint(sprint_id)
        if sprint is None:
            raise TeamError(f"no sprint {sprint_id!r}")
        if sprint.status != "proposed":
            raise TeamError(f"sprint {sprint_id} is {sprint.status}, not proposed")
        return sprint

    async def release(self) -> list[TaskRecord]:
        """Queue every card of an active sprint whose dependencies are done (each once: card and task in one write).

        One at a time: workers that finish together each call it, and two that read the board before either
        wrote would both queue the card their parts unblocked. Across processes the card's link to its task
        is conditional (store.link_card_task): the second one's write is rolled back, task and all.
        """
        async with self._releasing:
            return await self._release()

    async def _release(self) -> list[TaskRecord]:
        def query(conn: Any) -> tuple[list[SprintRecord], list[CardRecord], dict[str, TaskRecord], frozenset[str]]:
            active = store.read_sprints(conn, status="active")
            cards = [c for s in active for c in store.read_cards(conn, s.team, s.id)]
            tasks = {k: v for s in active for k, v in store.read_card_tasks(conn, s.team, s.id).items()}
            return active, cards, tasks, read_departed_ids(conn)

        active, cards, tasks, departed = await self._journal.read(query)
        queued: list[TaskRecord] = []
        today = self._clock.now().date().isoformat()
        for sprint in active:
            mine = [c for c in cards if c.sprint_id == sprint.id]
            by_key = {c.key: c for c in mine}
            status = {c.key: tasks[c.task_id].status if c.task_id and c.task_id in tasks else None for c in mine}
            if sprint.ends < today:  # it ended: what is still open goes on in the next sprint
                open_ = [c for c in mine if status[c.key] not in CLOSED and not (c.escalated_at and c.task_id is None)]
                if open_:
                    await self.lead_desk.roll_over(sprint, open_, {k for k, v in status.items() if v == "done"})
                    continue
            for card in mine:
                if card.task_id is not None or card.escalated_at is not None:
                    continue
                deps = card.dependencies
                if any(status.get(d) in ("failed", "cancelled") for d in deps):
                    await self._escalate(card, f"a task it depends on was dropped: {card.title}")
                    continue
                if not all(status.get(d) == "done" for d in deps):
                    continue
                try:
                    if card.owner_id in departed:  # let go since the plan was made: the card is the lead's now
                        card = await self._to_lead(card)
                        by_key[card.key] = card
                    task = await self._queue(card, by_key)
                except (OfficeError, TeamError) as exc:  # no one to give it to now (a brief that does not load)
                    log.warning("card %s of sprint %s waits: %s", card.key, sprint.id, exc)
                    continue
                if task is not None:
                    queued.append(task)
            if mine and all(status[c.key] == "done" or c.escalated_at for c in mine):
                await self._journal.write(store.update_sprint(sprint.id, status="closed"))
        return queued

    async def _to_lead(self, card: CardRecord) -> CardRecord:
        """A card whose owner was let go goes to the team's lead, who does it or hands it on (reassign_task)."""
        lead = self.lead(card.team)
        left = (await self.everyone()).get(card.owner_id, card.owner_id)
        note = f"\n{left} has left the team: this card is yours now; do it, or reassign_task it to a member."
        audit = self._audit_ops(
            "task_reassigned", {"card_id": card.id, "from": card.owner_id, "to": lead.id, "why": "owner let go"}, None
        )
        await self._journal.write(store.update_card(card.id, owner_id=lead.id), *audit)
        return dataclasses.replace(card, owner_id=lead.id, body=card.body + note)

    async def _queue(self, card: CardRecord, by_key: dict[str, CardRecord]) -> TaskRecord | None:
        """The card's task, queued; None when another process queued the card first (nothing written)."""
        body = card.body
        for key in card.dependencies:  # the team files it builds on, for its owner to read first
            if key in by_key and by_key[key].deliverable:
                body += f"\nBuilds on: {by_key[key].deliverable}"
        if card.deliverable:
            body += f"\nDeliverable: {card.deliverable}"
        if card.due:
            body += f"\nDue: {card.due}"
        parents = [by_key[d].task_id for d in card.dependencies if d in by_key]
        task_id = self._ids.new("task")
        text = f"{card.title}\n\n{body}"
        try:
            return await self._assign(
                card.owner_id, text, parent_id=parents[-1] if parents else None, task_id=task_id,
                also=[store.link_card_task(card.id, task_id)],
            )  # fmt: skip
        except store.CardTaken:
            log.info("card %s was queued by another process first", card.key)
            return None

    # --- recovery -----------------------------------------------------------------------------------

    async def reassign(self, task_id: str, who: str) -> TaskRecord:
        """Give a task that is not being worked to another member of its team; it is queued for them."""
        task = await self._journal.task(task_id)
        if task is None:
            raise TeamError(f"no task {task_id!r}")
        check_waiting(task, "reassigned")
        team = self.team_of(task.employee_id)
        member = find_member(self.members(team), who) if team else None
        if member is None:
            raise TeamError(f"{who!r} is not on the team of task {task_id}")
        card = await self._journal.read(lambda c: store.read_card_of_task(c, task_id))
        now = self._now()
        ops: list[Op] = [
            store.set_task_owner(task_id, member.id, now),
            writes.task_status(task_id, "queued", f"reassigned to {member.name}", now),
        ]
        if card is not None:
            ops.append(store.update_card(card.id, owner_id=member.id, escalated_at=None, moved_to=None))
        audit = self._audit_ops(
            "task_reassigned", {"task_id": task_id, "from": task.employee_id, "to": member.id}, None
        )
        await self._journal.write(*ops, *audit, full=True)
        moved = await self._journal.task(task_id)
        assert moved is not None
        self._enqueue(moved)
        return moved

    async def advance(self) -> None:
        """Queue what is ready, escalate stuck work, hold the day's stand-ups. A failure never stops the office.

        An office with nobody on a team has no card anyone could take and no stand-up to hold: nothing is read.
        """
        if not self._members():
            return
        teams = sorted({m.team for m in self._members()})
        stages: list[tuple[str, Callable[[], Awaitable[object]]]] = [
            ("queueing ready cards", self.release),
            ("looking for stuck work", self._check_stuck),
            ("the stand-ups", lambda: self._rituals.standups(teams)),
            ("the weekly summaries", lambda: self._rituals.weekly(teams)),
        ]
        for what, stage in stages:  # each on its own: one failing never stops the others
            try:
                await stage()
            except Exception:
                log.exception("team upkeep failed at %s; it is tried again at the next poll", what)

    async def _check_stuck(self) -> None:
        now = self._clock.now()
        for team in sorted({m.team for m in self._members()}):
            settings = await self.settings(team)
            for card in await self.board(team, closed_limit=0):  # only open work can be stuck
                r = card.record
                if r.task_id is None or r.escalated_at or card.task_status in CLOSED or card.task_status is None:
                    continue
                task_id = r.task_id
                task = await self._journal.task(task_id)
                if task is not None and is_over_budget(task):
                    continue  # it waits for the owner's money, not for the lead: a lead's task would hit it too
                steps, last = await self._journal.read(lambda c, t=task_id: store.read_progress(c, t))  # type: ignore[misc]
                # From the last deliverable or the task's last change (reassigned, split, parked), whichever
                # is later: a card just split or reassigned starts a fresh count.
                changed = task.updated_at if task is not None else r.created_at
                since = datetime.fromisoformat(max(last, changed) if last else changed)
                waited = (now - since).total_seconds() / 60
                if steps >= settings.stuck_steps:
                    await self._escalate(r, f"{steps} steps without a deliverable")
                elif card.task_status not in ("queued", "review") and waited >= settings.stuck_minutes:
                    # (a deliverable waiting for the owner's review is done work, not stuck work)
                    await self._escalate(r, f"{int(waited)} minutes without a deliverable")

    async def _escalate(self, card: CardRecord, reason: str) -> None:
        """Mark the card escalated and ask the lead to unstick it (reassign, split or ask the owner)."""
        lead = self.lead(card.team)
        text = (
            f"Unstick: {card.title}\n\n{self.names().get(card.owner_id, card.owner_id)}'s card {card.id} is stuck "
            f"({reason}). Decide: reassign it (reassign_task), split it (split_task), or ask the owner "
            f"(escalate_to_owner); its task is {card.task_id}."
        )
        audit = self._audit_ops(
            "task_escalated", {"card_id": card.id, "task_id": card.task_id, "reason": reason}, lead.id
        )
        now = self._now()
        await self._assign(
            lead.id, text, parent_id=card.task_id, also=[store.update_card(card.id, escalated_at=now), *audit]
        )
        self._bus.publish(EscalationRaised(employee_id=card.owner_id, task_id=card.task_id, reason=reason))

    # --- the lead's changes (engine/teams/lead.py) -------------------------------------------------

    async def plan_of(self, sprint_id: str) -> tuple[SprintRecord, Plan]:
        """A sprint's cards as the plan the owner reads and edits."""
        return await self.lead_desk.plan_of(sprint_id)

    async def edit_plan(self, sprint_id: str, plan: Plan) -> list[CardRecord]:
        """The owner's edit of a proposed sprint's plan, checked like the lead's (owners, tools, no cycles)."""
        return await self.lead_desk.edit(sprint_id, plan)

    async def edit_plan_json(self, sprint_id: str, text: str) -> list[CardRecord]:
        """`edit_plan` from the plan as JSON text (the window's editor); bad JSON is one clear TeamError."""
        try:
            plan = Plan.model_validate_json(text)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "the plan"
            raise TeamError(f"the plan is not valid: {where}: {first['msg']}") from None
        return await self.edit_plan(sprint_id, plan)

    async def split(
        self, task_id: str, first: str, second: str, by: str | None = None
    ) -> tuple[TaskRecord, TaskRecord]:
        """Split a waiting task into two for its owner; what depended on it waits for both halves."""
        return await self.lead_desk.split(task_id, first, second, by)

    async def escalate_to_owner(self, task_id: str, question: str, by: str | None = None) -> TaskRecord:
        """Park a stuck task with the lead's question for the owner."""
        return await self.lead_desk.escalate_to_owner(task_id, question, by)

    # --- stand-ups and summaries (engine/teams/rituals.py) ------------------------------------------

    async def standup(self, team: str, cards: list[Card] | None = None) -> Path:
        """The lead gathers status from the board (a meeting) and writes the day's update in the workspace."""
        return await self._rituals.standup(team, cards)

    async def summary(self, team: str) -> tuple[str, Path]:
        """The week's summary (shipped, blocked, spent, decisions needed), saved in the team's workspace."""
        return await self._rituals.summary(self.known(team))

    async def summaries(self, team: str | None = None) -> list[SummaryRecord]:
        """The weekly summaries sent to the owner, newest first."""
        return await self._journal.read(lambda c: store.read_summaries(c, team))

    def now(self) -> str:
        return self._clock.now().isoformat()

    def _now(self) -> str:
        return self.now()
