"""Testing helpers for users and for our own tests: scripted models and an instant clock, no pytest needed.

- `ScriptedModel(say("hi"), call("write_file", path="a.md", content="x"))`: replies in order, records every
  request, `assert_complete()` at the end. `FunctionModel(fn)` computes replies instead.
- `model.as_litellm("name")` serves the same model as `scripted/name` through the real litellm code path.
- `InstantClock`: a fake clock whose sleeps return at once. `MemoryKeyring`: keys kept in memory.

Our own pytest plugin (the network guard and fixtures) and the fake OpenAI server live under `tests/`.
"""

from __future__ import annotations

import asyncio
import copy
import inspect
import json
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from engine.clock import FakeClock
from engine.llm.inprocess import register_scripted, unregister_scripted
from engine.llm.types import Message, ModelConfig, ModelReply, ModelRequest, ToolCall, ToolSchema
from engine.secrets import MemoryKeyring

__all__ = [
    "FunctionModel",
    "InstantClock",
    "MemoryKeyring",
    "RecordedRequest",
    "ScriptedModel",
    "call",
    "calls",
    "raw_call",
    "say",
]

# --- building replies ------------------------------------------------------------------------------


def say(text: str, **fields: Any) -> ModelReply:
    """A final text reply."""
    return ModelReply(text=text, tool_calls=(), model="", **fields)


def call(tool_name: str, /, **arguments: Any) -> ModelReply:
    """A reply with one tool call; `arguments` are sent as JSON."""
    return raw_call(tool_name, json.dumps(arguments))


def raw_call(tool_name: str, arguments_text: str) -> ModelReply:
    """A reply with one tool call whose argument text is sent as is (malformed JSON included)."""
    return ModelReply(
        text="", tool_calls=(ToolCall("", tool_name, arguments_text),), model="", finish_reason="tool_calls"
    )


def calls(*replies: ModelReply | tuple[str, dict[str, Any]], text: str = "") -> ModelReply:
    """One reply with several tool calls: `calls(call("a", x=1), ("b", {"y": 2}))`."""
    merged: list[ToolCall] = []
    for item in replies:
        if isinstance(item, ModelReply):
            merged.extend(item.tool_calls)
        else:
            merged.append(ToolCall("", item[0], json.dumps(item[1])))
    return ModelReply(text=text, tool_calls=tuple(merged), model="", finish_reason="tool_calls")


# --- scripted models -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request a test model received; deep copies, so later changes by the engine do not show."""

    messages: list[Message]
    tools: list[ToolSchema]
    config: ModelConfig | None = None  # None when served through litellm
    streamed: bool = False

    @property
    def tool_names(self) -> list[str]:
        return [str(t.get("function", {}).get("name")) for t in self.tools]

    @property
    def last(self) -> Message:
        return self.messages[-1] if self.messages else {}


Script = ModelReply | str | BaseException


class _Recorder:
    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self._litellm_names: list[str] = []

    def _record(
        self,
        messages: Sequence[Message],
        tools: Sequence[ToolSchema],
        config: ModelConfig | None,
        streamed: bool,
    ) -> None:
        self.requests.append(
            RecordedRequest(copy.deepcopy(list(messages)), copy.deepcopy(list(tools)), config, streamed)
        )

    def _finish(self, reply: ModelReply | str, model: str) -> ModelReply:
        if isinstance(reply, str):
            reply = say(reply)
        step = len(self.requests)
        ids = tuple(
            replace(c, id=c.id or f"call_{step}_{i}") for i, c in enumerate(reply.tool_calls)
        )  # deterministic ids, unique within a run
        return replace(reply, tool_calls=ids, model=reply.model or model)

    async def complete(self, request: ModelRequest) -> ModelReply:
        self._record(request.messages, request.tools, request.config, request.on_text is not None)
        reply = await self._next(list(request.messages), list(request.tools))
        reply = self._finish(reply, request.config.model)
        if request.on_text is not None:
            for word in re.findall(r"\S+\s*|\s+", reply.text):
                request.on_text(word)
        return reply

    async def _next(self, messages: list[Message], tools: list[ToolSchema]) -> ModelReply | str:
        raise NotImplementedError

    def as_litellm(self, name: str) -> str:
        """Serve this model as `scripted/<name>` through litellm; returns the model string."""

        def serve(messages: list[Message], tools: list[ToolSchema]) -> ModelReply:
            self._record(messages, tools, None, False)
            reply = self._next_sync(messages, tools)
            return self._finish(reply, f"scripted/{name}")

        self._litellm_names.append(name)
        return register_scripted(name, serve)

    def unregister(self) -> None:
        """Stop serving the names registered with `as_litellm`."""
        for name in self._litellm_names:
            unregister_scripted(name)
        self._litellm_names.clear()

    def _next_sync(self, messages: list[Message], tools: list[ToolSchema]) -> ModelReply | str:
        raise NotImplementedError


class ScriptedModel(_Recorder):
    """A `ModelClient` that answers with the given replies in order (a reply may be an exception to raise)."""

    def __init__(self, *replies: Script) -> None:
        super().__init__()
        self._queue: list[Script] = list(replies)

    @property
    def remaining(self) -> int:
        return len(self._queue)

    def add(self, *replies: Script) -> None:
        self._queue.extend(replies)

    async def _next(self, messages: list[Message], tools: list[ToolSchema]) -> ModelReply | str:
        return self._next_sync(messages, tools)

    def _next_sync(self, messages: list[Message], tools: list[ToolSchema]) -> ModelReply | str:
        if not self._queue:
            raise AssertionError(
                f"ScriptedModel ran out of replies after {len(self.requests) - 1} calls; the request was:\n"
                + _describe(self.requests[-1])
            )
        item = self._queue.pop(0)
        if isinstance(item, BaseException):
            raise item
        return item

    def assert_complete(self) -> None:
        """Fail if some scripted replies were never asked for."""
        if self._queue:
            shown = "\n".join(f"  - {_summary(item)}" for item in self._queue)
            raise AssertionError(f"{len(self._queue)} scripted replies were never used:\n{shown}")


FunctionResult = ModelReply | str | Awaitable[ModelReply | str]


class FunctionModel(_Recorder):
    """A `ModelClient` whose replies come from `fn(messages, tools)` (sync, or async for `complete`)."""

    def __init__(self, fn: Callable[[list[Message], list[ToolSchema]], FunctionResult]) -> None:
        super().__init__()
        self._fn = fn

    async def _next(self, messages: list[Message], tools: list[ToolSchema]) -> ModelReply | str:
        result = self._fn(messages, tools)
        return await result if inspect.isawaitable(result) else result

    def _next_sync(self, messages: list[Message], tools: list[ToolSchema]) -> ModelReply | str:
        result = self._fn(messages, tools)
        if inspect.isawaitable(result):
            raise TypeError("an async FunctionModel cannot be served through litellm; use a plain function")
        return result


def _summary(item: Script) -> str:
    if isinstance(item, BaseException):
        return f"raise {type(item).__name__}: {item}"
    if isinstance(item, str):
        return f"say {item[:60]!r}"
    if item.tool_calls:
        return "call " + ", ".join(f"{c.name}({c.arguments[:60]})" for c in item.tool_calls)
    return f"say {item.text[:60]!r}"


def _describe(request: RecordedRequest) -> str:
    lines = [f"  tools: {', '.join(request.tool_names) or '(none)'}"]
    for message in request.messages[-6:]:
        content = message.get("content")
        text = content if isinstance(content, str) else json.dumps(content)
        calls_ = message.get("tool_calls")
        suffix = f" tool_calls={json.dumps(calls_)[:200]}" if calls_ else ""
        lines.append(f"  {message.get('role')}: {(text or '')[:300]!r}{suffix}")
    return "\n".join(lines)


class InstantClock(FakeClock):
    """A FakeClock whose `sleep` returns at once, moving time forward and recording how long it slept."""

    def __init__(self) -> None:
        super().__init__()
        self.slept: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.advance(max(0.0, seconds))
        await asyncio.sleep(0)
