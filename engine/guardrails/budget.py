"""Hard cost ceilings that fail closed: reserve the worst case before a call, settle the actual after.

Scopes: the turn, the employee's day (in its own time zone), its team's day and the office's day.
Every ceiling (per turn and per day; employee, team, office) is checked on the same path. Every
check-and-reserve happens synchronously on the event loop thread, so employees racing for one ceiling
can never both pass it: the second sees the first one's reservation. A call billed above its
reservation (the worst case) marks its scopes spent for the day: fail closed until the owner raises them.
"""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # asyncio loads with the first wait for a settled reservation (a running office)
    import asyncio

OFFICE = "office"


def employee_scope(employee_id: str) -> str:
    return f"employee:{employee_id}"


def team_scope(team: str) -> str:
    return f"team:{team}"


OVERRUN_PREFIX = "overrun:"  # overrun:<scope>:<day> -> the day limit a provider billed past (a settings row)


def overrun_key(scope: str, day: str) -> str:
    return f"{OVERRUN_PREFIX}{scope}:{day}"


def parse_overrun(key: str, value: str) -> tuple[str, str, float]:
    """(scope, day, limit) of an `overrun_key` row."""
    scope, day = key.removeprefix(OVERRUN_PREFIX).rsplit(":", 1)
    return scope, day, float(value)


@dataclass(frozen=True, slots=True)
class Ceiling:
    per_turn_usd: float | None = None
    per_day_usd: float | None = None


NO_NEW_DAY = "one call may cost more than the whole daily ceiling, so no new day frees it"


@dataclass(frozen=True, slots=True)
class Refusal:
    scope: str
    kind: str  # "turn", "day", or "overrun" (a provider billed above the worst case: spent for the day)
    limit_usd: float
    spent_usd: float
    reserved_usd: float
    needed_usd: float
    label: str = ""  # how the owner knows the scope ("employee Ada"); the scope id when empty

    @property
    def waits(self) -> bool:
        """Whether only others' in-flight reservations stand in the way: spent alone leaves room."""
        return self.kind == "day" and self.reserved_usd > 0 and self.spent_usd + self.needed_usd <= self.limit_usd

    def reason(self) -> str:
        name = self.label or _scope_name(self.scope)
        if self.kind == "overrun":
            return (
                f"over budget: the provider billed more than the worst case, so today's {name} ceiling "
                f"(${self.limit_usd:.4f}) is treated as spent until the owner raises it; ${self.spent_usd:.4f} spent"
            )
        what = f"this turn ({name} per-turn)" if self.kind == "turn" else f"today's {name}"
        said = (
            f"over budget: {what} ceiling is ${self.limit_usd:.4f}; ${self.spent_usd:.4f} spent, "
            f"${max(self.reserved_usd, 0.0):.4f} reserved, the next call may cost up to ${self.needed_usd:.4f}"
        )
        if self.kind == "day" and self.needed_usd > self.limit_usd:
            said += f"; {NO_NEW_DAY} (set it above ${self.needed_usd:.2f}, or give the model fewer output tokens)"
        return said


def _next_midnight(now: datetime, zone: tzinfo) -> datetime:
    """The first instant of the day after `now`'s in `zone`."""
    local = now.astimezone(zone)
    tomorrow = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=zone)
    return tomorrow.astimezone(UTC)


def _dust_free(amount: float) -> float:
    """What is left reserved once a reservation is taken back: float dust (-1e-19) is nothing ("$-0.0000")."""
    return 0.0 if abs(amount) < 1e-12 else amount


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
    name: str = ""


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
        self._overrun: dict[tuple[str, str], float] = {}  # (scope, day) -> the day limit when it was overrun
        self._waiters: list[asyncio.Future[None]] = []  # woken whenever a reservation is settled or released
        # Told (synchronously) of every settlement or release: the scheduler looks at parked work then.
        self.listeners: list[Callable[[], None]] = []

    # --- set-up ---------------------------------------------------------------------------------

    def register(self, employee_id: str, team: str | None, timezone: str, ceiling: Ceiling, name: str = "") -> None:
        self._who[employee_id] = _Who(employee_id, team, zoneinfo.ZoneInfo(timezone), ceiling, name)

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

    def overruns(self, reservation: Reservation) -> list[tuple[str, str, float]]:
        """(scope, day, limit) held as spent by `reservation`'s overrun: kept in the database, so a restart
        holds them too (`hold_overrun`)."""
        held = [(key, self._overrun.get(key)) for key in reservation.keys]
        return [(scope, day, limit) for (scope, day), limit in held if limit is not None]

    def hold_overrun(self, scope: str, day: str, limit: float) -> None:
        """Hold `scope`'s `day` as spent until the owner raises its ceiling above `limit` (read at start-up)."""
        self._overrun[(scope, day)] = max(self._overrun.get((scope, day), 0.0), limit)

    def record_spend(self, employee_id: str, when: datetime, usd: float) -> None:
        """Count spend already made (loaded from the journal at start-up)."""
        for key in self._keys(employee_id, when):
            self._spent[key] += usd

    # --- the hot path --------------------------------------------------------------------------

    def reserve(self, employee_id: str, turn: str, now: datetime, amount: float) -> Reservation | Refusal:
        """Reserve `amount` against every ceiling that applies, or refuse without reserving anything."""
        keys = self._keys(employee_id, now)
        for scope, _ in keys:  # a turn is one employee's, whichever scope set its ceiling
            turn_ceiling = self.ceiling(scope).per_turn_usd
            if turn_ceiling is None:
                continue
            spent, held = self._turn_spent[turn], self._turn_reserved[turn]
            if spent + held + amount > turn_ceiling + 1e-12:
                return Refusal(scope, "turn", turn_ceiling, spent, held, amount, self.label(scope))
        for scope, day in keys:
            limit = self.day_limit(scope, day)
            if limit is None:
                continue
            spent, held = self._spent[(scope, day)], self._reserved[(scope, day)]
            overrun_at = self._overrun.get((scope, day))
            if overrun_at is not None and limit <= overrun_at:
                return Refusal(scope, "overrun", limit, spent, held, amount, self.label(scope))
            if spent + held + amount > limit + 1e-12:
                return Refusal(scope, "day", limit, spent, held, amount, self.label(scope))
        for key in keys:
            self._reserved[key] += amount
        self._turn_reserved[turn] += amount
        return Reservation(keys, turn, amount)

    def settle(self, reservation: Reservation, actual: float) -> float:
        """Replace the reservation by what the call really cost; return by how much it overran.

        The actual is recorded as billed, even above the reservation; then every scope with a day
        ceiling is treated as spent for that day, until the owner raises its ceiling.
        """
        if reservation.settled:
            return 0.0
        reservation.settled = True
        overrun = actual - reservation.amount if actual > reservation.amount + 1e-12 else 0.0
        for key in reservation.keys:
            self._reserved[key] = _dust_free(self._reserved[key] - reservation.amount)
            self._spent[key] += actual
            limit = self.day_limit(*key)
            if overrun and limit is not None:
                self._overrun[key] = limit
        self._turn_reserved[reservation.turn] = _dust_free(self._turn_reserved[reservation.turn] - reservation.amount)
        self._turn_spent[reservation.turn] += actual
        self._wake()
        return overrun

    def release(self, reservation: Reservation) -> None:
        self.settle(reservation, 0.0)

    def end_turn(self, turn: str) -> None:
        """Forget a finished turn's spend: per-turn ceilings only look at the turn in progress."""
        self._turn_spent.pop(turn, None)
        self._turn_reserved.pop(turn, None)

    @property
    def turns(self) -> int:
        """How many turns the ledger keeps track of (those in progress)."""
        return len(self._turn_spent.keys() | self._turn_reserved.keys())

    async def released(self) -> None:
        """Wait until some reservation is settled or released (headroom may have come back)."""
        import asyncio

        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)

    @property
    def waiting(self) -> int:
        """How many calls wait for headroom that others' reservations hold."""
        return len(self._waiters)

    def _wake(self) -> None:
        for listener in self.listeners:
            listener()
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

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

    def label(self, scope: str) -> str:
        """The scope as the owner knows it: "employee Ada", "team sales", "office"."""
        if scope.startswith("employee:") and (who := self._who.get(scope.partition(":")[2])) and who.name:
            return f"employee {who.name}"
        return _scope_name(scope)

    def day_limit(self, scope: str, day: str) -> float | None:
        limit = self.ceiling(scope).per_day_usd
        return None if limit is None else limit + self._allowances.get((scope, day), 0.0)

    def spent(self, scope: str, day: str) -> float:
        return self._spent.get((scope, day), 0.0)

    def day_of(self, scope: str, when: datetime) -> str:
        """The calendar day `when` falls on for this scope (employees use their own time zone)."""
        return self.date_of(scope, when).isoformat()

    def date_of(self, scope: str, when: datetime) -> date:
        """As `day_of`, as a date."""
        zone = self._office_zone
        if scope.startswith("employee:") and (who := self._who.get(scope.partition(":")[2])):
            zone = who.zone
        return when.astimezone(zone).date()

    def rolled_over(self, employee_id: str, since: datetime, now: datetime) -> bool:
        """Whether a new budget day began for any of the employee's scopes between `since` and `now`.

        Only that (or the owner) can free work parked over budget: a call waits, rather than parks,
        whenever others' reservations are all that stand in its way, and spend never goes down.
        """
        return any(self.day_of(scope, since) != self.day_of(scope, now) for scope in self.scopes_of(employee_id))

    def days(self, now: datetime) -> frozenset[tuple[str, str]]:
        """The budget day `now` falls on in every time zone the ledger counts in.

        While this stays the same, no budget day has begun anywhere, so `rolled_over` is false for all
        work parked since: the scheduler reads parked work again only when it changes.
        """
        zones = {id(self._office_zone): self._office_zone, **{id(w.zone): w.zone for w in self._who.values()}}
        return frozenset((str(zone), now.astimezone(zone).date().isoformat()) for zone in zones.values())

    def next_day(self, now: datetime) -> datetime:
        """When the next budget day begins, in whichever time zone the ledger counts in comes first."""
        zones = {id(self._office_zone): self._office_zone, **{id(w.zone): w.zone for w in self._who.values()}}
        return min(_next_midnight(now, zone) for zone in zones.values())

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
