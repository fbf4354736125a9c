"""What the window shows, folded from engine events into plain rows. No Qt here: testable on its own.

The bridge feeds `OfficeState.apply(event)` from the bus and seeds it from the journal; panels read
the rows. Listeners hear *which* parts changed ("roster", "tasks", "inbox", "employee:<id>") so the
window can coalesce repaints instead of redrawing on every streamed token.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from app.forms import AuditRow, ChatMessage, EmployeeRow, InboxItem, StepRow, TaskRow
from engine.events import (
    ApprovalRequested,
    ApprovalResolved,
    DeliverableDecided,
    DeliverableSubmitted,
    EmployeeHired,
    EmployeeLeft,
    EscalationRaised,
    Event,
    SpendChanged,
    StatusChanged,
    StepFinished,
    StepStarted,
    TaskChanged,
    TextStreamed,
)

STEP_LOG_LIMIT = 500  # per employee, in memory; the journal keeps everything
SPEND_DAYS = 31  # per-day spend read for an employee's chart (it shows the last 14 days)


@dataclass(slots=True)
class _Chat:
    messages: list[ChatMessage] = field(default_factory=list)  # this window's conversation
    replies: dict[str, ChatMessage] = field(default_factory=dict)  # task id -> the employee's reply bubble
    earlier: list[ChatMessage] = field(default_factory=list)  # read from the journal: before this window opened


Listener = Callable[[frozenset[str]], None]


class OfficeState:
    """Plain rows for the roster, tasks, inbox, chats and step logs, kept current by engine events."""

    def __init__(self, today: Callable[[], date] = date.today) -> None:
        self._today = today
        self.employees: dict[str, EmployeeRow] = {}
        self.tasks: dict[str, TaskRow] = {}
        self.inbox: dict[str, InboxItem] = {}
        self.steps: dict[str, deque[StepRow]] = {}
        self.spend_history: dict[str, dict[date, float]] = {}
        self.model_label = "Rehearsal"
        self.engine_status = "Opening the office…"
        self.notice = ""
        self.show_welcome = False
        self.briefs: dict[str, tuple[str, str]] = {}  # employee id -> (text, note)
        self.audit: list[AuditRow] = []
        self.audit_source = ""
        self.audit_choices: tuple[list[tuple[str, str]], list[str]] | None = None  # (people, kinds)
        self.audit_verified: tuple[bool, str] | None = None
        self.brief_problems: dict[str, object] = {}  # employee id -> the engine's BriefProblem on save
        self.office_spend: float | None = None  # today, from the budget report; None until read
        self.office_ceiling: float | None = None
        self.simulating: str | None = None  # the real model whose prices rehearsal is charged at
        self.first_day = False
        self._chats: dict[str, _Chat] = {}
        self._listeners: list[Listener] = []
        self._escalations = 0

    # --- listening ---------------------------------------------------------------------------------

    def listen(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _changed(self, *parts: str) -> None:
        changed = frozenset(parts)
        for listener in tuple(self._listeners):
            listener(changed)

    # --- derived views -----------------------------------------------------------------------------

    @property
    def rehearsal(self) -> bool:
        return all(e.rehearsal for e in self.employees.values())

    def total_spend_today(self) -> float:
        if self.office_spend is not None:
            return self.office_spend
        return sum(e.spend_today for e in self.employees.values())

    def tasks_of(self, employee_id: str | None = None) -> list[TaskRow]:
        return [t for t in self.tasks.values() if employee_id is None or t.employee_id == employee_id]

    def chat(self, employee_id: str) -> list[ChatMessage]:
        """What was said before this window (as the journal holds it), then what was said in it."""
        chat = self._chats.get(employee_id, _Chat())
        return chat.earlier + chat.messages

    def load_chat(self, employee_id: str, earlier: Iterable[ChatMessage]) -> None:
        """The conversation the journal holds, as the employee's panel opens (it outlives the window).

        A task asked in this window shows as this window has it; one still being worked gets a reply
        bubble after its last line, which its answer streams into as for a task asked here.
        """
        chat = self._chats.setdefault(employee_id, _Chat())
        sent = {m.task_id for m in chat.messages}
        lines = [m for m in earlier if m.task_id not in sent]
        row = self.employees.get(employee_id)
        for task_id in dict.fromkeys(m.task_id for m in lines):
            task = self.tasks.get(task_id or "")
            if task_id is None or task is None or task.status not in ("queued", "running"):
                continue
            reply = chat.replies.get(task_id) or ChatMessage(
                "employee", "", task_id, rehearsal=row.rehearsal if row else False, streaming=True
            )
            chat.replies[task_id] = reply
            last = max(i for i, m in enumerate(lines) if m.task_id == task_id)
            lines.insert(last + 1, reply)
        chat.earlier = lines
        self._changed(f"employee:{employee_id}")

    def step_log(self, employee_id: str) -> list[StepRow]:
        return list(self.steps.get(employee_id, ()))

    def name_of(self, employee_id: str) -> str:
        row = self.employees.get(employee_id)
        return row.name if row else employee_id

    # --- seeding from the journal ------------------------------------------------------------------

    def load_roster(self, rows: Iterable[Mapping[str, object]]) -> None:
        """Seed from `Office.roster()` rows (plain dicts)."""
        for r in rows:
            eid = str(r["id"])
            row = self.employees.get(eid) or EmployeeRow(eid, str(r["name"]), str(r["role"]), str(r["title"]))
            row.name, row.role, row.title = str(r["name"]), str(r["role"]), str(r["title"])
            row.team = _opt(r.get("team"))
            row.status = str(r.get("status") or "idle")
            row.detail = str(r.get("detail") or "")
            row.current_task = _opt(r.get("current_task"))
            row.rehearsal = bool(r.get("rehearsal", True))
            row.brief_error = _opt(r.get("brief_error"))
            self.employees[eid] = row
        self._changed("roster")

    def load_tasks(self, rows: Iterable[TaskRow]) -> None:
        for t in rows:
            self.tasks[t.id] = t
        self._changed("tasks", "roster")

    def load_steps(self, employee_id: str, rows: Iterable[StepRow]) -> None:
        log = self.steps.setdefault(employee_id, deque(maxlen=STEP_LOG_LIMIT))
        known = {s.step_id for s in log}
        merged = [s for s in rows if s.step_id not in known] + list(log)
        log.clear()
        log.extend(sorted(merged, key=lambda s: s.when)[-STEP_LOG_LIMIT:])
        self._changed(f"employee:{employee_id}")

    def set_spend_history(self, employee_id: str, per_day: Mapping[date, float]) -> None:
        self.spend_history[employee_id] = dict(per_day)
        self._changed(f"employee:{employee_id}")

    def set_model_label(self, label: str) -> None:
        self.model_label = label
        self._changed("status")

    def set_engine_status(self, text: str) -> None:
        self.engine_status = text
        self._changed("status")

    def tell(self, text: str) -> None:
        """A short message for the owner (an action failed, something is not available yet)."""
        self.notice = text
        self._changed("notice")

    def set_welcome(self, shown: bool) -> None:
        self.show_welcome = shown
        self._changed("welcome")

    def set_brief(self, employee_id: str, text: str, note: str = "") -> None:
        self.briefs[employee_id] = (text, note)
        self.brief_problems.pop(employee_id, None)
        self._changed(f"brief:{employee_id}")

    def set_audit(self, rows: Iterable[AuditRow], source: str) -> None:
        self.audit = list(rows)
        self.audit_source = source
        self._changed("audit")

    def set_audit_choices(self, people: list[tuple[str, str]], kinds: list[str]) -> None:
        self.audit_choices = (people, kinds)
        self._changed("audit")

    def set_audit_verified(self, ok: bool, text: str) -> None:
        self.audit_verified = (ok, text)
        self._changed("audit")

    def set_brief_problem(self, employee_id: str, problem: object) -> None:
        """The engine refused an edited brief on save: its exact problem goes beside the field."""
        self.brief_problems[employee_id] = problem
        self._changed(f"brief:{employee_id}")

    def set_office_spend(self, today: float, ceiling: float | None, simulating: str | None) -> None:
        self.office_spend, self.office_ceiling, self.simulating = today, ceiling, simulating
        self._changed("status")

    # --- owner actions the engine does not echo ----------------------------------------------------

    def chat_sent(self, employee_id: str, text: str, task_id: str) -> None:
        """The owner asked something in chat; the employee's reply bubble opens for that task."""
        chat = self._chats.setdefault(employee_id, _Chat())
        said = next((m for m in chat.messages if m.task_id == task_id and m.author == "owner"), None)
        if said is not None:  # already shown from its TaskChanged (by its title): now in the owner's words
            said.text = text
            self._changed(f"employee:{employee_id}")
            return
        chat.messages.append(ChatMessage("owner", text, task_id))
        row = self.employees.get(employee_id)
        reply = ChatMessage("employee", "", task_id, rehearsal=row.rehearsal if row else False, streaming=True)
        chat.messages.append(reply)
        chat.replies[task_id] = reply
        self._changed(f"employee:{employee_id}")

    def chat_note(self, employee_id: str, text: str) -> None:
        self._chats.setdefault(employee_id, _Chat()).messages.append(ChatMessage("system", text))
        self._changed(f"employee:{employee_id}")

    def add_inbox(self, item: InboxItem) -> None:
        self.inbox[item.id] = item
        self._changed("inbox")

    def remove_inbox(self, item_id: str) -> None:
        if self.inbox.pop(item_id, None) is not None:
            self._changed("inbox")

    def keep_pending(self, pending: set[str]) -> None:
        """Drop approval and review cards the office no longer has pending (decided by another process)."""
        for item in [i for i in self.inbox.values() if i.kind in ("approval", "review") and i.id not in pending]:
            self.remove_inbox(item.id)

    # --- engine events -----------------------------------------------------------------------------

    def apply(self, event: Event) -> None:
        if isinstance(event, EmployeeHired):
            appearance = dict(event.appearance)
            row = self.employees.get(event.employee_id) or EmployeeRow(
                event.employee_id, event.name, event.role, event.title
            )
            row.name, row.role, row.title, row.team = event.name, event.role, event.title, event.team
            row.rehearsal, row.color, row.brief_error = event.rehearsal, appearance.get("color"), event.brief_error
            self.employees[event.employee_id] = row
            self._changed("roster", "status")
        elif isinstance(event, EmployeeLeft):
            self.employees.pop(event.employee_id, None)
            for item in [i for i in self.inbox.values() if i.employee_id == event.employee_id]:
                self.remove_inbox(item.id)  # nobody is left to hear the decision
            self._changed("roster", "status")
        elif isinstance(event, StatusChanged):
            emp = self.employees.get(event.employee_id)
            if emp is not None:
                emp.status, emp.detail = event.status, event.detail
                self._changed("roster", f"employee:{event.employee_id}")
        elif isinstance(event, TaskChanged):
            self._task_changed(event)
        elif isinstance(event, TextStreamed):
            reply = self._reply(event.employee_id, event.task_id)
            if reply is not None:
                reply.text += event.delta
                reply.rehearsal = reply.rehearsal or event.rehearsal
                self._changed(f"employee:{event.employee_id}")
        elif isinstance(event, StepStarted | StepFinished):
            self._step(event)
        elif isinstance(event, SpendChanged):
            emp = self.employees.get(event.employee_id)
            if emp is not None:
                emp.spend_today, emp.ceiling, emp.simulated = event.today_usd, event.ceiling_usd, event.simulated
                emp.daily_ceiling = event.daily_ceiling_usd
                if event.day:
                    emp.spend_day = date.fromisoformat(event.day)
                day = emp.spend_day or self._today()  # the employee's budget day, as the engine counts it
                self.spend_history.setdefault(event.employee_id, {})[day] = event.today_usd
                self._changed("roster", "status", f"employee:{event.employee_id}")
            if event.office_today_usd is not None:
                self.set_office_spend(event.office_today_usd, event.office_ceiling_usd, self.simulating)
        elif isinstance(event, DeliverableSubmitted):
            task = self.tasks.get(event.task_id)
            self.add_inbox(
                InboxItem(
                    id=event.deliverable_id,
                    kind="review",
                    employee_id=event.employee_id,
                    title=f"{self.name_of(event.employee_id)} delivered: {task.title if task else event.title}",
                    body=(f"Round {event.round}. " if event.round > 1 else "") + event.content,
                    task_id=event.task_id,
                )
            )
        elif isinstance(event, DeliverableDecided):
            self.remove_inbox(event.deliverable_id)
        elif isinstance(event, ApprovalRequested):
            self.add_inbox(
                InboxItem(
                    id=event.approval_id,
                    kind="approval",
                    employee_id=event.employee_id,
                    title=f"{self.name_of(event.employee_id)} wants to use {event.tool}",
                    body=event.reason,
                    task_id=event.task_id,
                    tool=event.tool,
                    arguments_json=event.arguments_json,
                    risk=event.risk,
                )
            )
        elif isinstance(event, ApprovalResolved):
            self.remove_inbox(event.approval_id)
        elif isinstance(event, EscalationRaised):
            self._escalations += 1
            task = self.tasks.get(event.task_id) if event.task_id else None
            self.add_escalation(
                event.employee_id,
                event.task_id,
                event.reason,
                uncertain=task is not None and task.status == "uncertain",
            )

    def add_escalation(self, employee_id: str, task_id: str | None, reason: str, *, uncertain: bool = False) -> None:
        """One inbox item per parked task (events and the journal may both report it)."""
        item_id = f"escalation-{task_id}" if task_id else f"escalation-{self._escalations}"
        title = (
            f"{self.name_of(employee_id)} is not sure an action happened"
            if uncertain
            else f"{self.name_of(employee_id)} needs you"
        )
        self.add_inbox(
            InboxItem(item_id, "escalation", employee_id, title, reason, task_id=task_id, uncertain=uncertain)
        )

    def _task_changed(self, event: TaskChanged) -> None:
        row = self.tasks.get(event.task_id)
        if row is None:
            row = TaskRow(event.task_id, event.employee_id, event.title, event.status, event.reason, event.parent_id)
            self.tasks[event.task_id] = row
            chat = self._chats.get(event.employee_id)  # its panel is open (or was): the chat shows the new task
            if event.status == "queued" and chat is not None and all(m.task_id != event.task_id for m in chat.earlier):
                self.chat_sent(event.employee_id, event.title, event.task_id)  # given from the terminal, say
        row.status, row.reason = event.status, event.reason
        if event.status not in ("parked", "uncertain", "failed"):
            self.remove_inbox(f"escalation-{event.task_id}")  # the owner (or the engine) let it go on
        # Decided elsewhere (the terminal, another window): the task moved on, so its card is stale.
        stale = {"approval"} if event.status != "waiting" else set()
        stale |= {"review"} if event.status != "review" else set()
        for item in [i for i in self.inbox.values() if i.task_id == event.task_id and i.kind in stale]:
            self.remove_inbox(item.id)
        emp = self.employees.get(event.employee_id)
        if emp is not None:
            if event.status == "running":
                emp.current_task = event.title
            elif emp.current_task == event.title:
                emp.current_task = None
            if event.status == "review":
                # The engine journals the employee as idle here but publishes no StatusChanged (yet).
                emp.status, emp.detail = "idle", ""
        reply = self._reply(event.employee_id, event.task_id)
        if reply is not None and event.status not in ("queued", "running"):
            reply.streaming = False
            if event.status != "done" and event.reason:
                reply.text = reply.text or f"({event.status}: {event.reason})"
        self._changed("tasks", "roster", f"employee:{event.employee_id}")

    def _step(self, event: StepStarted | StepFinished) -> None:
        log = self.steps.setdefault(event.employee_id, deque(maxlen=STEP_LOG_LIMIT))
        existing = next((s for s in reversed(log) if s.step_id == event.step_id), None)
        if isinstance(event, StepStarted):
            if existing is None:
                log.append(StepRow(event.step_id, event.employee_id, event.task_id, event.kind, "started", event.tool))
        else:
            row = existing or StepRow(event.step_id, event.employee_id, event.task_id, event.kind, event.status)
            row.status, row.tool, row.cost_usd, row.summary = event.status, event.tool, event.cost_usd, event.summary
            if existing is None:
                log.append(row)
            reply = self._reply(event.employee_id, event.task_id)
            # Without streaming the reply text only arrives as the model step's summary.
            if (
                reply is not None
                and event.kind == "model"
                and not reply.text
                and not event.summary.startswith("calls ")
            ):
                reply.text = event.summary
        self._changed(f"employee:{event.employee_id}")

    def _reply(self, employee_id: str, task_id: str) -> ChatMessage | None:
        chat = self._chats.get(employee_id)
        return chat.replies.get(task_id) if chat else None


def _opt(value: object) -> str | None:
    return None if value is None else str(value)
