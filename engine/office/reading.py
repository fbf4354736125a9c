"""The office as stored, for the commands that only show it (`roster`, `tasks`, `log`, `approvals`,
`budget`): rows read with the standard library's sqlite3, without the office's parts, the tool
registry, connections, the agent loop, the keyring, SQLAlchemy, or a brief parsed again.

`Office` has the same `journal`, `history`, `approvals`, `roster()` and `budget_report()`, so a command
written against `Stored` runs the same code on either front (the full one when the database must first
be created or migrated, or when a brief must be parsed again: see engine.office.brief_facts).
"""

from __future__ import annotations

import json
from collections.abc import Coroutine, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from engine.clock import default_clock
from engine.errors import OfficeError
from engine.office.brief_facts import BriefFacts, recall
from engine.office.history import everyone_in, whose_in
from engine.office.shown import COST_WINDOW, budget_report, roster_rows
from engine.office.standing import OPEN, shown_status, standing
from engine.paths import Home
from engine.store.reading import StoredRows, open_for_reading
from engine.store.records import (
    ApprovalRecord,
    AuditRow,
    Deliverable,
    EmployeeRecord,
    StepRecord,
    TaskRecord,
    audit_row,
)

if TYPE_CHECKING:  # the model's types load for `roster` alone
    from engine.llm.types import ModelConfig

BELT_CEILING = "tools:max_per_employee"  # as engine.briefs.ceiling stores it
CALL_IN_PREFIX = "callin:"  # as engine.office.decisions stores it
HOURS_PREFIX = "hours:"  # as engine.hours stores the owner's hours for one employee (`hours_key`)
ALL_HOURS = "hours:all"  # and for everyone


T = TypeVar("T")


def settle(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a command against the reading front to its end, without an event loop (importing asyncio
    alone is a fifth of such a command's time). Every read here is synchronous SQLite, so the command
    never suspends; one that does is a bug, said as such."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    coroutine.close()
    raise RuntimeError("a command on the reading front waited for something: its reads must not suspend")


class NotStored(Exception):
    """The stored rows cannot answer alone (a brief to parse again, owner's hours this version cannot read):
    the full office answers instead."""


class Tasks(Protocol):
    async def tasks(
        self, employee_id: str | None = None, statuses: Sequence[Any] | None = None
    ) -> list[TaskRecord]: ...

    async def recent_tasks(self, employee_id: str | None = None, closed: int = 50) -> list[TaskRecord]: ...

    async def intents(self, task_ids: Sequence[str]) -> dict[str, str]: ...


class Looks(Protocol):
    async def steps(self, employee_id: str, latest: int | None = None) -> list[StepRecord]: ...

    async def everyone(self) -> dict[str, str]: ...

    async def whose(self, who: str) -> str: ...

    async def audit_rows(
        self, *, employee_id: str | None, kind: str | None, since: str | None, until: str | None, limit: int
    ) -> list[AuditRow]: ...


class Approvals(Protocol):
    async def list(self, status: str | None = "pending") -> list[ApprovalRecord]: ...


class Stored(Protocol):
    """What a reading command uses: the `Office` has it, and so has `Reading`."""

    @property
    def home(self) -> Home: ...

    @property
    def journal(self) -> Tasks: ...

    @property
    def history(self) -> Looks: ...

    @property
    def approvals(self) -> Approvals: ...

    async def roster(self) -> list[dict[str, Any]]: ...

    async def budget_report(self) -> dict[str, Any]: ...

    async def reviews(self, status: str | None = "pending") -> list[Deliverable]: ...


class StoredHistory:
    """`History`'s reads, over the stored rows."""

    def __init__(self, rows: StoredRows) -> None:
        self._rows = rows

    async def steps(self, employee_id: str, latest: int | None = None) -> list[StepRecord]:
        if latest is not None:
            return await self._rows.latest_steps(employee_id, latest)
        return await self._rows.steps(employee_id=employee_id)

    async def everyone(self) -> dict[str, str]:
        return await everyone_in(self._rows)

    async def whose(self, who: str) -> str:
        return whose_in(await self.everyone(), who)

    async def audit_rows(
        self, *, employee_id: str | None, kind: str | None, since: str | None, until: str | None, limit: int
    ) -> list[AuditRow]:
        page = await self._rows.audit_page(employee_id=employee_id, kind=kind, since=since, until=until, limit=limit)
        return [audit_row(values) for values in page]


class StoredApprovals:
    def __init__(self, rows: StoredRows) -> None:
        self._rows = rows

    async def list(self, status: str | None = "pending") -> list[ApprovalRecord]:
        return await self._rows.approvals(status)


class Reading:
    """The stored office, read and never written."""

    def __init__(self, home: Home, rows: StoredRows) -> None:
        self.home = home
        self.journal = rows
        self.history = StoredHistory(rows)
        self.approvals = StoredApprovals(rows)
        try:
            self._clock = default_clock()
        except ValueError as exc:
            raise OfficeError(str(exc)) from None

    @classmethod
    def open(cls, home: Home) -> Reading | None:
        """The office in `home` for reading; None when its database is missing or not at the latest
        schema (the full office then creates or migrates it). Raises StoreError."""
        rows = open_for_reading(home.database)
        return None if rows is None else cls(home, rows)

    def close(self) -> None:
        self.journal.close()

    async def roster(self) -> list[dict[str, Any]]:
        """As `Office.roster`; NotStored when a brief must be parsed again."""
        from engine import model_choice

        records, facts, settings = await self._briefed()
        overrides = _models(settings)
        configs = {
            r.id: model_choice.effective(
                model_choice.load(f.model),
                overrides.get(model_choice.employee_key(r.id)),
                overrides.get(model_choice.ALL),
            )
            for r in records
            if (f := facts[r.id]).model is not None
        }
        errors = {r.id: f.error for r in records if (f := facts[r.id]).error is not None}
        running = {t.employee_id: t.title for t in await self.journal.tasks(statuses=["running"])}
        open_tasks = await self.journal.tasks(statuses=OPEN)
        now = self._clock.now()
        shown: dict[str, tuple[str, str]] = {}
        for record in records:
            own = [t for t in open_tasks if t.employee_id == record.id]
            held = standing(own, on_duty=True)  # the hours matter only for queued work with nothing else
            stored = (record.status, record.status_detail)
            if held is None and facts[record.id].error is None and any(t.status == "queued" for t in own):
                duty = _on_duty(_hours(facts[record.id], settings, record.id), settings, record.id, now)
                shown[record.id] = shown_status(own, stored, on_duty=duty)
            else:
                shown[record.id] = held or stored
        return roster_rows(records, running, shown, configs, errors)

    async def reviews(self, status: str | None = "pending") -> list[Deliverable]:
        """As `Office.reviews`: deliverables oldest first; every one with `status=None`."""
        return await self.journal.deliverables(status)

    async def budget_report(self) -> dict[str, Any]:
        """As `Office.budget_report`; NotStored when a brief must be parsed again."""
        from engine.guardrails.budget import BudgetLedger, Ceiling

        records, facts, settings = await self._briefed()
        now = self._clock.now()
        ledger = BudgetLedger(now.astimezone().tzinfo or now.tzinfo)  # type: ignore[arg-type]  # as Office.open
        seated = [r for r in records if facts[r.id].error is None]
        for r in seated:
            f = facts[r.id]
            zone = _zone(_hours(f, settings, r.id))  # budget days are counted in the hours' time zone
            ledger.register(r.id, r.team, zone, Ceiling(f.per_turn_usd, f.per_day_usd), r.name)
        ceilings = {scope: Ceiling(per_turn, per_day) for scope, per_turn, per_day in await self.journal.ceilings()}
        ledger.use_owner_limits(ceilings, await self.journal.allowances())
        costs = await self.journal.costs_since((now - COST_WINDOW).isoformat())
        return budget_report(costs, ledger, [(r.id, r.name) for r in seated], now)

    async def _briefed(self) -> tuple[list[EmployeeRecord], dict[str, BriefFacts], dict[str, str]]:
        """Everyone employed, the facts of their briefs, and the settings; NotStored when a brief's facts
        no longer hold."""
        settings = dict(await self.journal.settings())
        ceiling = belt_ceiling(settings.get(BELT_CEILING))
        records = await self.journal.employees()
        facts: dict[str, BriefFacts] = {}
        for record in records:
            found = recall(self.home.root, record, ceiling)
            if found is None:
                raise NotStored(f"{record.name}'s brief")
            facts[record.id] = found
        return records, facts, settings


def belt_ceiling(value: str | None) -> int:
    """The stored belt ceiling's value as `engine.briefs.ceiling.read_belt_ceiling` reads it (which also logs an
    unreadable one)."""
    from engine.briefs.limits import DEFAULT_MAX_TOOLS, check_ceiling

    if value is None:
        return DEFAULT_MAX_TOOLS
    try:
        return check_ceiling(int(value))
    except ValueError:
        return DEFAULT_MAX_TOOLS


def _models(settings: dict[str, str]) -> dict[str, ModelConfig]:
    """The owner's models as `engine.office.decisions.read_decisions` reads them (a bad one skipped)."""
    from engine import model_choice

    found = {}
    for key, value in settings.items():
        if key.startswith("model:"):
            try:
                found[key] = model_choice.load(value)
            except (ValueError, TypeError):
                continue
    return found


def _hours(facts: BriefFacts, settings: dict[str, str], employee_id: str) -> Any:
    """As `Roster.hours_of`, as JSON data: the owner's hours for the employee, else for everyone, else its
    brief's. NotStored when the owner's are unreadable (the full office then says so)."""
    for key in (f"{HOURS_PREFIX}{employee_id}", ALL_HOURS):
        if (value := settings.get(key)) is not None:
            try:
                return json.loads(value)
            except ValueError:
                raise NotStored("the owner's working hours") from None
    return facts.hours


def _zone(hours: Any) -> str:
    """The time zone of hours as JSON data, as WorkingHours reads it ("24/7" and no zone given: UTC)."""
    return str(hours.get("timezone") or "UTC") if isinstance(hours, dict) else "UTC"


def _on_duty(hours: Any, settings: dict[str, str], employee_id: str, now: datetime) -> bool:
    """As `engine.hours.on_duty` over `_hours`, in plain Python (engine.briefs.schedule): no pydantic to load.
    NotStored when the hours do not read (the full office then says why)."""
    from datetime import date

    from engine.briefs.schedule import parse_window, working_at

    if (value := settings.get(f"{CALL_IN_PREFIX}{employee_id}")) is not None:
        try:
            if now < datetime.fromisoformat(value):
                return True
        except (ValueError, TypeError):
            pass
    if hours == "24/7" or (isinstance(hours, dict) and hours.get("always") is True):
        return True
    try:
        spans = [parse_window(w) for w in hours["windows"]]
        days_off = [date.fromisoformat(d) for d in hours.get("days_off") or ()]
        if spans:
            return working_at(str(hours.get("timezone") or "UTC"), spans, days_off, now)
    except (KeyError, TypeError, ValueError, AttributeError):  # ZoneInfoNotFoundError is a KeyError
        pass
    raise NotStored("the owner's working hours")
