"""Money and models, from the owner's side: ceilings, one-off raises, spend reports, connected models.

Every change is journaled and audited, then applied through the owner's decisions like any other.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
import math
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from engine import model_choice
from engine.clock import Clock
from engine.errors import OwnerError
from engine.guardrails import OFFICE, BudgetLedger, Ceiling, Guardrails, employee_scope, team_scope
from engine.guardrails.budget import OVERRUN_PREFIX, parse_overrun
from engine.llm.types import ModelClient, ModelConfig, ModelConfigError, Price
from engine.office.recorder import Recorder
from engine.office.roster import Roster
from engine.office.shown import COST_WINDOW, budget_report
from engine.store.journal import Journal
from engine.store.settings import bump_owner_version, delete_setting, put_setting, read_settings_starting
from engine.store.spend import add_allowance, put_ceiling, read_costs_since, read_spend_by_quarter
from engine.store.writer import Op

log = logging.getLogger(__name__)


class Spending:
    def __init__(
        self,
        journal: Journal,
        clock: Clock,
        ledger: BudgetLedger,
        model: ModelClient,
        *,
        roster: Roster,
        recorder: Recorder,
        refresh: Callable[[], Awaitable[None]],  # re-read the owner's decisions and apply them
    ) -> None:
        self._journal = journal
        self._clock = clock
        self._ledger = ledger
        self._model = model
        self._roster = roster
        self._recorder = recorder
        self._refresh = refresh

    # --- budgets --------------------------------------------------------------------------------

    def scope_of(self, target: str) -> str:
        """`office`, a team id, or an employee name/id, as a ledger scope."""
        if target == OFFICE:
            return OFFICE
        if target in {e.record.team for e in self._roster.employees.values()}:
            return team_scope(target)
        return employee_scope(self._roster.find(target).id)

    async def load_spend(self) -> None:
        """Count the last two days' spend from the journal (ceilings come with the owner's decisions), and hold
        again each day a provider billed past its worst case, until the owner raises that ceiling."""
        since = (self._clock.now() - timedelta(days=2)).isoformat()
        costs, overruns = await self._journal.read(
            lambda c: (read_costs_since(c, since), read_settings_starting(c, OVERRUN_PREFIX))
        )
        for employee_id, started, usd, _ in costs:
            if employee_id in self._roster.employees:
                self._ledger.record_spend(employee_id, datetime.fromisoformat(started), usd)
        for key, value in overruns:
            try:
                self._ledger.hold_overrun(*parse_overrun(key, value))
            except ValueError:
                log.warning("ignoring an unreadable overrun setting %r", key)

    async def set_ceiling(self, target: str, *, per_turn: float | None = None, per_day: float | None = None) -> None:
        """Raise (or lower) a ceiling for good; `math.inf` removes one (even one the brief sets)."""
        scope = self.scope_of(target)
        current = self._ledger.ceiling(scope)
        ceiling = Ceiling(
            per_turn if per_turn is not None else current.per_turn_usd,
            per_day if per_day is not None else current.per_day_usd,
        )
        shown = {
            "scope": scope,
            "per_turn_usd": _finite(ceiling.per_turn_usd),
            "per_day_usd": _finite(ceiling.per_day_usd),
        }
        await self._journal.write(
            put_ceiling(scope, ceiling.per_turn_usd, ceiling.per_day_usd),
            bump_owner_version(),
            *self._recorder.audit_ops("budget_changed", shown, None),
            full=True,
        )
        await self._refresh()

    async def raise_once(self, target: str, usd: float) -> None:
        """Allow `usd` more today only."""
        scope = self.scope_of(target)
        day = self._ledger.day_of(scope, self._clock.now())
        values = {"scope": scope, "day": day, "usd": usd}
        await self._journal.write(
            add_allowance(scope, day, usd),
            bump_owner_version(),
            *self._recorder.audit_ops("budget_changed", values, None),
            full=True,
        )
        await self._refresh()

    async def budget_report(self) -> dict[str, Any]:
        """Spend per employee, team and office for today, this week and this month."""
        since = (self._clock.now() - COST_WINDOW).isoformat()
        rows = await self._journal.read(functools.partial(read_costs_since, since=since))
        seated = [(e.id, e.record.name) for e in self._roster.employees.values()]
        return budget_report(rows, self._ledger, seated, self._clock.now())

    async def spend_by_day(self, employee_id: str, days: int) -> dict[str, float]:
        """What the employee's steps cost on each of its last `days` budget days (`YYYY-MM-DD`, in the time
        zone its ceiling counts in, as `SpendChanged.day`), today's included; days that cost nothing are left
        out."""
        scope = employee_scope(employee_id)
        now = self._clock.now()
        first = (datetime.fromisoformat(self._ledger.day_of(scope, now)) - timedelta(days=days - 1)).date().isoformat()
        since = (now - timedelta(days=days + 1)).isoformat()  # a day more: every zone's day `first` starts after it
        quarters = await self._journal.read(
            functools.partial(read_spend_by_quarter, employee_id=employee_id, since=since)
        )
        spent: dict[str, float] = {}
        for began, usd in quarters:
            day = self._ledger.day_of(scope, datetime.fromisoformat(began))
            if day >= first:
                spent[day] = spent.get(day, 0.0) + usd
        return spent

    # --- models ---------------------------------------------------------------------------------

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
        """Switch rehearsing employees (or one employee) to a real model, after checking it can work."""
        if api_base is not None:
            from engine.briefs.model import server_address

            try:
                api_base = server_address(api_base)
            except ValueError as exc:
                raise OwnerError(str(exc)) from None
        config = ModelConfig(model=model, fallback=fallback, api_base=api_base, api_key_name=api_key_name, price=price)
        if config.is_rehearsal:
            raise OwnerError("that is the rehearsal model; use disconnect_model to go back to it")
        if (problem := config.cleartext()) is not None:  # whatever the model client, before anything is stored
            raise OwnerError(problem)
        from engine.llm.client import LiteLLMClient
        from engine.llm.provider import validate_config

        if isinstance(self._model, LiteLLMClient):
            await asyncio.to_thread(validate_config, config)  # price known or declared, key present
        key = model_choice.employee_key(self._roster.find(who).id) if who else model_choice.ALL
        data = {"model": model, "who": who or "everyone rehearsing", "api_base": api_base}
        await self._recorder.owner_action("connect_model", data, None, put_setting(key, model_choice.dump(config)))
        await self._refresh()
        return config

    async def disconnect_model(self, who: str | None = None) -> None:
        key = model_choice.employee_key(self._roster.find(who).id) if who else model_choice.ALL
        await self._recorder.owner_action("disconnect_model", {"who": who or "everyone"}, None, delete_setting(key))
        await self._refresh()

    def office_model(self) -> ModelConfig | None:
        """The model the owner connected for everyone rehearsing (None: rehearsal), as last read from the database."""
        return self._roster.model_overrides.get(model_choice.ALL)

    def model_mode(self) -> str:
        """What the office thinks with, for the status bar: "Rehearsal" or the model(s) in use."""
        names = sorted({e.config.model for e in self._roster.employees.values() if not e.config.is_rehearsal})
        if not names:
            office = self._roster.model_overrides.get(model_choice.ALL)
            return office.model if office else "Rehearsal"
        rehearsing = any(e.config.is_rehearsal for e in self._roster.employees.values())
        return ", ".join(names) + (" + Rehearsal" if rehearsing else "")

    async def simulate_prices(self, model: str | None) -> None:
        """Charge rehearsal at a real model's prices (shown as simulated), or stop with None."""
        if model:
            price = _simulated_price(model)  # refused now if its price is unknown, before anything is stored
            op: Op = put_setting(model_choice.SIMULATE, model_choice.dump_simulated(model, price))
        else:
            op = delete_setting(model_choice.SIMULATE)
        await self._recorder.owner_action("simulate_prices", {"model": model}, None, op)
        await self._refresh()


def use_simulated_prices(guardrails: Guardrails, stored: str | None) -> None:
    """Charge rehearsal at the stored model's prices from now on (None: rehearsal is free)."""
    price = None
    if stored:
        model, price = model_choice.load_simulated(stored)
        if price is None:  # kept by an older Headcount: looked up (litellm's price map) once here
            try:
                price = _simulated_price(model)
            except OwnerError as exc:  # its price went unknown since: say so, charge nothing
                log.warning("%s", exc)
    guardrails.pricing = dataclasses.replace(guardrails.pricing, simulated=price)


def _simulated_price(model: str) -> Price:
    from engine.llm.provider import resolve_price

    try:
        price: Price = resolve_price(ModelConfig(model=model))
    except ModelConfigError as exc:
        raise OwnerError(f"cannot simulate {model}: {exc}") from None
    return price


def _finite(limit: float | None) -> float | None:
    """A ceiling for display: none, whether never set or removed (infinite)."""
    return None if limit is None or math.isinf(limit) else limit
