"""Synthetic office data and a command recorder, so the window is driven without the engine."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from app.forms import AuditRow, BriefProblem, CustomRole, DoctorRow, Graphics, InboxItem, RoleInfo, SettingsValues
from app.state import OfficeState
from engine.events import (
    ApprovalRequested,
    EmployeeHired,
    EscalationRaised,
    SpendChanged,
    StatusChanged,
    StepFinished,
    TaskChanged,
    TextStreamed,
)

TODAY = date(2025, 3, 14)
PEOPLE = (
    ("emp-ada", "Ada", "assistant", "Personal assistant", "assistant", "#6366f1"),
    ("emp-ben", "Ben", "marketing-lead", "Marketing lead", "marketing", "#f97316"),
    ("emp-chloe", "Chloe", "content-writer", "Content writer", "marketing", "#10b981"),
    ("emp-dev", "Dev", "social-media", "Social media manager", "marketing", "#ec4899"),
    ("emp-elena", "Elena", "bookkeeper", "Bookkeeper", "ops", "#0ea5e9"),
)


class Recorder:
    """Implements the window's Commands by recording every call."""

    custom_supported = True

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self.settings = SettingsValues()
        self.brief_problem: BriefProblem | None = None
        self.doctor_rows: list[DoctorRow] = []

    def _record(self, name: str, *args: Any) -> None:
        self.calls.append((name, args))

    def named(self, name: str) -> list[tuple[Any, ...]]:
        return [args for n, args in self.calls if n == name]

    def assign(self, employee_id: str, text: str) -> None:
        self._record("assign", employee_id, text)

    def employee_opened(self, employee_id: str) -> None:
        self._record("employee_opened", employee_id)

    def validate_brief(self, employee_id: str, text: str) -> BriefProblem | None:
        self._record("validate_brief", employee_id, text)
        return self.brief_problem

    def save_brief(self, employee_id: str, text: str) -> None:
        self._record("save_brief", employee_id, text)

    def approve(self, item_id: str) -> None:
        self._record("approve", item_id)

    def reject(self, item_id: str, reason: str) -> None:
        self._record("reject", item_id, reason)

    def edit_approve(self, item_id: str, arguments_json: str) -> None:
        self._record("edit_approve", item_id, arguments_json)

    def accept(self, item_id: str) -> None:
        self._record("accept", item_id)

    def revise(self, item_id: str, comment: str) -> None:
        self._record("revise", item_id, comment)

    def dismiss(self, item_id: str) -> None:
        self._record("dismiss", item_id)

    def roles(self) -> list[RoleInfo]:
        return [RoleInfo(p[2], p[3], p[4], f"Does {p[3].lower()} work.") for p in PEOPLE]

    def functions(self) -> list[str]:
        return ["marketing", "assistant", "custom"]

    def resume(self, item_id: str) -> None:
        self._record("resume", item_id)

    def tools(self) -> list[str]:
        return ["notes.write", "files.read", "files.write"]

    def hire(self, role_id: str, name: str | None) -> str | None:
        self._record("hire", role_id, name)
        return None

    def create_custom(self, answers: CustomRole) -> str | None:
        self._record("create_custom", answers)
        return None

    def audit_refresh(self) -> None:
        self._record("audit_refresh")

    def audit_filter(self, employee_id: str | None, kind: str | None, day: str | None) -> None:
        self._record("audit_filter", employee_id, kind, day)

    def audit_verify(self) -> None:
        self._record("audit_verify")

    def audit_export(self, path: str, fmt: str) -> None:
        self._record("audit_export", path, fmt)

    def resolve(self, item_id: str, happened: bool) -> None:
        self._record("resolve", item_id, happened)

    def call_in(self, employee_id: str | None, hours: float) -> None:
        self._record("call_in", employee_id, hours)

    def end_call_in(self, employee_id: str | None) -> None:
        self._record("end_call_in", employee_id)

    def let_go(self, employee_id: str) -> None:
        self._record("let_go", employee_id)

    def set_daily_ceiling(self, employee_id: str, usd: float) -> None:
        self._record("set_daily_ceiling", employee_id, usd)

    def allow_more_today(self, employee_id: str, usd: float) -> None:
        self._record("allow_more_today", employee_id, usd)

    def employees(self) -> list[tuple[str, str]]:
        return [(p[0], p[1]) for p in PEOPLE]

    def keyring_note(self) -> str:
        return "Keys go to a test keyring."

    def save_settings(self, values: SettingsValues, opened: SettingsValues | None = None) -> str | None:
        self._record("save_settings", values)
        return None

    def dismiss_welcome(self) -> None:
        self._record("dismiss_welcome")

    def doctor(self, online: bool, graphics: Graphics) -> list[DoctorRow]:
        self._record("doctor", online, graphics)
        return list(self.doctor_rows)


def populate(state: OfficeState) -> None:
    """A believable office: five people at work, tasks in every state, spend, an approval and an escalation."""
    for eid, name, role, title, team, color in PEOPLE:
        state.apply(
            EmployeeHired(employee_id=eid, name=name, role=role, title=title, team=team, appearance=(("color", color),))
        )
    tasks = [
        ("t1", "emp-ada", "Write a welcome note with three ideas for this week", "done"),
        ("t2", "emp-ada", "Sort this week's invoices into a summary", "running"),
        ("t3", "emp-ben", "Plan the spring campaign: goals, channels, calendar", "running"),
        ("t4", "emp-chloe", "Draft a blog post: five ways to brief an AI employee", "running"),
        ("t5", "emp-dev", "Schedule next week's posts", "waiting"),
        ("t6", "emp-elena", "Reconcile February's card payments", "queued"),
        ("t7", "emp-chloe", "Newsletter intro paragraph", "queued"),
        ("t8", "emp-ben", "Competitor pricing scan", "done"),
    ]
    for tid, eid, title, status in tasks:
        state.apply(TaskChanged(task_id=tid, employee_id=eid, title=title, status="queued"))
        if status != "queued":
            state.apply(TaskChanged(task_id=tid, employee_id=eid, title=title, status=status))
    for eid, status, detail in (
        ("emp-ada", "typing", "Sort this week's invoices into a summary"),
        ("emp-ben", "thinking", "Plan the spring campaign"),
        ("emp-chloe", "tool", "files.write"),
        ("emp-dev", "awaiting_approval", "social.post"),
        ("emp-elena", "idle", ""),
    ):
        state.apply(StatusChanged(employee_id=eid, status=status, detail=detail))  # type: ignore[arg-type]
    for eid, spend, ceiling in (
        ("emp-ada", 0.42, 2.0),
        ("emp-ben", 1.71, 2.0),
        ("emp-chloe", 0.88, 3.0),
        ("emp-dev", 0.12, 1.0),
        ("emp-elena", 0.0, 1.0),
    ):
        state.apply(SpendChanged(employee_id=eid, today_usd=spend, ceiling_usd=ceiling, simulated=True))
    for i in range(1, 14):
        day = TODAY - timedelta(days=i)
        state.spend_history.setdefault("emp-ada", {})[day] = round(0.2 + (i * 37 % 11) / 8, 2)
    state.chat_sent("emp-ada", "Can you summarise this week's invoices?", "t2")
    for delta in (
        "Sure — ",
        "I found 14 invoices this week totalling $3,420. ",
        "Three are overdue; drafting reminders.",
    ):
        state.apply(TextStreamed(employee_id="emp-ada", task_id="t2", delta=delta, rehearsal=True))
    for n, (tool, summary) in enumerate((("files.read", "invoices/2025-03.csv: 14 rows"), (None, "calls notes.write"))):
        state.apply(
            StepFinished(
                employee_id="emp-ada",
                task_id="t2",
                step_id=f"s{n}",
                kind="tool" if tool else "model",
                status="finished",
                tool=tool,
                cost_usd=0.0 if tool else 0.0123,
                summary=summary,
            )
        )
    state.apply(
        ApprovalRequested(
            approval_id="ap-1",
            employee_id="emp-dev",
            task_id="t5",
            tool="social.post",
            arguments_json=(
                '{"channel": "linkedin", "text": "Spring is here: 20% off all plans this week.", '
                '"when": "2025-03-17T09:00"}'
            ),
            risk="external_communication",
            reason="Posting publicly needs your approval (brief policy).",
        )
    )
    state.add_inbox(
        InboxItem(
            id="rv-1",
            kind="review",
            employee_id="emp-chloe",
            title="Chloe delivered: Draft a blog post: five ways to brief an AI employee",
            body="First deliverable on probation (1 of 3). 820 words, saved to drafts/brief-your-ai.md.",
            task_id="t4",
        )
    )
    state.apply(
        EscalationRaised(
            employee_id="emp-ben",
            task_id="t3",
            reason="The campaign budget is not in my brief. What can I spend on ads?",
        )
    )
    state.set_audit(
        [
            AuditRow(
                f"2025-03-{14 - i // 4:02d}T{9 + i % 8:02d}:1{i % 10}:00",
                PEOPLE[i % 5][0],
                PEOPLE[i % 5][1],
                ("model_call", "tool_call", "approval")[i % 3],
                f"step {i}: {('drafted', 'read file', 'asked')[i % 3]}",
                0.01 * (i % 3),
            )
            for i in range(24)
        ],
        "Synthetic rows",
    )
