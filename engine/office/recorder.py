"""How the office writes down what it did: audit rows beside each change, owner actions with the version bump."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.audit import AuditLog
from engine.clock import Clock
from engine.store.journal import Journal
from engine.store.settings import bump_owner_version
from engine.store.writer import Op


class Recorder:
    """Audit rows and owner actions, written through the journal with the office's clock."""

    def __init__(self, journal: Journal, audit: AuditLog, clock: Clock) -> None:
        self._journal = journal
        self._audit = audit
        self._clock = clock

    def now(self) -> str:
        return self._clock.now().isoformat()

    def audit_ops(self, kind: str, data: Mapping[str, Any], employee_id: str | None) -> list[Op]:
        """The audit row to commit in the same write as the change it describes."""
        return [self._audit.op(kind, dict(data), employee_id=employee_id, ts=self.now())]

    async def owner_action(self, action: str, data: Mapping[str, Any], employee_id: str | None, *ops: Op) -> None:
        """Commit an owner decision: its rows, the version running offices poll, and its audit row."""
        audit = self.audit_ops("owner_action", {"action": action, **data}, employee_id)
        await self._journal.write(*ops, bump_owner_version(), *audit, full=True)
