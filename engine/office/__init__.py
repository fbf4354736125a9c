"""The office: employees hired from briefs, working their queues, and everything the owner decides.

`Office` (front.py) is the only API the CLI and the app use. Behind it, parts composed with their
collaborators passed in: the roster (roster.py, with belts.py and briefing.py), the task board
(tasks.py) and workers (workers.py), the scheduler (scheduler.py), the owner's decisions (owner.py,
decisions.py), probation reviews (reviews.py), money and models (spending.py) and read-only
queries (queries.py). `Reading` (reading.py) shows what is stored without building any of them.

The names below load on first use, so a command that only reads (engine.office.reading) does not
import the whole office with this package.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from engine.errors import OfficeError, OwnerError
from engine.store.errors import StoreError

if TYPE_CHECKING:
    from engine.audit import KINDS as AUDIT_KINDS
    from engine.office.employee import Employee
    from engine.office.front import Office
    from engine.office.queries import Held
    from engine.office.scheduler import POLL_S

_LAZY = {  # name -> (module, its name there)
    "AUDIT_KINDS": ("engine.audit", "KINDS"),  # what the audit viewer can filter on
    "Employee": ("engine.office.employee", "Employee"),
    "Held": ("engine.office.queries", "Held"),
    "Office": ("engine.office.front", "Office"),
    "POLL_S": ("engine.office.scheduler", "POLL_S"),
}

__all__ = ["AUDIT_KINDS", "POLL_S", "Employee", "Held", "Office", "OfficeError", "OwnerError", "StoreError"]


def __getattr__(name: str) -> Any:
    found = _LAZY.get(name)
    if found is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(found[0]), found[1])
    globals()[name] = value  # looked up once
    return value
