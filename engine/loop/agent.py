"""The agent loop of one employee on one task: model call -> tool calls -> model call ...

Every finished step is journaled before the loop acts on it, so a restart resumes from the
journal: finished model calls are never made again, finished tool calls never run again, and a
side-effecting tool whose intent was journaled but whose result was not is never re-run blindly.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Callable, Sequence
from typing import Any, Literal

from pydantic import ValidationError

from engine import faults
from engine.bus import EventBus
from engine.clock import Clock, IdSource
from engine.events import StatusChanged, StepFinished, StepStarted, StepStatus, TextStreamed
from engine.llm.compaction import Compactor
from engine.llm.types import Message, ModelClient, ModelError, ModelReply, ModelRequest, ModelUnavailable, ToolCall
from engine.loop.guard import Guard
from engine.loop.work import Outcome, TaskWork
from engine.parked import MODEL_DOWN, MODEL_REFUSED, Parked
from engine.redaction import MASK, masked_fields, redact_call
from engine.store import writes
from engine.store.journal import Journal
from engine.store.memory import given_ops
from engine.store.records import StepRecord
from engine.tools.base import (
    MaybeDone,
    Tool,
    ToolContext,
    ToolError,
    ToolSpec,
    cap_result,
    describe_validation_error,
    parse_arguments,
)

NOT_RUN = "(not run: the task was paused before this call, then the owner replied)"
_compact_json = json.JSONEncoder(separators=(",", ":")).encode  # json.dumps with options builds an encoder per call


class AgentLoop:
    def __init__(
        self,
        journal: Journal,
        model: ModelClient,
        bus: EventBus,
        clock: Clock,
        ids: IdSource,
        guard: Guard,
        *,
        stream: bool = False,
        redact: Callable[[str], str] = lambda text: text,  # applied to every text journaled
    ) -> None:
        self._redact = redact
        self._journal = journal
        self._model = model
        self._bus = bus
        self._clock = clock
        self._ids = ids
        self._guard = guard
        self.stream = stream

    async def run(self, work: TaskWork, history: Sequence[StepRecord]) -> Outcome:
        """Work the task from where its journal left off until it is done or must park."""
        turn_id = self._ids.new("turn")
        # Rides with the turn's first step (same commit, before it), or is flushed within DEFER_S: a turn
        # lost in a crash before its first step had nothing in it.
        self._journal.defer(writes.start_turn(turn_id, work.task_id, work.employee_id, work.brief_version, self._now()))
        work = dataclasses.replace(work, turn_id=turn_id)
        run = _Run(self, work, turn_id, history)
        try:
            return await run.go()
        except Parked as parked:
            return Outcome(parked.status, parked.reason, parked.employee_status)
        except ModelError as exc:
            # A server down or busy passes by itself (the office tries the task again); a refusal waits for the owner.
            passes = isinstance(exc, ModelUnavailable) and exc.passes
            return Outcome("parked", f"{MODEL_DOWN if passes else MODEL_REFUSED}: {exc}", "blocked")
        finally:
            self._guard.turn_ended(work)

    def _now(self) -> str:
        return self._clock.now().isoformat()


class _Run:
    """State of one turn; rebuilt from the journal on resume."""

    def __init__(self, loop: AgentLoop, work: TaskWork, turn_id: str, history: Sequence[StepRecord]) -> None:
        self.loop = loop
        self.work = work
        self.turn_id = turn_id
        self.seq = max((s.seq for s in history), default=0)
        self.actions = 0
        self.messages: list[Message] = [
            {"role": "system", "content": work.system_prompt},
            *work.context,
            {"role": "user", "content": work.task_body},
        ]
        self.pending: list[ToolCall] = []  # tool calls of the last model reply not yet finished
        self.final_text: str | None = None
        self.attempts: dict[str, int] = {}  # call id -> attempt number, after uncertain tries
        self.call_ids: set[str] = set()  # every tool call id of the task so far: each names one call
        self.compactor = Compactor(len(work.context) + 2, work.belt.schemas())  # lean requests: old steps folded
        self.zone = work.brief.hours.timezone if work.brief is not None else "UTC"  # its tools' local time
        self._replay(history)

    def _replay(self, history: Sequence[StepRecord]) -> None:
        done_calls: set[str] = set()
        for step in history:
            if step.kind == "model" and step.status == "finished" and step.result:
                message = json.loads(step.result)
                self.messages.append(message)
                calls = message.get("tool_calls") or []
                self.pending = [ToolCall(c["id"], c["function"]["name"], c["function"]["arguments"]) for c in calls]
                self.call_ids.update(c.id for c in self.pending)
                self.final_text = None if calls else (message.get("content") or "")
            elif step.kind == "owner":
                # Calls the task was paused before are answered first: providers require every
                # tool call to be followed by its result before anything else is said.
                for pending in self.pending:
                    if pending.id not in done_calls:
                        self.messages.append({"role": "tool", "tool_call_id": pending.id, "content": NOT_RUN})
                        done_calls.add(pending.id)
                self.pending = []
                self.messages.append({"role": "user", "content": step.result or ""})
                self.final_text = None  # the owner asked for more: the task goes on
            elif step.kind == "tool" and step.call_id and (step.status == "uncertain" or faults.is_marked(step.error)):
                # Maybe done, or failed because of the machine (a full disk): the call runs again.
                self.attempts[step.call_id] = self.attempts.get(step.call_id, 1) + 1
            elif step.kind == "tool" and step.status in ("finished", "failed") and step.call_id:
                self.messages.append({"role": "tool", "tool_call_id": step.call_id, "content": step.result or ""})
                done_calls.add(step.call_id)
        self.pending = [c for c in self.pending if c.id not in done_calls]

    async def go(self) -> Outcome:
        if self.final_text is not None and not self.pending:
            return Outcome("done", self.final_text)  # crashed after the last reply was journaled
        while True:
            for call in list(self.pending):
                await self.tool_step(call)
                self.pending.remove(call)
            reply = await self.model_step()
            if not reply.tool_calls:
                return Outcome("done", reply.text)
            self.pending = list(reply.tool_calls)

    # --- model ------------------------------------------------------------------------------------

    async def model_step(self) -> ModelReply:
        work, loop = self.work, self.loop
        messages = self.compactor.fit(self.messages)  # memory hook: older steps folded into a summary
        await loop._guard.before_model(work, messages)
        self._status("thinking", "")
        on_text = None
        if loop.stream:
            typing = False

            def on_text(delta: str) -> None:
                nonlocal typing
                if not typing:  # the first sign of writing: from thinking to typing at the desk
                    typing = True
                    self._status("typing", "writing" if delta else "writing a draft")
                if delta:
                    loop._bus.publish(
                        TextStreamed(
                            employee_id=work.employee_id,
                            task_id=work.task_id,
                            delta=delta,
                            rehearsal=work.config.is_rehearsal,
                        )
                    )

        request = ModelRequest(work.config, messages, work.belt.schemas(), on_text)
        started = loop._now()
        try:
            reply = await loop._model.complete(request)
        except BaseException:
            loop._guard.release(work)
            raise
        reply, extra = loop._guard.settle(work, self._own_ids(reply))
        reply = _as_saved(reply)  # each call runs as it is saved (and shown for approval): minus secrets only
        self.seq += 1
        message = reply.assistant_message()
        journaled = _redacted(message, loop._redact)
        record = StepRecord(
            id=loop._ids.new("step"),
            task_id=work.task_id,
            turn_id=self.turn_id,
            employee_id=work.employee_id,
            seq=self.seq,
            kind="model",
            status="finished",
            attempt=1,
            tool=None,
            call_id=None,
            arguments=None,
            result=_compact_json(journaled),
            model=reply.model,
            prompt_tokens=reply.prompt_tokens,
            completion_tokens=reply.completion_tokens,
            cost_usd=reply.cost_usd,
            rehearsal=reply.rehearsal,
            error=None,
            started_at=started,
            finished_at=loop._now(),
        )
        # Audit rows (the guard's extra ops) are audit-grade: that commit is fsynced (FULL).
        given = given_ops(record, work.memory_ids)  # which memories this request was given, for the panel
        await loop._journal.write(writes.insert_step(record), *given, *extra, full=bool(extra))
        self.messages.append(message)
        loop._bus.publish(
            StepFinished(
                employee_id=work.employee_id,
                task_id=work.task_id,
                step_id=record.id,
                kind="model",
                status="finished",
                cost_usd=reply.cost_usd,
                summary=_summary(reply, journaled),  # as journaled: a key the model repeats is masked
            )
        )
        loop._guard.settled(work, reply)
        return reply

    def _own_ids(self, reply: ModelReply) -> ModelReply:
        """The reply with every tool call's id unique in the task, before anything keys on it.

        Approvals, the journal's record of which calls finished and the replay after a crash all find a call
        by its id; some local servers send the same one (`call_0`) every time, so one approval would let every
        later call run (with whatever arguments) and a resumed task would skip a call as done. The ids a model
        sends are opaque to it: a repeated or empty one is renamed, and the conversation carries the new one.
        """
        calls = []
        for call in reply.tool_calls:
            if not call.id or call.id in self.call_ids:
                call = dataclasses.replace(call, id=self.loop._ids.new("call"))
            self.call_ids.add(call.id)
            calls.append(call)
        renamed = tuple(calls)
        return reply if renamed == reply.tool_calls else dataclasses.replace(reply, tool_calls=renamed)

    # --- tools ------------------------------------------------------------------------------------

    async def tool_step(self, call: ToolCall) -> None:
        work, loop = self.work, self.loop
        self.actions += 1
        if self.actions > work.max_actions:
            raise Parked(
                "parked",
                f"reached the limit of {work.max_actions} actions in one turn; the owner decides whether to go on",
            )
        self.seq += 1
        step_id = loop._ids.new("step")
        started = loop._now()
        tool = work.belt.get(call.name)
        name = tool.spec.qualified_name if tool else call.name  # what the journal and the owner call it
        loop._bus.publish(
            StepStarted(
                employee_id=work.employee_id,
                task_id=work.task_id,
                step_id=step_id,
                kind="tool",
                tool=name,
            )
        )
        status: StepStatus
        error: str | None = None
        arguments: dict[str, Any] = {}
        parsed: dict[str, Any] = {}
        spec = tool.spec if tool else None
        try:
            if tool is None:
                raise ToolError(
                    f"you have no tool named {call.name!r}. Your tools are: {', '.join(work.belt.names())}."
                )
            parsed = parse_arguments(call.arguments)
            arguments = await loop._guard.before_tool(work, call, tool.spec, dict(parsed))
            if masked := masked_fields(arguments):
                raise ToolError(
                    f"{', '.join(masked)} was masked as a secret ({MASK}) when this call was saved: Headcount never "
                    "keeps secrets, so the call cannot run from its saved copy. Ask the owner to do this step "
                    "by hand, or to connect the account the secret belongs to."
                )
        except ToolError as exc:
            # Refused before running: unknown tool, malformed arguments, or the owner said no.
            status, result = "failed", f"error: {exc}"
            settle = self._settle(call, spec, arguments, status, result)
            loop._journal.defer(
                writes.insert_step(
                    self._tool_record(
                        step_id, call, name, call.arguments, status, result, str(exc), started, loop._now()
                    )
                ),
                *settle,
                full=bool(settle),
            )
            self._after_tool(step_id, call, name, status, result)
            return
        assert tool is not None
        # As the model wrote them, unless the owner edited them (an approval): no second parse.
        used = _compact_json(arguments) if arguments != parsed else call.arguments
        if not tool.spec.idempotent:
            # Journal the intent first: after a crash an intent with no result means "maybe done".
            await loop._journal.write(
                writes.insert_step(
                    self._tool_record(
                        step_id, call, name, used, "started", None, None, started, None, tool.spec.price_usd
                    )
                )
            )
        self._status("reading" if tool.spec.risk == "read_only" else "tool", name)
        status, result, error = await self._execute(tool, call, arguments)
        settle = self._settle(call, tool.spec, arguments, status, result)
        if tool.spec.idempotent:
            # Safe to lose in a crash (the tool simply runs again), so it rides with the next write.
            record = self._tool_record(
                step_id, call, name, used, status, result, error, started, loop._now(), tool.spec.price_usd
            )
            loop._journal.defer(writes.insert_step(record), *settle, full=bool(settle))
        else:
            finish = writes.finish_step(
                step_id, status, loop._redact(result), _masked(error, loop._redact), loop._now()
            )
            await loop._journal.write(finish, *settle, full=bool(settle))
        self._after_tool(step_id, call, name, status, result)
        if status == "uncertain":
            # As after a crash: the step stays unanswered until `headcount resolve` says whether it happened.
            raise Parked("uncertain", loop._redact(result.removeprefix("error: ")))
        if faults.is_marked(error):
            # The owner must fix the machine; the model would only carry on and call the task done.
            raise Parked("parked", result.removeprefix("error: "))

    def _settle(
        self, call: ToolCall, spec: ToolSpec | None, arguments: dict[str, Any], status: str, result: str
    ) -> Sequence[Any]:
        return self.loop._guard.tool_settle_ops(self.work, call, spec, arguments, status, result)

    async def _execute(
        self, tool: Tool, call: ToolCall, arguments: dict[str, Any]
    ) -> tuple[StepStatus, str, str | None]:
        spec = tool.spec
        ctx = ToolContext(
            self.work.employee_id, self.work.task_id, self.work.workspace, call.id, self.loop._clock, self.zone
        )
        try:
            async with asyncio.timeout(spec.timeout_s):  # unlike wait_for, no extra task per call
                result = await tool.run(ctx, arguments)
            return "finished", cap_result(str(result), spec.max_result_chars), None
        except Parked:  # a tool may park its task (ask_owner); only idempotent ones may: no intent is journaled
            raise
        except TimeoutError:
            if not spec.idempotent:  # stopped part-way, it may have taken effect: the owner says, as after a crash
                doubt = (
                    f"{call.name} timed out after {spec.timeout_s:g} s and was stopped; it may or may not have done it"
                )
                return "uncertain", f"error: {doubt}", doubt
            return "failed", f"error: {call.name} timed out after {spec.timeout_s:g} s", "timeout"
        except ValidationError as exc:
            return "failed", f"error: {describe_validation_error(exc)}", "invalid arguments"
        except MaybeDone as exc:  # past its point of no return: the owner says whether it happened
            return "uncertain", f"error: {exc}", str(exc)
        except ToolError as exc:
            return "failed", f"error: {exc}", str(exc)
        except Exception as exc:
            fault = faults.environment_error(exc)
            if fault is not None:
                return (
                    "failed",
                    f"error: {faults.tool_fault(call.name, spec.risk == 'read_only', fault)}",
                    faults.mark(fault),
                )
            return "failed", f"error: {call.name} failed: {type(exc).__name__}: {exc}", type(exc).__name__

    def _after_tool(self, step_id: str, call: ToolCall, name: str, status: StepStatus, result: str) -> None:
        work = self.work
        # The model is told what the journal keeps (a crash's replay tells it the same): never a stored secret
        # a tool or a server's error happened to quote.
        masked = self.loop._redact(result)
        self.messages.append({"role": "tool", "tool_call_id": call.id, "content": masked})
        self.loop._bus.publish(
            StepFinished(
                employee_id=work.employee_id,
                task_id=work.task_id,
                step_id=step_id,
                kind="tool",
                tool=name,
                status=status,
                summary=masked[:200],  # masked before it is cut: never half a key
            )
        )

    def _tool_record(
        self,
        step_id: str,
        call: ToolCall,
        tool: str,
        arguments: str,
        status: StepStatus,
        result: str | None,
        error: str | None,
        started: str,
        finished: str | None,
        cost_usd: float = 0.0,  # a paid tool's price, charged once it has been called
    ) -> StepRecord:
        return StepRecord(
            id=step_id,
            task_id=self.work.task_id,
            turn_id=self.turn_id,
            employee_id=self.work.employee_id,
            seq=self.seq,
            kind="tool",
            status=status,
            attempt=self.attempts.get(call.id, 1),
            tool=tool,
            call_id=call.id,
            arguments=redact_call(arguments),
            result=None if result is None else self.loop._redact(result),
            model=None,
            prompt_tokens=0,
            completion_tokens=0,
            cost_usd=cost_usd,
            rehearsal=False,
            error=_masked(error, self.loop._redact),  # a server's error may quote the key it was given
            started_at=started,
            finished_at=finished,
        )

    def _status(self, status: Literal["thinking", "typing", "tool", "reading"], detail: str) -> None:
        self.loop._bus.publish(StatusChanged(employee_id=self.work.employee_id, status=status, detail=detail))


def _masked(text: str | None, redact: Callable[[str], str]) -> str | None:
    return None if text is None else redact(text)


def _redacted(message: Message, redact: Callable[[str], str]) -> Message:
    """The assistant message as journaled: its text through the redactor (its calls are already as saved)."""
    out: dict[str, Any] = dict(message)
    if isinstance(out.get("content"), str):
        out["content"] = redact(out["content"])
    return out


def _as_saved(reply: ModelReply) -> ModelReply:
    """The reply with each tool call's arguments as the journal keeps them (`redact_call`).

    The same call then runs now, after an approval and after a crash: an email is sent as the model wrote it
    and the owner saw it, never with words a guess had masked only in the saved copy."""
    calls = tuple(dataclasses.replace(c, arguments=redact_call(c.arguments)) for c in reply.tool_calls)
    return reply if calls == reply.tool_calls else dataclasses.replace(reply, tool_calls=calls)


def _summary(reply: ModelReply, journaled: Message) -> str:
    if reply.tool_calls:
        return "calls " + ", ".join(c.name for c in reply.tool_calls)
    return str(journaled.get("content") or "")[:200]
