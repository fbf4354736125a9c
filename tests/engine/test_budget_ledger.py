"""The budget ledger on its own: reservations, settlement, days in the employee's time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from engine.guardrails.budget import (
    OFFICE,
    BudgetLedger,
    Ceiling,
    Refusal,
    Reservation,
    employee_scope,
    period_days,
    team_scope,
)

NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def _ledger() -> BudgetLedger:
    ledger = BudgetLedger(ZoneInfo("UTC"))
    ledger.register("ada", "sales", "UTC", Ceiling(per_turn_usd=1.0, per_day_usd=5.0))
    ledger.register("ben", "sales", "Pacific/Auckland", Ceiling(per_day_usd=5.0))
    return ledger


def test_a_reservation_counts_until_settled_at_the_actual_cost() -> None:
    ledger = _ledger()
    held = ledger.reserve("ada", "turn1", NOON, 0.8)
    assert isinstance(held, Reservation)
    assert isinstance(ledger.reserve("ada", "turn1", NOON, 0.3), Refusal)  # 0.8 held + 0.3 > per-turn 1.0
    ledger.settle(held, 0.1)
    assert isinstance(ledger.reserve("ada", "turn1", NOON, 0.3), Reservation)  # 0.1 spent + 0.3 fits
    assert ledger.spent(employee_scope("ada"), "2026-03-02") == 0.1


def test_refusal_names_the_ceiling_that_would_be_crossed() -> None:
    ledger = _ledger()
    ledger.set_override(team_scope("sales"), Ceiling(per_day_usd=0.5))
    refusal = ledger.reserve("ben", "t", NOON, 0.6)
    assert isinstance(refusal, Refusal)
    assert refusal.scope == "team:sales" and refusal.kind == "day"
    assert "today's team sales ceiling is $0.5000" in refusal.reason()


def test_a_refused_call_reserves_nothing() -> None:
    ledger = _ledger()
    ledger.set_override(OFFICE, Ceiling(per_day_usd=1.0))
    assert isinstance(ledger.reserve("ada", "t", NOON, 2.0), Refusal)
    assert isinstance(ledger.reserve("ada", "t", NOON, 0.9), Reservation)


def test_the_day_is_the_employees_own() -> None:
    ledger = _ledger()
    late_utc = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)  # already 3 March in Auckland
    assert ledger.day_of(employee_scope("ben"), late_utc) == "2026-03-03"
    assert ledger.day_of(employee_scope("ada"), late_utc) == "2026-03-02"
    ledger.record_spend("ben", datetime(2026, 3, 2, 9, 0, tzinfo=UTC), 4.9)  # 2 March in Auckland
    assert isinstance(ledger.reserve("ben", "t", late_utc, 1.0), Reservation)  # a new day for Ben


def test_an_allowance_raises_the_limit_for_one_day_only() -> None:
    ledger = _ledger()
    ledger.record_spend("ada", NOON, 5.0)
    assert isinstance(ledger.reserve("ada", "t", NOON, 0.5), Refusal)
    ledger.add_allowance(employee_scope("ada"), "2026-03-02", 1.0)
    assert isinstance(ledger.reserve("ada", "t", NOON, 0.5), Reservation)
    assert ledger.day_limit(employee_scope("ada"), "2026-03-03") == 5.0


def test_periods() -> None:
    day = datetime(2026, 3, 4).date()  # a Wednesday
    assert period_days(day, "week") == (datetime(2026, 3, 2).date(), datetime(2026, 3, 8).date())
    assert period_days(day, "month") == (datetime(2026, 3, 1).date(), datetime(2026, 3, 31).date())


def test_office_and_team_per_turn_ceilings_are_enforced_on_the_same_path() -> None:
    ledger = _ledger()
    ledger.set_override(OFFICE, Ceiling(per_turn_usd=0.0001))
    refusal = ledger.reserve("ben", "t1", NOON, 0.0007)
    assert isinstance(refusal, Refusal) and refusal.scope == OFFICE and refusal.kind == "turn"
    assert isinstance(ledger.reserve("ben", "t1", NOON, 0.00005), Reservation)
    ledger.set_override(OFFICE, Ceiling())
    ledger.set_override(team_scope("sales"), Ceiling(per_turn_usd=0.5))
    refusal = ledger.reserve("ben", "t2", NOON, 0.6)
    assert isinstance(refusal, Refusal) and refusal.scope == "team:sales" and refusal.kind == "turn"
    assert "this turn (team sales per-turn) ceiling is $0.5000" in refusal.reason()


def test_a_refusal_names_the_employee_by_name() -> None:
    ledger = BudgetLedger(ZoneInfo("UTC"))
    ledger.register("emp_1a22", None, "UTC", Ceiling(per_day_usd=0.1), name="Ada")
    refusal = ledger.reserve("emp_1a22", "t", NOON, 0.2)
    assert isinstance(refusal, Refusal)
    assert "today's employee Ada ceiling" in refusal.reason() and "emp_1a22" not in refusal.reason()


def test_a_bill_above_the_reservation_is_recorded_and_fails_closed_until_raised() -> None:
    ledger = _ledger()
    ledger.set_override(OFFICE, Ceiling(per_day_usd=1.0))
    held = ledger.reserve("ben", "t", NOON, 0.1)
    assert isinstance(held, Reservation)
    assert ledger.settle(held, 0.3) == 0.3 - 0.1  # billed above the worst case: recorded truthfully
    assert ledger.spent(OFFICE, "2026-03-02") == 0.3
    refusal = ledger.reserve("ada", "t2", NOON, 0.01)  # 0.69 left, yet the office counts as spent
    assert isinstance(refusal, Refusal) and refusal.kind == "overrun"
    assert "billed more than the worst case" in refusal.reason()
    ledger.add_allowance(OFFICE, "2026-03-02", 0.5)  # the owner raises it
    assert isinstance(ledger.reserve("ada", "t2", NOON, 0.01), Reservation)


def test_a_refusal_only_due_to_others_reservations_waits() -> None:
    ledger = _ledger()
    ledger.set_override(OFFICE, Ceiling(per_day_usd=1.0))
    assert isinstance(ledger.reserve("ada", "t1", NOON, 0.7), Reservation)
    refusal = ledger.reserve("ben", "t2", NOON, 0.5)
    assert isinstance(refusal, Refusal) and refusal.waits
    ledger.record_spend("ada", NOON, 0.6)
    refusal = ledger.reserve("ben", "t2", NOON, 0.5)
    assert isinstance(refusal, Refusal) and not refusal.waits  # spent alone leaves no room: park


async def test_settling_wakes_whoever_waits_for_headroom() -> None:
    import asyncio

    ledger = _ledger()
    held = ledger.reserve("ada", "t1", NOON, 0.7)
    assert isinstance(held, Reservation)
    waiter = asyncio.ensure_future(ledger.released())
    await asyncio.sleep(0)
    assert not waiter.done()
    ledger.release(held)
    await asyncio.wait_for(waiter, 5)


def test_the_budget_days_change_when_a_day_begins_in_any_zone_counted_in() -> None:
    """The scheduler reads parked work again only when these change: every new budget day must show."""
    ledger = _ledger()
    late = datetime(2026, 3, 2, 10, 59, tzinfo=UTC)  # 23:59 in Auckland
    midnight = datetime(2026, 3, 2, 11, 0, tzinfo=UTC)  # a new day in Auckland only
    before = ledger.days(late)
    assert before == {("UTC", "2026-03-02"), ("Pacific/Auckland", "2026-03-02")}
    assert ledger.days(datetime(2026, 3, 2, 1, 0, tzinfo=UTC)) == before
    assert ledger.days(midnight) == {("UTC", "2026-03-02"), ("Pacific/Auckland", "2026-03-03")}
    assert ledger.rolled_over("ben", late, midnight) and not ledger.rolled_over("ada", late, midnight)
