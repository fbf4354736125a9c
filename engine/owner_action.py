"""An owner's change to what the office is connected to, kept as a decision: the row, the bump of the
owner's version (other processes reload) and the audit row, in one write."""

from __future__ import annotations

from typing import Any, Protocol

from engine.audit import AuditLog
from engine.clock import Clock
from engine.store.journal import Journal
from engine.store.settings import bump_owner_version
from engine.store.writer import Op


class OwnerDesk(Protocol):
    """What an owner's decision needs of the office (the Office front has it)."""

    @property
    def journal(self) -> Journal: ...

    @property
    def audit(self) -> AuditLog: ...

    @property
    def clock(self) -> Clock: ...


async def owner_action(office: OwnerDesk, data: dict[str, Any], op: Op) -> None:
    """Commit `op` as an owner decision described by `data` (the audit row's payload)."""
    audit = office.audit.op("owner_action", data, employee_id=None, ts=office.clock.now().isoformat())
    await office.journal.write(op, bump_owner_version(), audit, full=True)
