"""What views read on demand, behind the Office front: steps, briefs, the audit log, the shell's own settings.

The app reaches the database only through these (and `Office.snapshot()` plus events); it never
holds the journal, builds an operation or reads the audit table itself.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from engine.errors import OfficeError
from engine.store.records import AuditRow, EmployeeRecord, StepRecord, TaskRecord

if TYPE_CHECKING:  # the audit log and the journal load with the office; a reading command needs neither
    from engine.audit import VerifyReport
    from engine.store.journal import Journal

SHELL_PREFIX = "shell."  # the window's own preferences: the only settings a view may write directly


class Staff(Protocol):
    """Where the names come from: the journal, or the rows a reading command opened."""

    async def employees(self, include_departed: bool = False) -> list[EmployeeRecord]: ...


async def everyone_in(staff: Staff) -> dict[str, str]:
    """Every employee's name by id, those let go included: their logs and tasks are kept."""
    return {r.id: r.name for r in await staff.employees(include_departed=True)}


def whose_in(names: dict[str, str], who: str) -> str:
    """The id of an employee, current or let go, by id or name (case-insensitive); OfficeError if none."""
    if who in names:
        return who
    matches = [eid for eid, name in names.items() if name.lower() == who.lower()]
    if not matches:
        raise OfficeError(f"no employee called {who!r} (the office has had: {', '.join(sorted(names.values()))})")
    return matches[-1]  # the latest of that name


@dataclass(frozen=True, slots=True)
class Said:
    """One line of an employee's chat: what the owner asked (a task, or a message inside one), or its answer."""

    task_id: str
    who: Literal["owner", "employee"]
    text: str
    rehearsal: bool = False  # an answer the rehearsal model wrote


def conversation(steps: Sequence[StepRecord], tasks: Mapping[str, TaskRecord]) -> list[Said]:
    """The chat these steps hold, task by task in the order they were given: the task as asked, the owner's
    messages inside it, and each answer the employee gave (a model reply that called no tool); a task that
    ended without one says how it ended."""
    by_task: dict[str, list[StepRecord]] = {}
    for step in steps:
        by_task.setdefault(step.task_id, []).append(step)
    lines: list[Said] = []
    for task in sorted((tasks[t] for t in by_task if t in tasks), key=lambda t: (t.created_at, t.id)):
        lines.append(Said(task.id, "owner", task.body or task.title))
        answered = False
        for step in sorted(by_task[task.id], key=lambda s: s.seq):
            if step.kind == "owner" and step.result:
                lines.append(Said(task.id, "owner", step.result))
            elif step.kind == "model" and step.status == "finished" and step.result:
                message = json.loads(step.result)
                calls = message.get("tool_calls") or []
                if not calls and message.get("content"):
                    lines.append(Said(task.id, "employee", message["content"], step.rehearsal))
                    answered = True
                for question in filter(None, map(_question, calls)):  # ask_owner: the employee asked in chat
                    lines.append(Said(task.id, "employee", question, step.rehearsal))
        if not answered and task.status in ("parked", "uncertain", "failed", "cancelled"):
            ended = f"({task.status}: {task.reason})" if task.reason else f"({task.status})"
            lines.append(Said(task.id, "employee", ended))
    return lines


def _question(call: Mapping[str, Any]) -> str | None:
    """The question of an ask_owner call, as journaled (engine.tools.ask)."""
    function = call.get("function") or {}
    if function.get("name") != "ask_owner":
        return None
    try:
        question = json.loads(function.get("arguments") or "{}").get("question")
    except (ValueError, AttributeError):
        return None
    return " ".join(question.split()) if isinstance(question, str) and question.strip() else None


class History:
    def __init__(self, journal: Journal) -> None:
        self._journal = journal

    async def steps(self, employee_id: str, latest: int | None = None) -> list[StepRecord]:
        """Every step the employee took (or the `latest` most recent), oldest first: its log."""
        if latest is not None:
            return await self._journal.latest_steps(employee_id, latest)
        return await self._journal.steps(employee_id=employee_id)

    async def conversation(self, steps: Sequence[StepRecord]) -> list[Said]:
        """The chat held in these steps (an employee's latest, as its log shows them): see `conversation`."""
        from engine.store.journal import read_tasks_by_id

        ids = list(dict.fromkeys(s.task_id for s in steps))
        return conversation(steps, await self._journal.read(lambda conn: read_tasks_by_id(conn, ids)))

    async def everyone(self) -> dict[str, str]:
        """Every employee's name by id, those let go included: their logs and tasks are kept."""
        return await everyone_in(self._journal)

    async def whose(self, who: str) -> str:
        """The id of an employee, current or let go, by id or name (case-insensitive); OfficeError if none."""
        return whose_in(await self.everyone(), who)

    async def brief_text(self, employee_id: str, version: str) -> str | None:
        """The brief as the employee worked from it at `version`."""
        return await self._journal.brief_text(employee_id, version)

    async def audit_rows(
        self, *, employee_id: str | None, kind: str | None, since: str | None, until: str | None, limit: int
    ) -> list[AuditRow]:
        """Audit rows for the viewer, newest first; `since <= ts < until`."""
        from engine.audit import AuditLog

        return await self._journal.read(
            lambda conn: AuditLog.rows(conn, employee_id=employee_id, kind=kind, since=since, until=until, limit=limit)
        )

    async def audit_verify(self) -> VerifyReport:
        """Recompute the hash chain over everything committed so far."""
        from engine.audit import AuditLog

        await self._journal.flush()
        return await self._journal.read(AuditLog.verify)

    async def audit_export(self, path: Path, fmt: Literal["jsonl", "csv"]) -> int:
        from engine.audit import AuditLog

        await self._journal.flush()
        return await self._journal.read(lambda conn: AuditLog.export(conn, path, fmt))

    async def shell_setting(self, key: str) -> str | None:
        return await self._journal.setting(_shell_key(key))

    async def set_shell_setting(self, key: str, value: str) -> None:
        """A preference of the window's own (layout, tray, first run); owner decisions have their own calls."""
        from engine.store.settings import put_setting

        await self._journal.write(put_setting(_shell_key(key), value))


def _shell_key(key: str) -> str:
    if not key.startswith(SHELL_PREFIX):
        raise ValueError(f"a shell setting's key starts with {SHELL_PREFIX!r}: {key!r}")
    return key
