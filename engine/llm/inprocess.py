"""Models served inside the process: `rehearsal/<any>` and `scripted/<name>`.

litellm sees them as custom providers (registered by `engine.llm.provider`), so they travel the same code
path as a real provider, streaming included. This module stays free of litellm: it produces replies and
the plain-dict stream chunks litellm expects.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from engine.llm import rehearsal
from engine.llm.types import Message, ModelReply, ToolSchema

ScriptFn = Callable[[list[Message], list[ToolSchema]], ModelReply]
ARGUMENT_PIECE = 512  # characters of tool-call arguments per stream chunk (a draft is a few KB)
WORDS_PER_CHUNK = 4  # words of text per stream chunk

_scripted: dict[str, ScriptFn] = {}


class UnknownScriptedModel(LookupError):
    pass


def register_scripted(name: str, fn: ScriptFn) -> str:
    """Serve `scripted/<name>` with `fn(messages, tools)`; returns the model string."""
    if not name or "/" in name or name != name.strip():
        raise ValueError(f"{name!r} is not a usable scripted model name")
    _scripted[name] = fn
    return f"scripted/{name}"


def unregister_scripted(name: str) -> None:
    _scripted.pop(name, None)


def is_registered(name: str) -> bool:
    return name in _scripted


def answer(provider: str, model: str, messages: list[Message], tools: list[ToolSchema]) -> ModelReply:
    """The reply of in-process `provider/model` to this conversation."""
    if provider == "rehearsal":
        text, calls = rehearsal.decide(messages, tools)
        completion = text + "".join(c.name + c.arguments for c in calls)
        return ModelReply(
            text=text,
            tool_calls=calls,
            model=f"rehearsal/{model}",
            prompt_tokens=rehearsal.estimate_prompt_tokens(messages, tools),
            completion_tokens=rehearsal.estimate_tokens(completion),
            finish_reason="tool_calls" if calls else "stop",
            rehearsal=True,
        )
    fn = _scripted.get(model)
    if fn is None:
        raise UnknownScriptedModel(f"no scripted model named {model!r} is registered")
    return fn(messages, tools)


def stream_chunks(reply: ModelReply) -> list[dict[str, Any]]:
    """`reply` as litellm GenericStreamingChunk dicts: text word by word, then each tool call in pieces."""

    def chunk(text: str = "", tool_use: dict[str, Any] | None = None) -> dict[str, Any]:
        return {"text": text, "tool_use": tool_use, "is_finished": False, "finish_reason": "", "usage": None}

    words = re.findall(r"\S+\s*|\s+", reply.text)
    # A few words per chunk: each chunk costs litellm ~0.1 ms, and 50 employees stream at once.
    chunks = [chunk("".join(words[i : i + WORDS_PER_CHUNK])) for i in range(0, len(words), WORDS_PER_CHUNK)]
    for index, call in enumerate(reply.tool_calls):
        function: dict[str, str | None] = {"name": call.name, "arguments": ""}
        chunks.append(chunk(tool_use={"id": call.id, "type": "function", "function": function, "index": index}))
        for start in range(0, len(call.arguments), ARGUMENT_PIECE):
            function = {"name": None, "arguments": call.arguments[start : start + ARGUMENT_PIECE]}
            chunks.append(chunk(tool_use={"id": None, "type": "function", "function": function, "index": index}))
    usage = {
        "prompt_tokens": reply.prompt_tokens,
        "completion_tokens": reply.completion_tokens,
        "total_tokens": reply.prompt_tokens + reply.completion_tokens,
    }
    chunks.append({**chunk(), "is_finished": True, "finish_reason": reply.finish_reason, "usage": usage})
    return chunks


CHARS_PER_WORD = 6.0


def writing_seconds(reply: ModelReply, words_per_second: float) -> float:
    """How long a person-paced model takes to write `reply` (text and tool arguments)."""
    chars = len(reply.text) + sum(len(c.arguments) for c in reply.tool_calls)
    return chars / CHARS_PER_WORD / words_per_second


def chunk_seconds(chunk: dict[str, Any], words_per_second: float) -> float:
    """The pause before one stream chunk, so a paced stream arrives at `words_per_second`."""
    text = chunk.get("text") or ""
    tool = chunk.get("tool_use") or {}
    arguments = (tool.get("function") or {}).get("arguments") or ""
    return (len(text) + len(arguments)) / CHARS_PER_WORD / words_per_second
