"""The owner's decisions as durable state: one read of all of them, and a version that moves with each.

Every owner decision (a model, a schedule, a call-in, a ceiling, a raise, a hire or a dismissal) is
written to the database together with `bump_op()`. A running office (the window or `headcount run`)
polls `read_version` and, when it moved, re-reads everything with `read_decisions`: a decision made
by any process reaches it, and an attribute in memory is only ever a cache of these rows.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, select

from engine import models
from engine.briefs import WorkingHours
from engine.budget import Ceiling
from engine.llm.types import ModelConfig
from engine.store.schema import allowances, ceilings, employees, settings
from engine.store.writer import Op

log = logging.getLogger(__name__)

VERSION_KEY = "owner:version"
CALL_IN_PREFIX = "callin:"

_BUMP = (
    "INSERT INTO settings (key, value) VALUES ('owner:version', '1') "
    "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
)


def bump_op() -> Op:
    """Ride along with any owner decision: tells running offices to re-read."""
    return (_BUMP, None)


def call_in_key(employee_id: str) -> str:
    return f"{CALL_IN_PREFIX}{employee_id}"


@dataclass(frozen=True, slots=True)
class Decisions:
    """Everything the owner set, as read in one transaction."""

    version: int = 0
    models: dict[str, ModelConfig] = field(default_factory=dict)  # settings key -> model
    hours: dict[str, WorkingHours] = field(default_factory=dict)  # settings key -> schedule
    call_ins: dict[str, datetime] = field(default_factory=dict)  # employee id -> on duty until
    ceilings: dict[str, Ceiling] = field(default_factory=dict)  # scope -> ceiling
    allowances: tuple[tuple[str, str, float], ...] = ()  # (scope, day, usd)
    simulate: str | None = None  # rehearsal charged at this model's prices
    departed: frozenset[str] = frozenset()  # everyone let go (a hire made after this read is not among them)


def read_version(conn: Connection) -> int:
    row = conn.execute(select(settings.c.value).where(settings.c.key == VERSION_KEY)).first()
    return int(row[0]) if row else 0


def read_decisions(conn: Connection) -> Decisions:
    """All owner decisions; a stored value that no longer parses is skipped with a warning."""
    found_models: dict[str, ModelConfig] = {}
    found_hours: dict[str, WorkingHours] = {}
    call_ins: dict[str, datetime] = {}
    version, simulate = 0, None
    for key, value in conn.execute(select(settings.c.key, settings.c.value)):
        try:
            if key == VERSION_KEY:
                version = int(value)
            elif key == models.SIMULATE:
                simulate = value
            elif key.startswith("model:"):
                found_models[key] = models.load(value)
            elif key.startswith("hours:"):
                found_hours[key] = WorkingHours.model_validate(json.loads(value))
            elif key.startswith(CALL_IN_PREFIX):
                call_ins[key.removeprefix(CALL_IN_PREFIX)] = datetime.fromisoformat(value)
        except (ValueError, TypeError) as exc:  # a bad stored value falls back to the brief's
            log.warning("ignoring the stored setting %s: %s", key, exc)
    return Decisions(
        version=version,
        models=found_models,
        hours=found_hours,
        call_ins=call_ins,
        ceilings={r.scope: Ceiling(r.per_turn_usd, r.per_day_usd) for r in conn.execute(select(ceilings))},
        allowances=tuple((r.scope, r.day, r.usd) for r in conn.execute(select(allowances))),
        simulate=simulate,
        departed=frozenset(r[0] for r in conn.execute(select(employees.c.id).where(employees.c.left_at.is_not(None)))),
    )
