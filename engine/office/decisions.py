"""The owner's decisions as durable state: one read of all of them, a version that moves with each, and
`DecisionSync`, which brings a running office up to date with them.

Every owner decision (a model, a schedule, a call-in, a ceiling, a raise, a hire or a dismissal) is
written to the database together with `bump_owner_version()` (engine.store.settings). A running office
(the window or `headcount run`) polls `read_owner_version` and, when it moved, re-reads everything with
`read_decisions`: a decision made by any process reaches it, and an attribute in memory is only ever a
cache of these rows.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from engine import model_choice
from engine.briefs import WorkingHours
from engine.bus import EventBus
from engine.events import DecisionsChanged
from engine.guardrails import BudgetLedger, Ceiling, Guardrails
from engine.llm.types import ModelConfig
from engine.office.roster import Roster
from engine.office.spending import use_simulated_prices
from engine.office.tasks import TaskBoard
from engine.office.workers import Workers
from engine.store import Connection
from engine.store.journal import Journal, read_departed_ids
from engine.store.settings import OWNER_VERSION, read_owner_version, read_settings
from engine.store.spend import read_allowances, read_ceilings
from engine.tools.domains import split_stored

log = logging.getLogger(__name__)

CALL_IN_PREFIX = "callin:"
OWNER_DOMAINS = "owner_domains"  # JSON list: recipients inside these are the owner's own
AUTO_APPROVE_PREFIX = "auto_approve:"  # auto_approve:<employee id>:<qualified tool name> -> "1"


def auto_approve_key(employee_id: str, tool: str) -> str:
    return f"{AUTO_APPROVE_PREFIX}{employee_id}:{tool}"


def call_in_key(employee_id: str) -> str:
    return f"{CALL_IN_PREFIX}{employee_id}"


Stamp = tuple[int, int] | None  # a file's modification time (ns) and size; None: no such file


@dataclass(frozen=True, slots=True)
class Decisions:
    """Everything the owner set, as read in one transaction."""

    version: int = 0
    models: dict[str, ModelConfig] = field(default_factory=dict)  # settings key -> model
    hours: dict[str, WorkingHours] = field(default_factory=dict)  # settings key -> schedule
    call_ins: dict[str, datetime] = field(default_factory=dict)  # employee id -> on duty until
    ceilings: dict[str, Ceiling] = field(default_factory=dict)  # scope -> ceiling
    allowances: tuple[tuple[str, str, float], ...] = ()  # (scope, day, usd)
    simulate: str | None = None  # rehearsal charged at this model's prices (as stored: engine.model_choice)
    departed: frozenset[str] = frozenset()  # everyone let go (a hire made after this read is not among them)
    owner_domains: tuple[str, ...] = ()
    ignored_domains: tuple[str, ...] = ()  # stored as the owner's but shared by many owners (`com`): never used
    auto_approved: frozenset[tuple[str, str]] = frozenset()  # (employee id, qualified tool name)


def read_decisions(conn: Connection) -> Decisions:
    """All owner decisions; a stored value that no longer parses is skipped with a warning."""
    found_models: dict[str, ModelConfig] = {}
    found_hours: dict[str, WorkingHours] = {}
    call_ins: dict[str, datetime] = {}
    version, simulate = 0, None
    domains: tuple[str, ...] = ()
    ignored: tuple[str, ...] = ()
    auto: set[tuple[str, str]] = set()
    for key, value in read_settings(conn):
        try:
            if key == OWNER_VERSION:
                version = int(value)
            elif key == model_choice.SIMULATE:
                simulate = value
            elif key.startswith("model:"):
                found_models[key] = model_choice.load(value)
            elif key.startswith("hours:"):
                found_hours[key] = WorkingHours.model_validate(json.loads(value))
            elif key.startswith(CALL_IN_PREFIX):
                call_ins[key.removeprefix(CALL_IN_PREFIX)] = datetime.fromisoformat(value)
            elif key == OWNER_DOMAINS:
                domains, ignored = owner_domains(json.loads(value))
            elif key.startswith(AUTO_APPROVE_PREFIX):
                employee_id, _, tool = key.removeprefix(AUTO_APPROVE_PREFIX).partition(":")
                auto.add((employee_id, tool))
        except (ValueError, TypeError) as exc:  # a bad stored value falls back to the brief's
            log.warning("ignoring the stored setting %s: %s", key, exc)
    return Decisions(
        version=version,
        models=found_models,
        hours=found_hours,
        call_ins=call_ins,
        ceilings={scope: Ceiling(per_turn, per_day) for scope, per_turn, per_day in read_ceilings(conn)},
        allowances=tuple(read_allowances(conn)),
        simulate=simulate,
        departed=read_departed_ids(conn),
        owner_domains=domains,
        ignored_domains=ignored,
        auto_approved=frozenset(auto),
    )


def owner_domains(stored: list[Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The stored owner's domains: those used, and those ignored because many owners share them (`com`,
    `co.uk`, accepted before the rule), which would count strangers as the owner's own."""
    used, ignored = split_stored(stored)
    for text, why in ignored:
        log.warning("ignoring the stored owner domain %r: %s (headcount domains remove %s)", text, why, text)
    return used, tuple(text for text, _ in ignored)


class DecisionSync:
    """Makes this process's caches (roster, ledger, prices) match the owner's decisions as stored."""

    def __init__(
        self,
        journal: Journal,
        bus: EventBus,
        roster: Roster,
        workers: Workers,
        board: TaskBoard,
        ledger: BudgetLedger,
        guardrails: Guardrails,
    ) -> None:
        self._journal = journal
        self._bus = bus
        self._roster = roster
        self._workers = workers
        self._board = board
        self._ledger = ledger
        self._guardrails = guardrails
        self.version = -1  # the version of the owner's decisions last applied
        self._refreshing = asyncio.Lock()
        self._simulating: str | None = None  # the stored price simulation last applied
        self._stamps: dict[str, Stamp] = {}  # employee id -> its brief file as last seen (its time and size)

    async def moved(self) -> bool:
        """Whether any process decided something since the last `apply`."""
        return await self._journal.read(read_owner_version) != self.version

    def apply(self, decisions: Decisions) -> None:
        """Make the in-memory caches match the owner's decisions as stored (idempotent)."""
        self.version = decisions.version
        self._roster.use_decisions(decisions.models, decisions.hours, decisions.call_ins)
        self._ledger.use_owner_limits(decisions.ceilings, decisions.allowances)
        self._guardrails.owner_domains = decisions.owner_domains
        self._guardrails.auto_approved = decisions.auto_approved
        if decisions.simulate != self._simulating:
            self._simulating = decisions.simulate
            use_simulated_prices(self._guardrails, decisions.simulate)

    async def edited_briefs(self) -> list[str]:
        """Read again each brief file edited by hand since the last look; the ids of those seated anew.

        A broken file fixed seats its employee; an edited one becomes a new version, used from the employee's
        next task; a file broken while its employee is seated is reported (`roster`, the window, the log: the
        file, line and field) and the employee starts no new task until it is fixed (a task under way finishes
        its turn), as after a restart. A file is read again only once it changed (its time or size): a poll
        costs a `stat` per employee, all in one trip off the loop.
        """
        roster = self._roster
        records = {**{e.id: e.record for e in roster.employees.values()}, **roster.unseated}
        paths = {employee_id: record.brief_path for employee_id, record in records.items()}
        stamps = await asyncio.to_thread(lambda: {i: _file_stamp(p) for i, p in paths.items()})
        seated = []
        for employee_id, now in stamps.items():
            if self._stamps.setdefault(employee_id, now) == now:
                continue
            self._stamps[employee_id] = now
            async with self._refreshing:
                record = roster.unseated.get(employee_id)
                employee = roster.employees.get(employee_id)
                record = record or (employee.record if employee is not None else None)
                if record is None:
                    continue  # let go meanwhile
                employee = await roster.seat(record)
            if employee is not None:
                employee.wake.set()  # a worker held by the broken file goes on
                self._workers.start(employee)
                seated.append(employee_id)
        return seated

    async def refresh(self, *, working: bool = True) -> None:
        """Re-read what the owner decided (from any process) and apply it; wake whoever it concerns.

        `working=False` for an office that only watches another process work (a window): it follows hires,
        departures and decisions, and leaves the work they free (held over budget) to the working process."""
        async with self._refreshing:  # one at a time: two would seat someone hired elsewhere twice
            await self._refresh(working)

    async def _refresh(self, working: bool = True) -> None:
        decisions = await self._journal.read(read_decisions)
        records = {r.id: r for r in await self._journal.employees()}
        roster = self._roster
        for employee_id in [e for e in roster.employees if e in decisions.departed]:
            left = roster.forget(employee_id)  # let go from another process
            if left is not None:
                self._workers.cancel(left)
        for employee_id, record in records.items():
            employee = roster.employees.get(employee_id)
            if employee is None or (record.brief_version, record.brief_path) != (
                employee.record.brief_version,
                employee.record.brief_path,
            ):
                seated = await roster.seat(record)  # hired, or re-briefed, elsewhere
                if seated is not None and employee is None:
                    self._workers.start(seated)
            else:
                employee.record = dataclasses.replace(employee.record, probation_left=record.probation_left)
        self.apply(decisions)
        for employee in roster.employees.values():
            employee.wake.set()  # whoever waits for a shift or a budget re-reads it
            simulated = employee.config.is_rehearsal and self._guardrails.pricing.simulated is not None
            self._bus.publish(self._guardrails.spend_event(employee.id, simulated=simulated))  # ceilings may differ
        self._bus.publish(DecisionsChanged(version=decisions.version))
        if working:
            await self._board.retry_over_budget()


def _file_stamp(path: str) -> Stamp:
    try:
        stat = Path(path).stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size
