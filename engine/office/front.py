"""The Office: the one object the CLI and the app use. It opens and closes everything, and each owner
action is a method that hands the work to the part that owns it (`office.parts`).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from engine.audit import AuditLog
from engine.briefs import Brief, WorkingHours
from engine.briefs.catalog import Catalog
from engine.bus import EventBus
from engine.clock import Clock, IdSource, RandomIds, default_clock
from engine.connections import Connections
from engine.errors import OfficeError
from engine.events import BriefInvalid, Event
from engine.guardrails import ApprovalBook, BudgetLedger, Guardrails, Pricing, worst_case_cost
from engine.llm.types import ModelClient, ModelConfig, Price
from engine.loop import AgentLoop, Guard
from engine.memory import MemoryBook, Profile, memory_tools
from engine.office.belts import Belts
from engine.office.briefing import BriefVersions
from engine.office.decisions import DecisionSync, read_decisions
from engine.office.employee import Employee
from engine.office.history import History
from engine.office.owner import Owner
from engine.office.queries import Held, OfficeQueries, Shift
from engine.office.recorder import Recorder
from engine.office.reviews import Reviews
from engine.office.roster import Roster
from engine.office.scheduler import Scheduler
from engine.office.spending import Spending
from engine.office.tasks import TaskBoard
from engine.office.teamwork import build_teams
from engine.office.workers import Workers
from engine.paths import Home
from engine.redaction import redact_call
from engine.secrets import Secrets, redact
from engine.store.db import open_database
from engine.store.journal import Journal
from engine.store.records import ApprovalRecord, Deliverable, EmployeeRecord, TaskRecord
from engine.store.writer import Writer
from engine.teams import Teams
from engine.tools.base import Tool
from engine.tools.registry import ToolRegistry

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Parts:
    """The office's parts, each built with its collaborators (tests reach in through `office.parts`)."""

    belts: Belts  # tools, skills and the belt ceiling; briefs parsed under them
    roster: Roster  # who works here, on what terms (briefs, models, hours)
    workers: Workers  # each employee's queue and worker task
    board: TaskBoard  # tasks: assign, status changes and their events, requeue
    decisions: DecisionSync  # the owner's decisions, as stored, applied to this process
    owner: Owner  # resolve, resume, approvals, letting go, hours, call-ins
    reviews: Reviews  # probation: deliverables accepted or sent back
    spending: Spending  # ceilings, raises, spend reports, connected and simulated models
    scheduler: Scheduler  # the run: workers over the queues, polling, recovery, standing
    queries: OfficeQueries  # roster rows, held work, the scene as events
    teams: Teams  # boards, hand-offs, sprints, stuck work, stand-ups and summaries (engine.teams)


class Office:
    """One office of employees working over one journal. Use `await Office.open(home)`."""

    def __init__(
        self,
        home: Home,
        journal: Journal,
        *,
        model: ModelClient,
        bus: EventBus,
        clock: Clock,
        ids: IdSource,
        tools: ToolRegistry,
        guard: Guard | None,
        ledger: BudgetLedger,
        connections: Connections,
    ) -> None:
        self.home = home
        self.connections = connections  # MCP servers started on demand, stopped by close()
        self.journal = journal
        self.history = History(journal)  # steps, briefs, the audit log, the window's own settings
        self.bus = bus
        self.clock = clock
        self.tools = tools
        self.ledger = ledger
        self.approvals = ApprovalBook(journal, redact=redact_call)  # the call as the owner approves it and it runs
        self.audit = AuditLog(journal.writer)  # masks with engine.redaction, as every other writer does
        recorder = Recorder(journal, self.audit, clock)
        belts = Belts(journal, home, tools, recorder)
        briefs = BriefVersions(journal, home, belts, recorder)
        roster = Roster(journal, bus, ids, ledger, model, belts, briefs, recorder)
        self.guardrails = Guardrails(
            ledger=ledger,
            approvals=self.approvals,
            bus=bus,
            clock=clock,
            ids=ids,
            pricing=Pricing(_price_of),
            estimate=worst_case_cost,
            write=functools.partial(journal.write, full=True),
            on_duty=roster.on_duty_for,
            audit=self.audit,
        )
        self.agent_loop = AgentLoop(journal, model, bus, clock, ids, guard or self.guardrails, redact=redact)
        self.memory = MemoryBook(journal, clock, ids, bus)
        for tool in memory_tools(self.memory):  # remember, recall, correct beside the built-ins
            tools.add(tool)
        workers = Workers(roster.is_employed)
        board = TaskBoard(journal, bus, clock, ids, roster, workers)
        decisions = DecisionSync(journal, bus, roster, workers, board, ledger, self.guardrails)
        owner = Owner(
            journal, bus, clock, ids, roster=roster, workers=workers, board=board, approvals=self.approvals,
            recorder=recorder, refresh=decisions.refresh, tools=tools, servers=connections,
        )  # fmt: skip
        reviews = Reviews(journal, bus, ids, roster=roster, board=board, recorder=recorder, workspace=home.workspace)
        teams = build_teams(
            home, journal, bus, clock, ids, roster=roster, board=board, workers=workers, recorder=recorder,
            model=model, guard=guard or self.guardrails,
            leads=functools.cache(lambda: {t.id: t.lead for t in belts.catalog().teams.values()}),
        )  # fmt: skip
        spending = Spending(journal, clock, ledger, model, roster=roster, recorder=recorder, refresh=decisions.refresh)
        scheduler = Scheduler(
            home, journal, bus, clock, roster=roster, workers=workers, board=board, sync=decisions, owner=owner,
            reviews=reviews, agent_loop=self.agent_loop, connections=connections, recorder=recorder,
            memory=self.memory, teams=teams, ledger=ledger,
        )  # fmt: skip
        queries = OfficeQueries(journal, clock, roster, self.approvals, self.guardrails)
        self.parts = Parts(
            belts, roster, workers, board, decisions, owner, reviews, spending, scheduler, queries, teams
        )

    @classmethod
    async def open(
        cls,
        home: Home,
        *,
        model: ModelClient | None = None,
        bus: EventBus | None = None,
        clock: Clock | None = None,
        ids: IdSource | None = None,
        tools: Iterable[Tool] = (),
        guard: Guard | None = None,
        colocate_writer: bool = True,
        reading: bool = False,
        notice: Callable[[str], None] | None = None,
    ) -> Office:
        """Open the office in `home`.

        `guard` replaces the guardrails (tests of the bare loop); `colocate_writer=False` for the
        desktop app, whose loop thread also renders (see Writer). `reading=True` is for commands that
        only show what is stored: the keyring (a third of a second) is not read, since only what is
        written needs its keys redacted. `notice` hears, in the owner's words, of a database upgrade as it
        starts and ends.
        """
        try:
            clock = clock or default_clock()
        except ValueError as exc:
            raise OfficeError(str(exc)) from None
        engine = await asyncio.to_thread(open_database, home.database, home.backups, clock=clock, notice=notice)
        writer = Writer(engine, colocate=colocate_writer)
        writer.start()
        if model is None:
            from engine.llm.client import LiteLLMClient

            model = LiteLLMClient()
        journal = Journal(engine, writer)
        connections = Connections(journal, home, clock=clock)
        office = cls(
            home,
            journal,
            model=model,
            bus=bus or EventBus(),
            clock=clock,
            ids=ids or RandomIds(),
            tools=connections.registry(tools),  # built-ins, `tools`, and `mcp:<server>.*` on demand
            guard=guard,
            ledger=BudgetLedger(clock.now().astimezone().tzinfo or clock.now().tzinfo),  # type: ignore[arg-type]
            connections=connections,
        )
        await office._load(secrets=not reading)
        return office

    async def _load(self, *, secrets: bool = True) -> None:
        if secrets:
            await asyncio.to_thread(_remember_secrets, self.home)
        decisions = await self.journal.read(read_decisions)
        # Models and hours first: everyone is seated with the model and schedule the owner chose.
        self.parts.roster.use_decisions(decisions.models, decisions.hours, decisions.call_ins)
        for error in await self.parts.belts.load_skills():
            self.bus.publish(BriefInvalid(path=str(error.path), message=str(error)))
        for record in await self.journal.employees():
            await self.parts.roster.seat(record)
        for task in await self.journal.tasks(statuses=["queued"]):
            if task.employee_id in self.parts.roster.employees:
                self.parts.roster.employees[task.employee_id].queue.append(task.id)
        self.parts.decisions.apply(decisions)
        await self.parts.spending.load_spend()

    async def close(self) -> None:
        """Commit what is pending and stop the writer; closing twice is harmless."""
        if self.journal.writer.closed:
            return
        try:
            await self.connections.close()  # no MCP server outlives its office
            await self.journal.flush()
        finally:  # also when the disk is full: the writer thread must not outlive the office
            await self.journal.writer.close()

    # --- settings of this process ---------------------------------------------------------------

    @property
    def teams(self) -> Teams:
        """Teams: boards, hand-offs, sprints, reassigning, stand-ups and weekly summaries."""
        return self.parts.teams

    @property
    def employees(self) -> dict[str, Employee]:
        """Everyone seated in this office, by id."""
        return self.parts.roster.employees

    @property
    def stream(self) -> bool:
        """Whether replies stream into TextStreamed events as they are written."""
        return self.agent_loop.stream

    @stream.setter
    def stream(self, value: bool) -> None:
        self.agent_loop.stream = value

    @property
    def rehearsal_pace(self) -> float:
        """Words per second the rehearsal model writes at (0: instantly)."""
        return self.parts.scheduler.rehearsal_pace

    @rehearsal_pace.setter
    def rehearsal_pace(self, value: float) -> None:
        self.parts.scheduler.rehearsal_pace = value

    # --- hiring and briefs ----------------------------------------------------------------------

    async def hire(self, brief: Brief, *, name: str | None = None, team: str | None = None) -> EmployeeRecord:
        """Hire an employee from a validated brief; refused above the office's tool-belt ceiling."""
        employee = await self.parts.roster.hire(brief, name=name, team=team)
        self.parts.workers.start(employee)
        return employee.record

    async def follow(self) -> None:
        """Catch up with what other processes hired, let go and decided, for an office that only watches
        another process work it (a window): a working office does this at each poll, and frees the work.
        Only when some process decided something (a hire and a letting go are decisions): a look costs one read."""
        if await self.parts.decisions.moved():
            await self.parts.decisions.refresh(working=False)

    def memory_profile(self, who: str) -> Profile:
        """Whose memory, shared with which team, kept how, and in which time zone its days fall."""
        return self.parts.roster.memory_profile(self.find(who))

    def find(self, who: str) -> Employee:
        """An employee by id or by name (case-insensitive). Raises OfficeError."""
        return self.parts.roster.find(who)

    def name_of(self, who: str) -> str:
        """The name of anyone employed, also someone whose brief does not load. Raises OfficeError."""
        unseated = self.parts.roster.find_unseated(who)
        return unseated.name if unseated is not None else self.find(who).record.name

    async def dismiss(self, who: str, reason: str = "") -> int:
        """Let an employee go; returns how many open tasks were cancelled."""
        return await self.parts.owner.dismiss(who, reason)

    def brief_for(self, role_or_path: str) -> Brief:
        """A brief by catalog role id (owner briefs override shipped ones) or by file path."""
        return self.parts.belts.brief_for(role_or_path)

    def catalog(self) -> Catalog:
        return self.parts.belts.catalog()

    def check_brief(self, text: str, source: Path, *, ceiling: int | None = None) -> Brief:
        return self.parts.belts.check_brief(text, source, ceiling=ceiling)

    async def update_brief(self, who: str, text: str) -> Brief:
        """Give a hired employee an edited brief (a new version). Raises BriefError."""
        return await self.parts.roster.update_brief(who, text)

    async def belt_ceiling(self) -> int:
        return await self.parts.belts.ceiling()

    async def set_belt_ceiling(self, ceiling: int) -> None:
        await self.parts.roster.set_belt_ceiling(ceiling)

    # --- work -----------------------------------------------------------------------------------

    async def assign(self, who: str, text: str, *, parent_id: str | None = None) -> TaskRecord:
        """The owner gives an employee a task (audited as an owner action)."""
        return await self.parts.owner.assign(who, text, parent_id=parent_id)

    async def run(self, *, until_idle: bool = True, duration: float | None = None) -> None:
        """Work queued tasks: until every queue is empty (or waits on hours), for `duration` s, or forever."""
        await self.parts.scheduler.run(until_idle=until_idle, duration=duration)

    async def resolve(self, task_id: str, *, happened: bool) -> None:
        await self.parts.owner.resolve(task_id, happened=happened)

    async def resume(self, task_id: str, note: str = "") -> None:
        await self.parts.owner.resume(task_id, note)

    async def decide(
        self, approval_id: str, *, approve: bool, note: str = "", edit: dict[str, Any] | None = None
    ) -> ApprovalRecord:
        return await self.parts.owner.decide(approval_id, approve=approve, note=note, edit=edit)

    async def expire_approvals(self) -> list[ApprovalRecord]:
        return await self.parts.owner.expire_approvals()

    async def reviews(self, status: str | None = "pending") -> list[Deliverable]:
        return await self.parts.reviews.list(status)

    async def accept(self, deliverable_id: str) -> None:
        await self.parts.reviews.accept(deliverable_id)

    async def revise(self, deliverable_id: str, comment: str) -> None:
        await self.parts.reviews.revise(deliverable_id, comment)

    async def put_on_probation(self, who: str, deliverables_to_review: int = 3) -> None:
        await self.parts.reviews.put_on_probation(who, deliverables_to_review)

    async def owner_domains(self) -> tuple[str, ...]:
        """The owner's own domains, as stored (those many owners share left out: `ignored_domains`)."""
        decisions = await self.journal.read(read_decisions)
        return decisions.owner_domains

    async def ignored_domains(self) -> tuple[str, ...]:
        """Domains stored as the owner's that many owners share (`com`, `co.uk`): kept out of every check."""
        decisions = await self.journal.read(read_decisions)
        return decisions.ignored_domains

    async def set_domains(self, domains: tuple[str, ...]) -> None:
        await self.parts.owner.set_domains(domains)

    async def auto_approve(self, who: str, tool: str, on: bool = True) -> None:
        await self.parts.owner.auto_approve(who, tool, on)

    # --- hours ----------------------------------------------------------------------------------

    async def set_hours(self, who: str | None, hours: WorkingHours | None) -> None:
        await self.parts.owner.set_hours(who, hours)

    async def call_in(self, who: str, hours: float = 2.0) -> datetime:
        return await self.parts.owner.call_in(who, hours)

    async def end_call_in(self, who: str) -> bool:
        return await self.parts.owner.end_call_in(who)

    # --- money and models -----------------------------------------------------------------------

    async def set_ceiling(self, target: str, *, per_turn: float | None = None, per_day: float | None = None) -> None:
        await self.parts.spending.set_ceiling(target, per_turn=per_turn, per_day=per_day)

    async def raise_once(self, target: str, usd: float) -> None:
        await self.parts.spending.raise_once(target, usd)

    async def budget_report(self) -> dict[str, Any]:
        return await self.parts.spending.budget_report()

    async def spend_by_day(self, employee_id: str, days: int) -> dict[str, float]:
        """What the employee spent on each of its last `days` budget days (its own time zone's), today's included."""
        return await self.parts.spending.spend_by_day(employee_id, days)

    async def connect_model(
        self,
        model: str,
        *,
        who: str | None = None,
        api_base: str | None = None,
        api_key_name: str | None = None,
        price: Price | None = None,
        fallback: str | None = None,
    ) -> ModelConfig:
        return await self.parts.spending.connect_model(
            model, who=who, api_base=api_base, api_key_name=api_key_name, price=price, fallback=fallback
        )

    async def disconnect_model(self, who: str | None = None) -> None:
        await self.parts.spending.disconnect_model(who)

    def model_mode(self) -> str:
        return self.parts.spending.model_mode()

    def office_model(self) -> ModelConfig | None:
        return self.parts.spending.office_model()

    async def simulate_prices(self, model: str | None) -> None:
        await self.parts.spending.simulate_prices(model)

    # --- views ----------------------------------------------------------------------------------

    async def roster(self) -> list[dict[str, Any]]:
        """Who works here, what they are doing, as plain data (for `roster --json` and the UI)."""
        return await self.parts.queries.roster()

    async def scene_events(self) -> list[Event]:
        return await self.parts.queries.scene_events()

    async def snapshot(self) -> list[Event]:
        """Everything a view needs to start, as events; then the bus keeps it current (see OfficeQueries)."""
        return await self.parts.queries.snapshot(await self.parts.reviews.list("pending"))

    async def held_work(self) -> list[Held]:
        return await self.parts.queries.held_work()

    def shifts(self, who: str | None = None) -> list[Shift]:
        return self.parts.queries.shifts(who)


def _price_of(config: ModelConfig) -> Price:
    if config.price is not None:
        return config.price
    from engine.llm.provider import resolve_price

    price: Price = resolve_price(config)
    return price


def _remember_secrets(home: Home) -> None:
    """Teach the redactor every stored key, so none can reach the journal, the audit log or a log."""
    try:
        Secrets(home=home.root).remember_all()
    except Exception as exc:  # a broken keyring must not stop the office; keys are then asked for
        log.warning("cannot read the keyring: %s", type(exc).__name__)
