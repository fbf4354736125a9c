"""The adapter between the engine's Office and the window: engine events in, owner commands out.

The window calls these commands synchronously from Qt slots; each one that needs the engine
starts an owned asyncio task (kept in a set, errors reported to the owner, never lost).
It starts from `Office.snapshot()` and then follows events; it never reads the journal.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Coroutine
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from app.attach import watching_text, work_or_watch
from app.audit_rows import show_audit, verify_audit
from app.board_routes import BoardRoutes
from app.doctor_data import check_machine
from app.forms import BriefProblem, ChatMessage, CustomRole, DoctorRow, Graphics, RoleInfo, SettingsValues
from app.memory_rows import MemoryCommands
from app.onboarding import hire_starter_team, is_first_run
from app.rows import brief_problem, rehearsal_pace, role_summary, step_row
from app.settings_apply import apply_settings, load_settings, store_settings
from app.state import SPEND_DAYS, STEP_LOG_LIMIT, OfficeState
from app.theme import money
from app.timing import mark
from engine.errors import OfficeError, OwnerError
from engine.events import DecisionsChanged, Event

EventSink = Callable[[Event], None]

if TYPE_CHECKING:
    from app.panels.connections import ConnectionsCallbacks
    from engine.office import Office

log = logging.getLogger(__name__)


REFUSALS = (OfficeError, OwnerError)  # what the office refuses the owner, with its reason: not a fault


class Bridge:
    """Owns the running office for the window. `await open()` first; `await close()` on quit."""

    def __init__(self, state: OfficeState, office: Office | None = None, *, scene: EventSink | None = None) -> None:
        self.state = state
        self.office: Office | None = office
        self.scene = scene  # the 3D office's `apply`: it hears every engine event too
        self._tasks: set[asyncio.Task[Any]] = set()
        self._runner: asyncio.Task[None] | None = None
        self._unsubscribe: Any = None
        self._audit_filter: tuple[str | None, str | None, str | None] = (None, None, None)
        self.settings = SettingsValues()
        self.board = BoardRoutes(lambda: self.office, self.spawn)  # the board tab's routes (app/board_routes.py)
        self.on_seeded: Callable[[], None] | None = None  # the scene holds the office's snapshot (first frame)

    # --- life cycle --------------------------------------------------------------------------------

    async def open(self, *, starter_team: bool = True) -> None:
        """Open the office (unless given one), follow its events, seed the rows, start the workers."""
        if self.office is None:
            from engine.office import Office
            from engine.paths import Home

            self.office = await Office.open(Home.resolve(), colocate_writer=False)
            mark("office open")
        office = self.office
        office.stream = True  # replies stream into chat as they are written
        office.rehearsal_pace = rehearsal_pace()
        self._unsubscribe = office.bus.subscribe(self._on_event)
        for event in await office.snapshot():  # the office as it stands; after this, events alone
            self._fan_out(event)
        mark("scene seeded")
        if self.on_seeded is not None:
            self.on_seeded()
        self.settings = await self._load_settings()
        self.board.opened()
        await self._seed_spend()
        first_run = starter_team and await is_first_run(office)
        self._runner = self.spawn(self._keep_working(), "keep the office working")
        if first_run:
            await self.hire_starter_team()
        self._update_model_label()
        if not self.state.engine_status.startswith("Watching"):  # another process works it (app/attach.py)
            self.state.set_engine_status("Ready")

    async def close(self) -> None:
        tasks = [t for t in (self._runner, *self._tasks) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._runner = None
        if self._unsubscribe is not None:
            self._unsubscribe()
        if self.office is not None:
            await self.office.close()

    def spawn(self, coro: Coroutine[Any, Any, Any], what: str) -> asyncio.Task[Any]:
        """Run a command in the background; its failure is told to the owner, never lost."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)

        def done(t: asyncio.Task[Any]) -> None:
            self._tasks.discard(t)
            if not t.cancelled() and t.exception() is not None:
                exc = t.exception()
                if isinstance(exc, REFUSALS):  # the office said no (decided elsewhere, mid-task): no fault
                    log.info("could not %s: %s", what, exc)
                else:
                    log.error("%s failed: %s", what, exc, exc_info=exc)
                self.state.tell(f"Could not {what}: {exc}")

        task.add_done_callback(done)
        return task

    async def _keep_working(self) -> None:
        # Runs until the window closes; employees hired meanwhile start working by themselves.
        await work_or_watch(self._office(), watching=self._watching, working=self._working, reload=self.reload)

    # --- watching an office another process works (app/attach.py) ----------------------------------

    working = False  # this process holds the run lock (else it watches, or has not started)

    def _watching(self, holder: str) -> None:
        self.working = False
        self.state.set_engine_status(watching_text(holder))

    def _working(self) -> None:
        if not self.working and self.state.engine_status.startswith("Watching"):
            self.state.tell("The other process stopped: this window works the office now.")
            self.state.set_engine_status("Ready")
        self.working = True

    async def reload(self) -> None:
        """Re-read what another process changed (no events cross processes): who works here (hired or let go
        elsewhere: their events follow), then the office's snapshot again."""
        await self._office().follow()
        for event in await self._office().snapshot():
            self._fan_out(event)
        await self._seed_spend()

    def _fan_out(self, event: Event) -> None:
        self.state.apply(event)
        if self.scene is not None:
            self.scene(event)

    def _on_event(self, event: Event) -> None:
        self._fan_out(event)
        self.board.on_event(event)
        if isinstance(event, DecisionsChanged):  # a model, hours or a ceiling changed (maybe in another process)
            self._update_model_label()  # new ceilings arrive as SpendChanged events
            self.spawn(self._follow_decisions(), "read the settings")  # the dialog and inbox follow the office

    async def _follow_decisions(self) -> None:
        self.settings = await self._load_settings()
        office = self._office()
        pending = {a.id for a in await office.approvals.list()} | {d.id for d in await office.reviews()}
        self.state.keep_pending(pending)  # cards decided in another process leave the inbox

    async def _seed_spend(self) -> None:
        office = self._office()
        report = await office.budget_report()
        for entry in report.get("employees", []):
            row = self.state.employees.get(str(entry["id"]))
            if row is not None:
                row.spend_today = float(entry.get("today") or 0.0)
                row.spend_day = date.fromisoformat(str(entry["day"])) if entry.get("day") else None
                row.ceiling = entry.get("per_day_usd")
                row.daily_ceiling = entry.get("ceiling_per_day_usd")
                row.simulated = bool(entry.get("simulated"))
        whole = report.get("office") or {}
        self.state.set_office_spend(
            float(whole.get("today") or 0.0), whole.get("per_day_usd"), self.settings.simulate_model or None
        )
        self.state.load_roster([])  # tell the window the roster changed

    def _office(self) -> Office:
        if self.office is None:
            raise RuntimeError("the office is still opening")
        return self.office

    def _update_model_label(self) -> None:
        office = self._office()
        for employee in office.employees.values():
            row = self.state.employees.get(employee.id)
            if row is not None:
                row.rehearsal = employee.config.is_rehearsal
        self.state.set_model_label(office.model_mode())
        rehearsing = self.state.model_label == "Rehearsal"
        self.state.set_welcome(rehearsing and not self._welcome_dismissed)

    _welcome_dismissed = False

    # --- chat and tasks ----------------------------------------------------------------------------

    def assign(self, employee_id: str, text: str) -> None:
        self.spawn(self._assign(employee_id, text), "send the message")

    async def _assign(self, employee_id: str, text: str) -> None:
        task = await self._office().assign(employee_id, text)
        self.state.chat_sent(employee_id, text, task.id)

    # --- hiring ------------------------------------------------------------------------------------

    async def hire_starter_team(self) -> None:
        """First run: a small team in rehearsal, each with a first task, so the office visibly works."""
        roles = await asyncio.to_thread(self._catalog_roles)
        await hire_starter_team(self._office(), self.state, roles, self._hire)

    def roles(self) -> list[RoleInfo]:
        try:
            return self._catalog_roles()
        except Exception as exc:
            self.state.tell(f"The catalog could not be read: {exc}")
            return []

    def _catalog_roles(self) -> list[RoleInfo]:
        catalog = self._office().catalog()
        return [
            RoleInfo(role_id, brief.title, brief.team, role_summary(brief)) for role_id, brief in catalog.roles.items()
        ]

    def tools(self) -> list[str]:
        return sorted(self.office.tools.names()) if self.office is not None else []

    def hire(self, role_id: str, name: str | None) -> str | Awaitable[str | None] | None:
        """The office's answer for the Hire dialog: None once hired, else why not (shown in the dialog)."""
        if self.office is None:
            return "The office is still opening; try again in a moment."
        return self.spawn(self._hire_or_why(role_id, name), f"hire a {role_id}")

    async def _hire_or_why(self, role_id: str, name: str | None) -> str | None:
        from engine.briefs import BriefError
        from engine.errors import OfficeError
        from engine.llm.types import ModelConfigError

        try:
            await self._hire(role_id, name)
        except (OfficeError, BriefError, ModelConfigError) as exc:
            return str(exc)
        return None

    async def _hire(self, role_id: str, name: str | None) -> Any:
        office = self._office()
        brief = await asyncio.to_thread(office.brief_for, role_id)
        record = await office.hire(brief, name=name)  # starts working: the office is running
        self._update_model_label()
        return record

    custom_supported = True

    def functions(self) -> list[str]:
        from engine.briefs import FUNCTIONS

        return list(FUNCTIONS)

    def create_custom(self, answers: CustomRole) -> str | Awaitable[str | None] | None:
        """Write the new brief into the owner's folder (validated), then hire from it."""
        from pydantic import ValidationError

        from engine.briefs import BriefError, NewRoleAnswers, new_role_brief

        office = self._office()
        try:
            spec = NewRoleAnswers(
                title=answers.title,
                function=answers.function,
                goals=answers.goals,
                tone=answers.tone or "Clear, friendly and professional.",
                tools=answers.tools,
                body=answers.body or None,
            )
            path = new_role_brief(spec, office.home, known_tools=office.tools.names())
        except (BriefError, ValidationError, FileExistsError, ValueError) as exc:
            return str(exc)
        return self.spawn(self._hire_or_why(str(path), answers.name or None), f"hire the new {answers.title}")

    # --- employee panel ----------------------------------------------------------------------------

    def employee_opened(self, employee_id: str) -> None:
        self.spawn(self._load_employee(employee_id), "load the employee's history")

    async def _load_employee(self, employee_id: str) -> None:
        office = self._office()
        steps = await office.history.steps(employee_id, latest=STEP_LOG_LIMIT)  # a journal of months holds millions
        self.state.load_steps(employee_id, [step_row(s) for s in steps])
        said = await office.history.conversation(steps)  # the chat of those steps' tasks, from before this window
        self.state.load_chat(employee_id, [ChatMessage(s.who, s.text, s.task_id, s.rehearsal) for s in said])
        spent = await office.spend_by_day(employee_id, SPEND_DAYS)  # by its budget days, in its time zone
        self.state.set_spend_history(employee_id, {date.fromisoformat(day): usd for day, usd in spent.items()})
        employee = office.employees.get(employee_id)
        if employee is not None:
            text = await office.history.brief_text(employee_id, employee.record.brief_version)
            self.state.set_brief(employee_id, text or "", f"Version {employee.record.brief_version[:12]}")

    def memory(self, employee_id: str) -> MemoryCommands:
        """The employee panel's Memory tab commands (app/memory_rows.py)."""
        return MemoryCommands(employee_id, self._office, self.spawn)

    def validate_brief(self, employee_id: str, text: str) -> BriefProblem | None:
        """Run the briefs loader on the edited text; the exact error and its line, or None."""
        from engine.briefs import BriefError

        office = self._office()
        employee = office.employees.get(employee_id)
        source = Path(employee.record.brief_path if employee else "brief.md")
        try:
            office.check_brief(text, source)
        except BriefError as exc:
            return brief_problem(exc)
        return None

    def save_brief(self, employee_id: str, text: str) -> None:
        self.spawn(self._save_brief(employee_id, text), "save the brief")

    async def _save_brief(self, employee_id: str, text: str) -> None:
        """The engine validates again and saves the employee's own copy; its exact error goes beside the field."""
        from engine.briefs import BriefError

        office = self._office()
        try:
            brief = await office.update_brief(employee_id, text)
        except BriefError as exc:
            self.state.set_brief_problem(employee_id, brief_problem(exc))
            return
        self._update_model_label()
        self.state.set_brief(employee_id, text, f"Saved as version {brief.version[:12]}")
        self.state.tell(f"{self.state.name_of(employee_id)} works from the new brief now.")

    # --- inbox (guardrails) ------------------------------------------------------------------------

    def approve(self, item_id: str) -> None:
        self.spawn(self._decide(item_id, approve=True), "approve")

    def reject(self, item_id: str, reason: str) -> None:
        self.spawn(self._decide(item_id, approve=False, note=reason), "reject")

    def edit_approve(self, item_id: str, arguments_json: str) -> None:
        self.spawn(self._decide(item_id, approve=True, edit=json.loads(arguments_json)), "approve with edits")

    async def _decide(self, item_id: str, *, approve: bool, note: str = "", edit: dict[str, Any] | None = None) -> None:
        await self._office().decide(item_id, approve=approve, note=note, edit=edit)
        self.state.remove_inbox(item_id)  # ApprovalResolved does it too; harmless twice

    def accept(self, item_id: str) -> None:
        self.spawn(self._review(item_id, None), "accept the deliverable")

    def revise(self, item_id: str, comment: str) -> None:
        self.spawn(self._review(item_id, comment), "send the deliverable back")

    async def _review(self, item_id: str, comment: str | None) -> None:
        office = self._office()
        if comment is None:
            await office.accept(item_id)
        else:
            await office.revise(item_id, comment)
        self.state.remove_inbox(item_id)

    def resume(self, item_id: str) -> None:
        item = self.state.inbox.get(item_id)
        if item is not None and item.task_id:
            self.spawn(self._resume(item_id, item.task_id), "let the task continue")

    async def _resume(self, item_id: str, task_id: str) -> None:
        await self._office().resume(task_id)
        self.state.remove_inbox(item_id)

    def resolve(self, item_id: str, happened: bool) -> None:
        item = self.state.inbox.get(item_id)
        if item is not None and item.task_id:
            what = "mark it as done" if happened else "run it again"
            self.spawn(self._resolve(item_id, item.task_id, happened), what)

    async def _resolve(self, item_id: str, task_id: str, happened: bool) -> None:
        await self._office().resolve(task_id, happened=happened)
        self.state.remove_inbox(item_id)

    def dismiss(self, item_id: str) -> None:
        self.state.remove_inbox(item_id)  # escalations are notices; the task itself stays parked

    # --- audit -------------------------------------------------------------------------------------

    def audit_refresh(self) -> None:
        self.spawn(self._audit(), "read the audit log")

    def audit_filter(self, employee_id: str | None, kind: str | None, day: str | None) -> None:
        self._audit_filter = (employee_id, kind, day)
        self.audit_refresh()

    async def _audit(self) -> None:
        await show_audit(self._office(), self.state, *self._audit_filter)

    def audit_verify(self) -> None:
        self.spawn(self._audit_verify(), "verify the audit log")

    async def _audit_verify(self) -> None:
        await verify_audit(self._office(), self.state)

    def audit_export(self, path: str, fmt: str) -> None:
        self.spawn(self._audit_export(Path(path), "jsonl" if fmt == "jsonl" else "csv"), "export the audit log")

    async def _audit_export(self, path: Path, fmt: Literal["jsonl", "csv"]) -> None:
        count = await self._office().history.audit_export(path, fmt)
        self.state.tell(f"Exported {count} audit rows to {path}")

    # --- settings ----------------------------------------------------------------------------------

    async def _load_settings(self) -> SettingsValues:
        return await load_settings(self._office())

    def keyring_note(self) -> str:
        try:
            from engine.secrets import Secrets
        except ImportError:
            return "Key storage arrives with the model layer; keys are never written to the database or logs."
        return f"Keys are stored in: {Secrets().backend_description()}. Never in the database or logs."

    def save_settings(self, values: SettingsValues, opened: SettingsValues | None = None) -> Awaitable[str | None]:
        """Apply what the owner changed in a dialog that opened with `opened` (default: the latest settings) for
        real; the dialog waits for the engine's answer (an error keeps it open)."""
        return self.spawn(self._save_settings(values, opened or self.settings), "apply the settings")

    async def _save_settings(self, values: SettingsValues, opened: SettingsValues) -> str | None:
        office = self._office()
        # Against what the dialog showed: a change made meanwhile elsewhere (a model connected, a ceiling set from
        # the terminal) is not the owner's to undo by saving a dialog that never showed it.
        applied = await apply_settings(office, opened, values)
        if applied.error is not None:
            return applied.error
        await store_settings(office, values)
        self.settings = await self._load_settings()  # the office's decisions over the dialog's values
        self._update_model_label()
        await self._seed_spend()
        self.state.tell("Settings applied: " + ("; ".join(applied.done) if applied.done else "nothing changed"))
        return None

    def call_in(self, employee_id: str | None, hours: float) -> None:
        self.spawn(self._call_in(employee_id, hours), "call the team in")

    async def _call_in(self, employee_id: str | None, hours: float) -> None:
        office = self._office()
        who = [employee_id] if employee_id else list(office.employees)
        for eid in who:
            await office.call_in(eid, hours=hours)
        names = self.state.name_of(employee_id) if employee_id else "Everyone"
        self.state.tell(f"{names} called in for {hours:g} hour{'' if hours == 1 else 's'} (a longer call-in stands).")

    def end_call_in(self, employee_id: str | None) -> None:
        self.spawn(self._end_call_in(employee_id), "send them home")

    async def _end_call_in(self, employee_id: str | None) -> None:
        office = self._office()
        ended = [
            eid for eid in ([employee_id] if employee_id else list(office.employees)) if await office.end_call_in(eid)
        ]
        names = ", ".join(self.state.name_of(eid) for eid in ended)
        self.state.tell(f"Sent home: {names}; their own hours stand." if ended else "Nobody was called in.")

    def let_go(self, employee_id: str) -> None:
        self.spawn(self._let_go(employee_id), "let them go")

    async def _let_go(self, employee_id: str) -> None:
        name = self.state.name_of(employee_id)
        cancelled = await self._office().dismiss(employee_id)
        self.state.tell(f"{name} has left; {cancelled} open task(s) cancelled. Their log stays.")

    def set_daily_ceiling(self, employee_id: str, usd: float) -> None:
        self.spawn(self._set_daily_ceiling(employee_id, usd), "set the daily ceiling")

    async def _set_daily_ceiling(self, employee_id: str, usd: float) -> None:
        await self._office().set_ceiling(employee_id, per_day=usd)  # durable, audited; SpendChanged follows
        self.state.tell(f"{self.state.name_of(employee_id)} may spend up to {money(usd)} a day from now on.")

    def allow_more_today(self, employee_id: str, usd: float) -> None:
        self.spawn(self._allow_more_today(employee_id, usd), "allow more today")

    async def _allow_more_today(self, employee_id: str, usd: float) -> None:
        await self._office().raise_once(employee_id, usd)
        name = self.state.name_of(employee_id)
        self.state.tell(f"{name} may spend {money(usd)} more today; work held over budget goes on.")

    def connections(self) -> ConnectionsCallbacks:
        # imported here, not at start-up: engine.apps and the CLI modules it shares (a tenth of a second)
        from app.connections_bridge import connections_callbacks

        return connections_callbacks(self._office)  # the settings' Connections tab (engine.apps)

    def employees(self) -> list[tuple[str, str]]:
        return sorted(((e.id, e.name) for e in self.state.employees.values()), key=lambda p: p[1])

    def doctor(self, online: bool, graphics: Graphics) -> Awaitable[list[DoctorRow]]:
        """The doctor page's checks for this office (app/doctor_data.py), run off the event loop."""
        return self.spawn(check_machine(self._office().home, graphics=graphics, online=online), "check this machine")

    def dismiss_welcome(self) -> None:
        self._welcome_dismissed = True
        self.state.set_welcome(False)
