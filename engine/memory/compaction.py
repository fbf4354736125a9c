"""Keep a long task's requests lean: older steps are folded into one summary, never dropped blindly.

A request is a fixed part (the system prompt, the memories, the task; the tool schemas) and the
conversation after it. The conversation may take as many tokens as the fixed part (at least
`min_tokens`). When it outgrows that, the oldest steps are folded into a summary until the verbatim
steps fill at most half the budget; then the steps grow again until the next fold. Between folds
each request extends the one before, so providers can cache it. A step is an assistant message with
its tool results, or a message from the owner; the newest step is always kept whole.

The result is a pure function of the messages (the fold points are replayed from the start), so a
task resumed after a crash sends exactly what it would have sent. Tokens are the cheap estimate of
`estimate_tokens`: deterministic in every process, with or without litellm loaded.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from engine.llm.types import Message, ToolSchema

SUMMARY_MARK = "[Earlier in this task, compacted by Headcount"
_CALLED = "You called: "
_PREVIEW = 60


@dataclass(frozen=True, slots=True)
class ContextBudget:
    ratio: float = 1.0  # conversation tokens allowed per token of the fixed part
    min_tokens: int = 512  # ... but never fewer than this
    fold_to: float = 0.5  # a fold leaves the verbatim steps at this share of the budget
    summary_chars: int = 600  # the summary's size bound (~150 tokens), counted inside the budget


def estimate_tokens(text: str) -> int:
    """About one token per four characters: cheap, local and the same everywhere."""
    return (len(text) + 3) // 4


def message_tokens(message: Message) -> int:
    size = 16  # role and framing
    content = message.get("content")
    if isinstance(content, str):
        size += len(content)
    elif content is not None:
        size += len(json.dumps(content))
    for call in message.get("tool_calls") or ():
        function = call.get("function") or {}
        size += 24 + len(str(function.get("name", ""))) + len(str(function.get("arguments", "")))
    return (size + 3) // 4


def request_tokens(messages: Sequence[Message], tools: Sequence[ToolSchema]) -> int:
    """The estimated prompt tokens of a request."""
    return sum(message_tokens(m) for m in messages) + estimate_tokens(json.dumps(list(tools)))


def fit(
    messages: Sequence[Message],
    start: int,
    tools: Sequence[ToolSchema] = (),
    budget: ContextBudget | None = None,
) -> list[Message]:
    """The messages to send: `messages[:start]` unchanged, then the conversation within its budget."""
    budget = budget or ContextBudget()
    head, groups = list(messages[:start]), _groups(messages[start:])
    if len(groups) < 2:
        return list(messages)
    fixed = sum(message_tokens(m) for m in head) + estimate_tokens(json.dumps(list(tools)))
    limit = max(budget.min_tokens, int(budget.ratio * fixed)) - (budget.summary_chars + 3) // 4
    sizes = [sum(message_tokens(m) for m in g) for g in groups]
    folded, window = 0, 0
    for index, size in enumerate(sizes):
        window += size
        if window > limit:
            while folded < index and window > limit * budget.fold_to:
                window -= sizes[folded]
                folded += 1
    if folded == 0:
        return list(messages)
    summary = summarize(groups[:folded], budget.summary_chars)
    return [*head, {"role": "assistant", "content": summary}, *(m for g in groups[folded:] for m in g)]


def _groups(conversation: Sequence[Message]) -> list[list[Message]]:
    groups: list[list[Message]] = []
    for message in conversation:
        if message.get("role") == "tool" and groups:
            groups[-1].append(message)
        else:
            groups.append([message])
    return groups


def summarize(groups: Sequence[Sequence[Message]], limit: int = 600) -> str:
    """A bounded, extractive summary of folded steps: what the owner said, what was called, the last words."""
    owner: list[str] = []
    calls: dict[str, list[str]] = {}
    results: dict[str, str] = {}
    said = ""
    names: dict[str, str] = {}
    steps = 0
    for group in groups:
        for message in group:
            role = message.get("role")
            if role == "user":
                owner.append(_flat(message.get("content")))
            elif role == "assistant":
                if _flat(message.get("content")).startswith(SUMMARY_MARK):
                    continue
                steps += 1
                if message.get("content"):
                    said = _flat(message.get("content"))
                for call in message.get("tool_calls") or ():
                    function = call.get("function") or {}
                    name = str(function.get("name", "?"))
                    names[str(call.get("id"))] = name
                    calls.setdefault(name, []).append(_args(function.get("arguments")))
            elif role == "tool":
                name = names.get(str(message.get("tool_call_id")), "")
                if name:
                    results[name] = _flat(message.get("content"))
    lines = [f"{SUMMARY_MARK}: {steps} earlier steps]"]
    for text in owner[-3:]:
        lines.append(f"The owner said: “{_cut(text, 200)}”")
    if calls:
        parts = []
        for name, made in calls.items():
            first, last = made[0], made[-1]
            shown = first if len(made) == 1 else f"first {first}, last {last}"
            result = f" → {_cut(results[name], _PREVIEW)}" if name in results else ""
            parts.append(f"{name} ×{len(made)} ({shown}){result}")
        lines.append(_CALLED + "; ".join(parts))
    if said:
        lines.append(f"You last wrote: “{_cut(said, 160)}”")
    text = "\n".join(lines)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def folded_calls(summary: str) -> dict[str, int]:
    """Tool names and call counts a summary folded (for a model that plans by what it has done)."""
    if not summary.startswith(SUMMARY_MARK):
        return {}
    line = next((ln for ln in summary.splitlines() if ln.startswith(_CALLED)), "")
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"(?:^|; )([\w.:-]+) ×(\d+)", line[len(_CALLED) :])}


def _flat(content: Any) -> str:
    if isinstance(content, str):
        return " ".join(content.split())
    return "" if content is None else " ".join(json.dumps(content).split())


def _args(raw: Any) -> str:
    try:
        value = json.loads(raw) if isinstance(raw, str) else raw
    except json.JSONDecodeError:
        return _cut(str(raw), _PREVIEW)
    if isinstance(value, dict) and not value:
        return "no arguments"
    return _cut(json.dumps(value, ensure_ascii=False, separators=(",", ":")), _PREVIEW)


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
