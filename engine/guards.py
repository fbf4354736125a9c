"""Hook points where guardrails (budgets, approval gates, working hours) stop or shape the loop.

The loop calls a Guard around every model and tool call; the default lets everything through.
Guardrails raise `Parked` to stop the task with a reason the owner sees.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, Protocol

from engine.llm.types import Message, ModelReply, ToolCall
from engine.store.writer import Op
from engine.tools.base import ToolSpec

if TYPE_CHECKING:
    from engine.loop import TaskWork


class Parked(Exception):
    """Stop the task now and leave it for the owner (or for later)."""

    def __init__(self, status: Literal["parked", "uncertain"], reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class Guard(Protocol):
    async def before_model(self, work: TaskWork, messages: Sequence[Message]) -> None:
        """Raise Parked to refuse the call (e.g. its worst-case cost would cross a ceiling)."""
        ...

    async def after_model(self, work: TaskWork) -> None:
        """Always runs after a model call attempt, even a failed one (release reservations)."""
        ...

    def settle_ops(self, work: TaskWork, reply: ModelReply) -> Sequence[Op]:
        """Extra writes committed atomically with the model step (spend, audit)."""
        ...

    def settled(self, work: TaskWork, reply: ModelReply) -> None:
        """The model step is durable; publish what follows from it."""
        ...

    async def before_tool(self, work: TaskWork, call: ToolCall, spec: ToolSpec, arguments: dict[str, Any]) -> None:
        """Raise Parked (awaiting approval, over budget) or ToolError (refused, told to the model)."""
        ...

    def tool_settle_ops(self, work: TaskWork, spec: ToolSpec) -> Sequence[Op]: ...


class OpenGuard:
    """No guardrails: every call goes through."""

    async def before_model(self, work: TaskWork, messages: Sequence[Message]) -> None:
        return None

    async def after_model(self, work: TaskWork) -> None:
        return None

    def settle_ops(self, work: TaskWork, reply: ModelReply) -> Sequence[Op]:
        return ()

    def settled(self, work: TaskWork, reply: ModelReply) -> None:
        return None

    async def before_tool(self, work: TaskWork, call: ToolCall, spec: ToolSpec, arguments: dict[str, Any]) -> None:
        return None

    def tool_settle_ops(self, work: TaskWork, spec: ToolSpec) -> Sequence[Op]:
        return ()
