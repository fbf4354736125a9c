"""The office: employees hired from briefs, working their queues, and everything the owner decides.

`Office` (front.py) is the only API the CLI and the app use. Behind it, parts composed with their
collaborators passed in: the roster (roster.py, with belts.py and briefing.py), the task board
(tasks.py) and workers (workers.py), the scheduler (scheduler.py), the owner's decisions (owner.py,
decisions.py), probation reviews (reviews.py), money and models (spending.py) and read-only
queries (queries.py).
"""

from engine.errors import OfficeError, OwnerError
from engine.office.employee import Employee
from engine.office.front import Office
from engine.office.history import AUDIT_KINDS
from engine.office.queries import Held
from engine.office.scheduler import POLL_S
from engine.store.db import StoreError

__all__ = ["AUDIT_KINDS", "POLL_S", "Employee", "Held", "Office", "OfficeError", "OwnerError", "StoreError"]
