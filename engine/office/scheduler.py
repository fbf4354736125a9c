"""The scheduler: runs the office's workers, one per employee, over their queues.

While `run` holds the run lock it also recovers what a crash interrupted, polls the journal for work
queued and decisions made by other processes, takes the daily backup, and keeps each employee's
shown status true to its durable tasks and working hours.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import logging
from datetime import datetime, timedelta

from engine.bus import EventBus
from engine.clock import Clock
from engine.connections import Connections
from engine.doctor_check import reach
from engine.errors import OfficeError
from engine.events import EscalationRaised, Status, StatusChanged
from engine.guardrails import BudgetLedger
from engine.hours import next_change, off_duty_detail
from engine.loop import AgentLoop, Outcome, TaskWork
from engine.memory import MemoryBook
from engine.office.claims import Claims
from engine.office.decisions import DecisionSync
from engine.office.employee import Employee
from engine.office.owner import Owner
from engine.office.recorder import Recorder
from engine.office.recovery import CRASHED, FAILED, OWNER_STOPPED, TIME_UP, recover
from engine.office.reviews import Reviews
from engine.office.roster import Roster
from engine.office.standing import OPEN, is_model_down, standing
from engine.office.tasks import TaskBoard
from engine.office.teamwork import TeamBelts
from engine.office.workers import Workers
from engine.parked import is_over_budget
from engine.paths import Home
from engine.redaction import redact
from engine.runlock import AlreadyRunning, RunLock
from engine.store import writes
from engine.store.backups import DailyBackup
from engine.store.db import StoreError
from engine.store.journal import Journal, read_steps, read_task, read_tasks
from engine.store.records import StepRecord, TaskRecord
from engine.store.settings import read_owner_version
from engine.teams import Teams

log = logging.getLogger(__name__)

POLL_S = 3.0  # how soon a running office notices work queued by another process
MODEL_LOOK_POLLS = 10  # every this many polls (30 s), work parked by a model outage is looked at again
MODEL_RETRY = timedelta(minutes=15)  # a hosted model's outage: its work is tried again this long after it parked


class Scheduler:
    def __init__(
        self,
        home: Home,
        journal: Journal,
        bus: EventBus,
        clock: Clock,
        *,
        roster: Roster,
        workers: Workers,
        board: TaskBoard,
        sync: DecisionSync,
        owner: Owner,
        reviews: Reviews,
        agent_loop: AgentLoop,
        connections: Connections,
        recorder: Recorder,
        memory: MemoryBook,
        teams: Teams | None = None,
        ledger: BudgetLedger | None = None,
    ) -> None:
        self._home = home
        self._journal = journal
        self._bus = bus
        self._clock = clock
        self._roster = roster
        self._workers = workers
        self._board = board
        self._sync = sync
        self._owner = owner
        self._reviews = reviews
        self._agent_loop = agent_loop
        self._connections = connections
        self._memory = memory
        self._recorder = recorder
        self._teams = teams  # teams: sprint cards queued, stuck work escalated, stand-ups (engine.teams)
        self._team_belts = TeamBelts(teams, journal) if teams is not None else None
        self.daily_backup = DailyBackup(home.database, home.backups, clock)
        self.claims = Claims(journal, clock)  # one worker per task, durable, with a lease (engine.office.claims)
        self._ledger = ledger
        self._settled = asyncio.Event()  # a reservation was settled or released: parked work is looked at
        if ledger is not None:
            ledger.listeners.append(self._settled.set)
        # Words per second the rehearsal model writes at; 0 = instantly (headless, tests). The app
        # paces it like a person so the office shows work happening, not a blur of finished tasks.
        self.rehearsal_pace = 0.0
        self._clean = False  # this office's last run returned normally (no task left marked running)

    async def run(self, *, until_idle: bool = True, duration: float | None = None) -> None:
        """Work queued tasks: until every queue is empty (or waits on hours), for `duration` s, or forever.

        While it runs, employees hired meanwhile start working too.
        """
        lock = RunLock(self._home.root / "run.lock")
        try:
            lock.acquire()
        except AlreadyRunning as exc:
            raise OfficeError(str(exc)) from None
        stopped = FAILED  # why work in hand is put back if this ends before the office is idle
        try:
            self.claims.new_run()
            # Only here, with the lock: elsewhere a running task is being worked. Skipped when this office's
            # last run ended cleanly and no other process has held the lock since: nothing was cut short.
            clean, self._clean = self._clean, False
            if lock.taken_over or not clean:
                await self._recover()
            await self.daily_backup.take_if_due()
            await self._poll_once()  # tasks and decisions other processes wrote meanwhile
            await self.retry_parked_model_down()  # a model server that was down when the last run stopped
            while True:
                async with asyncio.TaskGroup() as group:
                    self._workers.serve(group, until_idle, self._work)
                    for employee in list(self._roster.employees.values()):
                        self._workers.start(employee)
                    poll = group.create_task(self._poll_journal())  # also keeps an empty office serving
                    watch = group.create_task(self._watch_budgets())
                    if duration is not None:
                        await self._clock.sleep(duration)
                        for worker in [*self._workers.all(), poll, watch]:
                            worker.cancel()
                    elif until_idle:
                        while pending := self._workers.running():
                            await asyncio.wait(pending)
                        poll.cancel()
                        watch.cancel()
                self._workers.stop_serving()
                if duration is not None or not until_idle:
                    stopped = TIME_UP
                    return  # its workers were stopped, maybe mid-task: put back below
                await self._poll_once()  # assigned or decided in the last moments: go on if it can be worked
                await self.retry_parked_over_budget()  # a new day that began while the last ones worked
                now = self._clock.now()
                roster = self._roster
                if not any(
                    e.queue and roster.on_duty(e, now) and e.id not in roster.unseated
                    for e in roster.employees.values()
                ):
                    self._clean = True
                    return
        except asyncio.CancelledError:  # Ctrl-C, `kill`, the window closing: the owner stopped it
            stopped = OWNER_STOPPED
            raise
        except BaseExceptionGroup as failed:
            store = _only_store_errors(failed)
            if store is None:
                raise
            # Every worker stopped on the same database: one clear error, the details in the log.
            log.error("the office stopped: %s", store, exc_info=failed)
            raise store from None
        finally:
            self._workers.stop_serving()
            try:
                if not self._clean:
                    await self._stand_down(stopped)
            finally:
                lock.release()

    async def _stand_down(self, cause: str) -> None:
        """Stopped before the work was done (Ctrl-C, a duration, the window closing; `cause` says which): every
        worker has stopped, so what they held goes back in the queue now, audited as this stop (not as a crash),
        and nobody shows as working in a roster read after this process has gone."""
        log.info("the office %s", cause)  # then a line for each task it held
        try:
            await self._recover(cause)
        except StoreError as exc:  # the disk that stopped the office: the next run recovers instead
            log.warning("could not put interrupted work back in the queue (the next run will): %s", exc)

    async def _recover(self, cause: str = CRASHED) -> None:
        """After a crash or a stop (`cause`): requeue or park what was running, then show everyone as tasks say."""
        await self.claims.forget_earlier_runs()  # the run lock proves their holders are gone
        for task_id in await recover(self._journal, self._recorder, self._connections.after_crash, cause):
            task = await self._journal.task(task_id)
            if task is not None:
                self._board.publish(task, task.status, task.reason)
                employee = self._roster.employees.get(task.employee_id)
                if task.status == "queued" and employee is not None:  # in its queue here, not shown again by a poll
                    self._workers.enqueue(employee, task.id, first=True)  # it was in hand: it goes on first
                if task.status == "uncertain":
                    self._bus.publish(
                        EscalationRaised(employee_id=task.employee_id, task_id=task.id, reason=task.reason)
                    )
        for employee in list(self._roster.employees.values()):
            await self.show_standing(employee)  # whatever a crashed process last wrote

    # --- other processes ------------------------------------------------------------------------

    async def _poll_journal(self) -> None:
        """Pick up tasks queued and decisions made by other processes (the CLI while the window runs)."""
        with contextlib.suppress(asyncio.CancelledError):
            for polls in itertools.count(1):
                await self._clock.sleep(POLL_S)
                await self._poll_once()
                await self.daily_backup.take_if_due()
                if polls % MODEL_LOOK_POLLS == 0:
                    await self.retry_parked_model_down()

    async def _poll_once(self) -> None:
        version, open_ = await self._journal.read(
            lambda c: (read_owner_version(c), read_tasks(c, statuses=["queued", "running"]))
        )  # one read for the three looks
        if version != self._sync.version:  # the owner decided something, in some process, since the last look
            await self._sync.refresh()
        await self._sync.edited_briefs()  # a brief file edited by hand: fixed, changed, or broken
        self._journal_queued([t for t in open_ if t.status == "queued"])
        await self._leases([t for t in open_ if t.status == "running"])
        if self._teams is not None:
            await self._teams.advance()

    async def _leases(self, running: list[TaskRecord]) -> None:
        """Renew the leases of the tasks worked here; requeue a running task whose worker stopped renewing."""
        await self.claims.renew()
        running = [t for t in running if t.id not in self._workers.active]
        for task_id in await self.claims.expired([t.id for t in running]):
            task = await self._journal.task(task_id)
            employee = self._roster.employees.get(task.employee_id) if task is not None else None
            if task is None or employee is None or task.status != "running":
                continue
            reason = "its worker stopped; the lease ran out"
            await self._board.set_status(task, "queued", reason, status="idle", detail="")
            self._workers.enqueue(employee, task_id)

    def _journal_queued(self, queued: list[TaskRecord]) -> None:
        for task in queued:
            employee = self._roster.employees.get(task.employee_id)
            if employee is not None and not self._workers.is_queued_or_active(employee, task.id):
                self._board.publish(task, "queued", task.reason)  # queued by another process: show it
                self._workers.enqueue(employee, task.id)

    # --- budgets --------------------------------------------------------------------------------

    async def _watch_budgets(self) -> None:
        """Whenever a reservation is settled or released, and when a new budget day begins, requeue parked
        work a new budget day freed.

        Parked work is read again only when a budget day changed since the last look (in any time zone
        the ledger counts in): before that, none of it can have rolled over. With everyone parked nothing
        settles, so the watcher also wakes at the next day's start (it waited for an hour's heartbeat).
        """
        seen: frozenset[tuple[str, str]] | None = None
        midnights = asyncio.ensure_future(self._new_days())
        try:
            with contextlib.suppress(asyncio.CancelledError):
                while True:
                    await self._settled.wait()
                    self._settled.clear()
                    days = self._ledger.days(self._clock.now()) if self._ledger is not None else None
                    if days is None or days != seen:
                        await self.retry_parked_over_budget()
                        seen = days
        finally:
            midnights.cancel()

    async def _new_days(self) -> None:
        """Wake the watcher as each budget day begins: one timer for the day, nothing per model step."""
        while self._ledger is not None:
            now = self._clock.now()
            await self._clock.sleep((self._ledger.next_day(now) - now).total_seconds())
            self._settled.set()

    async def retry_parked_over_budget(self, employee_id: str | None = None) -> int:
        """Requeue tasks parked over budget whose budget day has changed since; how many.

        Work parked over budget is freed only by a new day or by the owner (whose every change of a
        ceiling requeues it all, engine.office.decisions): a call whose only obstacle is others'
        reservations waits for them instead of parking (engine.guardrails.checks).
        """
        if self._ledger is None:
            return 0
        now, freed = self._clock.now(), 0
        for task in await self._journal.tasks(employee_id=employee_id, statuses=["parked"]):
            since = datetime.fromisoformat(task.updated_at)
            if (
                is_over_budget(task)
                and task.employee_id in self._roster.employees
                and self._ledger.rolled_over(task.employee_id, since, now)
            ):
                await self._board.requeue(task, "a new budget day began")
                freed += 1
        return freed

    async def retry_parked_model_down(self) -> int:
        """Requeue work a model outage parked, once the model can be tried again; how many.

        A model on a server the owner named (Ollama, LM Studio: its `api_base`) is tried again as soon as
        the server takes a connection (no request, no cost), so work parked because Headcount started before
        the server did goes on by itself. A hosted model is tried again MODEL_RETRY after the task parked.
        """
        now, freed = self._clock.now(), 0
        answers: dict[str, bool] = {}  # address -> whether it takes a connection, asked once per look
        for task in await self._journal.tasks(statuses=["parked"]):
            employee = self._roster.employees.get(task.employee_id)
            if not is_model_down(task) or employee is None:
                continue
            address = employee.config.api_base
            if address:
                if address not in answers:
                    answers[address] = await asyncio.to_thread(reach, address, 1.0) is None
                back = answers[address]
            else:
                back = now - datetime.fromisoformat(task.updated_at) >= MODEL_RETRY
            if back:
                await self._board.requeue(task, "trying the model again")
                freed += 1
        return freed

    # --- the work -------------------------------------------------------------------------------

    async def _work(self, employee: Employee, until_idle: bool) -> None:
        with contextlib.suppress(asyncio.CancelledError):
            while True:
                # Cleared before looking, not when about to wait: a wake-up (new work, a call-in from
                # a poll) that lands while this worker writes its status is kept, not lost.
                employee.wake.clear()
                now = self._clock.now()
                if employee.queue and employee.id in self._roster.unseated:  # its brief file broke meanwhile
                    await self._show(
                        employee, "blocked", f"cannot work until its brief is fixed: {employee.record.brief_path}"
                    )
                    if until_idle:
                        return
                    await self._wait(employee, now + timedelta(minutes=employee.brief.heartbeat_minutes))
                    continue
                if employee.queue and not self._roster.on_duty(employee, now):
                    back = next_change(self._roster.hours_of(employee), now)
                    await self._show(employee, "off_duty", off_duty_detail(back, now))
                    await self._consolidate(employee)  # the working day is over: what it taught, kept
                    if until_idle:
                        return
                    await self._wait(employee, self._roster.next_shift(employee, now))
                    continue
                if not employee.queue:
                    await self.show_standing(employee)  # idle, or what still holds it (a parked task...)
                    if until_idle:
                        return
                    await self._wait(employee, now + timedelta(minutes=employee.brief.heartbeat_minutes))
                    continue
                task_id = employee.queue.pop(0)
                self._workers.active.add(task_id)
                try:
                    await self._work_task(employee, task_id)
                finally:
                    self._workers.active.discard(task_id)
                if self._teams is not None and employee.record.team:  # a finished card may let the next ones start
                    await self._teams.advance()

    async def _wait(self, employee: Employee, until: datetime) -> None:
        """Sleep until woken (new work, an owner decision) or `until` (a shift change, the heartbeat)."""
        woken = asyncio.ensure_future(employee.wake.wait())
        # Measured from now, not from when `until` was computed: the clock may have moved since.
        timer = asyncio.ensure_future(self._clock.sleep(max((until - self._clock.now()).total_seconds(), 0.0)))
        try:
            done, _ = await asyncio.wait({woken, timer}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            woken.cancel()
            timer.cancel()
        if timer in done:
            await self._heartbeat(employee)

    async def _heartbeat(self, employee: Employee) -> None:
        """Periodic check during working hours: expired approvals, a new day for budgets, parked work."""
        await self._owner.expire_approvals()
        await self.retry_parked_over_budget(employee.id)
        await self._consolidate(employee)

    async def _consolidate(self, employee: Employee) -> None:
        """Turn finished working days into a journal entry and facts; a failure never stops the work."""
        try:
            await self._memory.consolidate_due(self._roster.memory_profile(employee))
        except Exception:
            log.exception("could not consolidate %s's memory; it is tried again at the next heartbeat", employee.id)

    async def _work_task(self, employee: Employee, task_id: str) -> Outcome | None:
        # The task and its steps in one read, before the claim: only the claim's holder writes a task's steps.
        task, history = await self._journal.read(lambda c: (read_task(c, task_id), read_steps(c, task_id=task_id)))
        if task is None or task.status not in ("queued", "running") or task.employee_id != employee.id:
            return None  # decided elsewhere meanwhile (cancelled, resolved, reassigned to a teammate)
        # The claim and the task marked running commit together (a task marked running always has its claim),
        # and only when the claim is won.
        running = self._board.status_ops(task, "running", "", status="thinking", detail=task.title)
        if not await self.claims.take(task_id, employee.id, then=running):
            return None  # another worker holds it; the poll offers it again once that lease runs out
        self._board.status_set(task, "running", "", status="thinking", detail=task.title)
        try:
            return await self._work_claimed(employee, task, history)
        finally:
            await self.claims.release(task_id)

    async def _work_claimed(self, employee: Employee, task: TaskRecord, history: list[StepRecord]) -> Outcome | None:
        task_id = task.id
        # With the employee's MCP tools on its belt (their servers started as needed).
        # With what it remembers, its days counted where it works (the owner's hours for it, else its brief's).
        work = await self._memory.prepare(self._task_work(employee, task), self._roster.memory_profile(employee))
        outcome = await self._connections.run(self._agent_loop, work, history)
        let_go = self.claims.letting_go(task_id)  # the claim goes in the write that settles the task
        if outcome.employee_status == "off_duty":  # hours ended mid-task: carry on next shift
            now = self._clock.now()
            back = off_duty_detail(next_change(self._roster.hours_of(employee), now), now)
            await self._board.set_status(
                task, "queued", "waiting for working hours", status="off_duty", detail=back, also=let_go
            )
            self.claims.let_go(task_id)
            self._workers.enqueue(employee, task.id, first=True)
            return outcome
        if outcome.status == "done" and employee.record.probation_left > 0:
            await self._reviews.submit(employee, task, outcome.summary)
            return outcome
        reason = "" if outcome.status == "done" else redact(outcome.summary)  # a provider's error may quote a key
        await self._board.set_status(
            task, outcome.status, reason, status=outcome.employee_status, detail=reason, also=let_go
        )
        self.claims.let_go(task_id)
        if outcome.status in ("parked", "uncertain"):
            self._bus.publish(EscalationRaised(employee_id=employee.id, task_id=task.id, reason=reason))
            await self._journal.write(
                *self._recorder.audit_ops("task_parked", {"task_id": task.id, "reason": reason}, employee.id)
            )
        return outcome

    def _task_work(self, employee: Employee, task: TaskRecord) -> TaskWork:
        brief = employee.brief
        config = employee.config
        if config.is_rehearsal and self.rehearsal_pace > 0:
            config = dataclasses.replace(config, extra=(*config.extra, ("rehearsal_pace", str(self.rehearsal_pace))))
        return TaskWork(
            employee_id=employee.id,
            task_id=task.id,
            task_body=task.body,
            brief_version=employee.record.brief_version,
            system_prompt=employee.system_prompt,
            belt=self._team_belts.equip(employee, employee.belt) if self._team_belts else employee.belt,
            config=config,
            workspace=self._home.workspace(employee.id),
            max_actions=brief.max_actions_per_turn,
            brief=brief,
            team=employee.record.team,
        )

    # --- status ---------------------------------------------------------------------------------

    async def show_standing(self, employee: Employee) -> None:
        """Show what holds the employee (approval, budget, a parked task, hours), else idle."""
        tasks = await self._journal.tasks(employee_id=employee.id, statuses=OPEN)
        now = self._clock.now()
        status, detail = standing(tasks, on_duty=self._roster.on_duty(employee, now)) or ("idle", "")
        if status == "off_duty":  # live, it also says when the employee is back
            detail = off_duty_detail(next_change(self._roster.hours_of(employee), now), now)
        await self._show(employee, status, detail)

    async def _show(self, employee: Employee, status: Status, detail: str) -> None:
        if employee.shown == status:
            return
        before, employee.shown = employee.shown, status
        await self._journal.write(writes.update_employee(employee.id, status=status, status_detail=detail))
        self._bus.publish(StatusChanged(employee_id=employee.id, status=status, detail=detail))
        if status == "off_duty" or before == "off_duty":
            await self._journal.write(
                *self._recorder.audit_ops("hours_changed", {"status": status}, employee.id), full=True
            )


def _only_store_errors(group: BaseExceptionGroup[BaseException]) -> StoreError | None:
    """The first StoreError of a task group's failures when they are all StoreErrors, else None."""
    stores, rest = group.split(StoreError)
    if stores is None or rest is not None:
        return None
    first: BaseException = stores
    while isinstance(first, BaseExceptionGroup):
        first = first.exceptions[0]
    return first if isinstance(first, StoreError) else None
