"""The guard protocol: hook points where guardrails (budgets, approval gates, working hours) stop or shape the loop.

The loop calls a Guard around every model and tool call; the default lets everything through.
Guardrails raise `Parked` to stop the task with a reason the owner sees.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from engine.llm.types import Message, ModelReply, ToolCall
from engine.loop.work import TaskWork
from engine.store.writer import Op
from engine.tools.base import ToolSpec


class Guard(Protocol):
    async def before_model(self, work: TaskWork, messages: Sequence[Message]) -> None:
        """Raise Parked to refuse the call (e.g. its worst-case cost would cross a ceiling)."""
        ...

    def release(self, work: TaskWork) -> None:
        """The model call failed: give back what `before_model` reserved."""
        ...

    def settle(self, work: TaskWork, reply: ModelReply) -> tuple[ModelReply, Sequence[Op]]:
        """The reply to journal (e.g. with a simulated cost) and writes committed atomically with it."""
        ...

    def settled(self, work: TaskWork, reply: ModelReply) -> None:
        """The model step is durable; publish what follows from it."""
        ...

    def turn_ended(self, work: TaskWork) -> None:
        """The turn is over, however it ended: forget what was kept for it (per-turn spend)."""
        ...

    async def before_tool(
        self, work: TaskWork, call: ToolCall, spec: ToolSpec, arguments: dict[str, Any]
    ) -> dict[str, Any]:
        """The arguments to run with (the owner may have edited them).

        Raise Parked (awaiting approval, over budget) or ToolError (refused; the model is told why).
        """
        ...

    def tool_settle_ops(
        self, work: TaskWork, call: ToolCall, spec: ToolSpec | None, arguments: dict[str, Any], status: str, result: str
    ) -> Sequence[Op]:
        """Extra writes committed atomically with the tool step's result (spend, audit). `spec` is None for a
        tool not on the employee's belt (refused before anything ran)."""
        ...


class OpenGuard:
    """No guardrails: every call goes through."""

    async def before_model(self, work: TaskWork, messages: Sequence[Message]) -> None:
        return None

    def release(self, work: TaskWork) -> None:
        return None

    def settle(self, work: TaskWork, reply: ModelReply) -> tuple[ModelReply, Sequence[Op]]:
        return reply, ()

    def settled(self, work: TaskWork, reply: ModelReply) -> None:
        return None

    def turn_ended(self, work: TaskWork) -> None:
        return None

    async def before_tool(
        self, work: TaskWork, call: ToolCall, spec: ToolSpec, arguments: dict[str, Any]
    ) -> dict[str, Any]:
        return arguments

    def tool_settle_ops(
        self, work: TaskWork, call: ToolCall, spec: ToolSpec | None, arguments: dict[str, Any], status: str, result: str
    ) -> Sequence[Op]:
        return ()
