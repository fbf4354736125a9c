"""The owner's decisions as durable state: one read of all of them, and a version that moves with each.

Every owner decision (a model, a schedule, a call-in, a ceiling, a raise, a hire or a dismissal) is
written to the database together with `bump_owner_version()` (engine.store.settings). A running office
(the window or `headcount run`) polls `read_owner_version` and, when it moved, re-reads everything with
`read_decisions`: a decision made by any process reaches it, and an attribute in memory is only ever a
cache of these rows.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime

from engine import model_choice
from engine.briefs import WorkingHours
from engine.budget import Ceiling
from engine.llm.types import ModelConfig
from engine.store import Connection
from engine.store.journal import read_employee_ids
from engine.store.settings import OWNER_VERSION, read_settings
from engine.store.spend import read_allowances, read_ceilings

log = logging.getLogger(__name__)

CALL_IN_PREFIX = "callin:"


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
    employee_ids: frozenset[str] = frozenset()  # everyone currently employed


def read_decisions(conn: Connection) -> Decisions:
    """All owner decisions; a stored value that no longer parses is skipped with a warning."""
    found_models: dict[str, ModelConfig] = {}
    found_hours: dict[str, WorkingHours] = {}
    call_ins: dict[str, datetime] = {}
    version, simulate = 0, None
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
        employee_ids=read_employee_ids(conn),
    )
