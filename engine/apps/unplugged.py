"""What a disconnected email account or app leaves behind: calls still to run, and employees who used it.

An employee's email and app tools are on its belt only while an account or app is there for them
(engine.apps.email, engine.apps.plane): a brief naming `send_email` with no account connected works
without it. A call the model already made is different: once it waits for the owner's approval (or
was approved and has not run), it must not run as "you have no tool named 'send_email'". Its task
parks instead, saying what to connect again (`parked_by`), and `disconnect` names such calls and the
employees whose briefs use the connection (`left_behind`), as it does for an MCP server.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

from engine.apps.accounts import AppConfig
from engine.apps.email import EMAIL_TOOLS
from engine.apps.plane import TOOLS_OF
from engine.briefs import Brief
from engine.store import approvals as approvals_table
from engine.store.journal import Journal
from engine.store.records import ApprovalRecord, EmployeeRecord, StepRecord
from engine.tools.names import BUILTIN, split
from engine.tools.registry import Belt

OPEN = ("pending", "approved")  # a call approved (or to be) that has not run yet


def needs(tool: str) -> str | None:
    """What a call of `tool` needs connected: `email` (the office's one account), `email:NAME`, or an app kind
    (`calendar`, `github`); None for every other tool."""
    namespace, bare = split(tool)
    if namespace == BUILTIN:
        return "email" if bare in EMAIL_TOOLS else None
    if namespace.startswith("email:"):
        return namespace
    return namespace if namespace in TOOLS_OF else None


@functools.cache
def _app_tool_names() -> frozenset[str]:
    return frozenset(t.spec.name for make in TOOLS_OF.values() for t in make())


def _uses_connections(brief: Brief) -> bool:
    """Whether the brief names an email or app tool at all (most briefs name none: no approvals read for them)."""
    for name in brief.tools:
        namespace, bare = split(name)
        if bare in EMAIL_TOOLS or bare in _app_tool_names() or namespace.startswith("email:") or namespace in TOOLS_OF:
            return True
    return False


def _named_by(brief: Brief, tool: str) -> bool:
    namespace, bare = split(tool)
    return any(t in (tool, bare, f"{namespace}.*") for t in brief.tools)


def _connect_again(what: str) -> str:
    if what == "email":
        return "an email account, and none is connected now: connect one again (`headcount connect email NAME …`)"
    if what.startswith("email:"):
        name = what.removeprefix("email:")
        return f"the email account '{name}', not connected now: connect it again (`headcount connect email {name} …`)"
    return (
        f"a {what} app granted to them, and none is now: connect it again and grant it "
        f"(`headcount connect {what} NAME …`, `headcount grant NAME EMPLOYEE`)"
    )


async def parked_by(
    journal: Journal, brief: Brief, task_id: str, belt: Belt, history: Sequence[StepRecord]
) -> str | None:
    """Why the task parks: a call it made that waits for (or has) the owner's approval, whose email or app tool is
    off its `belt` because that connection is gone though the brief still names it. None when there is none."""
    if not _uses_connections(brief):
        return None
    ran = {s.call_id for s in history if s.kind == "tool"}
    have = set(belt.qualified_names())
    for record in await journal.read(functools.partial(approvals_table.read_for_task, task_id=task_id)):
        what = needs(record.tool)
        if what is None or record.status not in OPEN or record.call_id in ran or record.tool in have:
            continue
        if _named_by(brief, record.tool):  # else the owner took the tool out of the brief: the loop says so
            approved = "approved " if record.status == "approved" else ""
            return f"the {approved}{record.tool} call needs {_connect_again(what)}"
    return None


class _Seated(Protocol):
    @property
    def record(self) -> EmployeeRecord: ...

    @property
    def brief(self) -> Brief: ...


class Office(Protocol):
    @property
    def journal(self) -> Journal: ...

    @property
    def employees(self) -> Mapping[str, _Seated]: ...


async def _waiting(office: Office, gone: Callable[[ApprovalRecord], bool]) -> list[str]:
    """A line per call that waits for (or has) the owner's approval, has not run, and needs what is `gone`."""
    lines = []
    for status in OPEN:
        for record in await office.journal.read(functools.partial(approvals_table.read_all, status=status)):
            if not gone(record) or any(s.call_id == record.call_id for s in await office.journal.steps(
                    task_id=record.task_id) if s.kind == "tool"):  # fmt: skip
                continue
            seated = office.employees.get(record.employee_id)
            who = seated.record.name if seated is not None else record.employee_id
            if record.status == "pending":
                lines.append(
                    f"{who}'s {record.tool} waits for your approval and needs it: approved, the task parks until you "
                    f"connect it again (or: headcount reject {record.id} --reason …)"
                )
            else:
                lines.append(
                    f"{who}'s approved {record.tool} has not run yet: the task parks until you connect it again"
                )
    return lines


async def email_left_behind(office: Office, name: str, accounts_left: int) -> list[str]:
    """What to tell the owner who disconnected the email account `name` (`accounts_left` remain connected)."""

    def gone(record: ApprovalRecord) -> bool:
        return needs(record.tool) == f"email:{name}" or (needs(record.tool) == "email" and not accounts_left)

    lines = await _waiting(office, gone)
    qualified = sorted(s.record.name for s in office.employees.values()
                       if any(t.startswith(f"email:{name}.") for t in s.brief.tools))  # fmt: skip
    if qualified:
        lines.append(
            f"The briefs of {', '.join(qualified)} grant email:{name}: their next tasks park until you connect it "
            f"again or take email:{name} out of those briefs."
        )
    bare = sorted(s.record.name for s in office.employees.values() if set(EMAIL_TOOLS) & set(s.brief.tools))
    if bare and not accounts_left:
        lines.append(
            f"The briefs of {', '.join(bare)} name read_inbox, draft_email or send_email: their next tasks go "
            "without email until you connect an account again."
        )
    return lines


async def app_left_behind(office: Office, app: AppConfig) -> list[str]:
    """What to tell the owner who disconnected `app`: calls that need it, and those it was granted to."""
    lines = await _waiting(office, lambda r: needs(r.tool) == app.kind and r.employee_id in app.granted)
    tools = {t.spec.name for t in TOOLS_OF[app.kind]()} if app.kind in TOOLS_OF else set()
    users = sorted(
        seated.record.name
        for eid, seated in office.employees.items()
        if eid in app.granted and any(split(t)[1] in tools or t.startswith(f"{app.kind}.") for t in seated.brief.tools)
    )
    if users:
        lines.append(
            f"It was granted to {', '.join(users)}: their next tasks go without {', '.join(sorted(tools))} until you "
            f"connect a {app.kind} app again and grant it."
        )
    return lines
