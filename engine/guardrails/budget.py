"""Hard cost ceilings that fail closed: reserve the worst case before a call, settle the actual after.

Scopes: the turn, the employee's day (in its own time zone), its team's day and the office's day.
Every check-and-reserve happens synchronously on the event loop thread, so employees racing for one
ceiling can never both pass it: the second sees the first one's reservation.
"""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo

OFFICE = "office"


def employee_scope(employee_id: str) -> str:
    return f"employee:{employee_id}"


def team_scope(team: str) -> str:
    return f"team:{team}"


@dataclass(frozen=True, slots=True)
class Ceiling:
    per_turn_usd: float | None = None
    per_day_usd: float | None = None


@dataclass(frozen=True, slots=True)
class Refusal:
    scope: str
    kind: str  # "turn" or "day"
    limit_usd: float
    spent_usd: float
    reserved_usd: float
    needed_usd: float

    def reason(self) -> str:
        what = "this turn" if self.kind == "turn" else f"today's {_scope_name(self.scope)}"
        return (
            f"over budget: {what} ceiling is ${self.limit_usd:.4f}; ${self.spent_usd:.4f} spent, "
            f"${self.reserved_usd:.4f} reserved, the next call may cost up to ${self.needed_usd:.4f}"
        )


def _scope_name(scope: str) -> str:
    if scope == OFFICE:
        return "office"
    kind, _, name = scope.partition(":")
    return f"{kind} {name}"


@dataclass(slots=True)
class Reservation:
    keys: tuple[tuple[str, str], ...]  # (scope, day) pairs the amount was reserved against
    turn: str
    amount: float
    settled: bool = False


@dataclass(slots=True)
class _Who:
    employee_id: str
    team: str | None
    zone: tzinfo
    brief_ceiling: Ceiling = field(default_factory=Ceiling)


class BudgetLedger:
    """Today's spend and open reservations per scope, with the ceilings that apply."""

    def __init__(self, office_zone: tzinfo) -> None:
        self._office_zone = office_zone
        self._who: dict[str, _Who] = {}
        self._overrides: dict[str, Ceiling] = {}
        self._allowances: dict[tuple[str, str], float] = defaultdict(float)
        self._spent: dict[tuple[str, str], float] = defaultdict(float)
        self._reserved: dict[tuple[str, str], float] = defaultdict(float)
        self._turn_spent: dict[str, float] = defaultdict(float)
        self._turn_reserved: dict[str, float] = defaultdict(float)

    # --- set-up ---------------------------------------------------------------------------------

    def register(self, employee_id: str, team: str | None, timezone: str, ceiling: Ceiling) -> None:
        self._who[employee_id] = _Who(employee_id, team, zoneinfo.ZoneInfo(timezone), ceiling)

    def set_override(self, scope: str, ceiling: Ceiling) -> None:
        self._overrides[scope] = ceiling

    def add_allowance(self, scope: str, day: str, usd: float) -> None:
        self._allowances[(scope, day)] += usd

    def use_owner_limits(self, ceilings: dict[str, Ceiling], allowances: Iterable[tuple[str, str, float]]) -> None:
        """Replace every ceiling and raise the owner set by these (as read from the database)."""
        self._overrides = dict(ceilings)
        self._allowances = defaultdict(float)
        for scope, day, usd in allowances:
            self._allowances[(scope, day)] += usd

    def record_spend(self, employee_id: str, when: datetime, usd: float) -> None:
        """Count spend already made (loaded from the journal at start-up)."""
        for key in self._keys(employee_id, when):
            self._spent[key] += usd

    # --- the hot path --------------------------------------------------------------------------

    def reserve(self, employee_id: str, turn: str, now: datetime, amount: float) -> Reservation | Refusal:
        """Reserve `amount` against every ceiling that applies, or refuse without reserving anything."""
        keys = self._keys(employee_id, now)
        turn_ceiling = self.ceiling(employee_scope(employee_id)).per_turn_usd
        if turn_ceiling is not None:
            spent, held = self._turn_spent[turn], self._turn_reserved[turn]
            if spent + held + amount > turn_ceiling + 1e-12:
                return Refusal(employee_scope(employee_id), "turn", turn_ceiling, spent, held, amount)
        for scope, day in keys:
            limit = self.day_limit(scope, day)
            if limit is None:
                continue
            spent, held = self._spent[(scope, day)], self._reserved[(scope, day)]
            if spent + held + amount > limit + 1e-12:
                return Refusal(scope, "day", limit, spent, held, amount)
        for key in keys:
            self._reserved[key] += amount
        self._turn_reserved[turn] += amount
        return Reservation(keys, turn, amount)

    def settle(self, reservation: Reservation, actual: float) -> None:
        """Replace the reservation by what the call really cost (never more than was reserved)."""
        if reservation.settled:
            return
        reservation.settled = True
        for key in reservation.keys:
            self._reserved[key] -= reservation.amount
            self._spent[key] += actual
        self._turn_reserved[reservation.turn] -= reservation.amount
        self._turn_spent[reservation.turn] += actual

    def release(self, reservation: Reservation) -> None:
        self.settle(reservation, 0.0)

    # --- views ----------------------------------------------------------------------------------

    def ceiling(self, scope: str) -> Ceiling:
        override = self._overrides.get(scope)
        base = Ceiling()
        if scope.startswith("employee:"):
            who = self._who.get(scope.partition(":")[2])
            base = who.brief_ceiling if who else Ceiling()
        if override is None:
            return base
        return Ceiling(
            override.per_turn_usd if override.per_turn_usd is not None else base.per_turn_usd,
            override.per_day_usd if override.per_day_usd is not None else base.per_day_usd,
        )

    def day_limit(self, scope: str, day: str) -> float | None:
        limit = self.ceiling(scope).per_day_usd
        return None if limit is None else limit + self._allowances.get((scope, day), 0.0)

    def spent(self, scope: str, day: str) -> float:
        return self._spent.get((scope, day), 0.0)

    def day_of(self, scope: str, when: datetime) -> str:
        """The calendar day `when` falls on for this scope (employees use their own time zone)."""
        zone = self._office_zone
        if scope.startswith("employee:") and (who := self._who.get(scope.partition(":")[2])):
            zone = who.zone
        return when.astimezone(zone).date().isoformat()

    def scopes_of(self, employee_id: str) -> list[str]:
        who = self._who.get(employee_id)
        scopes = [employee_scope(employee_id)]
        if who and who.team:
            scopes.append(team_scope(who.team))
        return [*scopes, OFFICE]

    def _keys(self, employee_id: str, when: datetime) -> tuple[tuple[str, str], ...]:
        return tuple((scope, self.day_of(scope, when)) for scope in self.scopes_of(employee_id))

    def teams(self) -> set[str]:
        return {w.team for w in self._who.values() if w.team}


def period_days(day: date, period: str) -> tuple[date, date]:
    """First and last day of the period ("today", "week" from Monday, "month") containing `day`."""
    if period == "today":
        return day, day
    if period == "week":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    start = day.replace(day=1)
    following = (start + timedelta(days=32)).replace(day=1)
    return start, following - timedelta(days=1)
