"""The built-in offline model: with no key and no network, a hired employee still works, visibly and sensibly.

A product feature, not a test double. It reads the brief (system message) and the task (last user message)
and follows a short plan with only the tools offered: look around, draft with `write_file`, use any other
tool the task plainly asks for, `save_note`, then a final reply prefixed "[Rehearsal]".

Pure and deterministic: same messages and tools, same answer. No clock, no randomness, no litellm.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from engine.llm import rehearsal_team as team
from engine.llm.compaction import SUMMARY_MARK, folded_calls
from engine.llm.rehearsal_calendar import calendar_steps
from engine.llm.rehearsal_draft import Brief, compose, first_line, keywords, parse_brief, slug, stem, topic
from engine.llm.rehearsal_mail import EMAIL_TOOLS, mail_steps, unavailable
from engine.llm.schema_fill import Hint, fill_arguments
from engine.llm.types import Message, ToolCall, ToolSchema

MAX_TOOL_STEPS = 8  # per task: a rehearsal never loops
MAX_EXTRA_TOOLS = 2  # connected-app tools it may try per task
PREFIX = "[Rehearsal]"
KNOWN_TOOLS = ("list_files", "read_file", "write_file", "save_note", "search_notes")
# Rehearsal never tries these on its own, whatever the task says: approvals exist, but it should not ask.
_RISKY_WORDS = ("delete", "remove", "destroy", "drop", "purge", "cancel", "refund", "pay", "purchase", "buy")
_FAILURE_MARKS = ("rejected", "denied", "not approved", "declined", "refused")
FOLDED = "(compacted)"  # the arguments of a call the engine folded into a summary: done, details unknown


@dataclass(frozen=True, slots=True)
class _Turn:
    """What happened since the task arrived."""

    task: str
    calls: tuple[tuple[str, str], ...]  # (tool name, canonical arguments) in order
    results: dict[str, str]  # tool name -> latest result text
    last_results: tuple[tuple[str, str], ...]  # (tool name, result) of the latest batch
    by_call: dict[tuple[str, str], str]  # (tool name, canonical arguments) -> its result


def decide(messages: Sequence[Message], tools: Sequence[ToolSchema]) -> tuple[str, tuple[ToolCall, ...]]:
    """The next reply: `(text, tool_calls)`; no tool calls means the task is finished."""
    brief = parse_brief(_system(messages))
    offered = _offered(tools)
    turn = _read_turn(messages)
    failed = next(
        ((n, r) for n, r in turn.last_results if _looks_failed(r) and not (unavailable(n, r) or team.expected(n, r))),
        None,
    )
    if failed is not None:
        name, result = failed
        return (
            f"{PREFIX} I stopped: {name} did not go through ({first_line(result, '(no details)', 200)}). "
            "Nothing else was done.",
            (),
        )
    if len(turn.calls) >= MAX_TOOL_STEPS:
        return _final(brief, turn), ()
    for name, arguments in _plan(brief, turn, offered):
        canonical = _canonical(arguments)
        if name in offered and (name, canonical) not in turn.calls and (name, FOLDED) not in turn.calls:
            return "", (ToolCall(_call_id(len(turn.calls), name, canonical), name, canonical),)
    if not offered or not turn.calls:
        return _inline(brief, turn), ()
    return _final(brief, turn), ()


def estimate_tokens(text: str) -> int:
    """A cheap deterministic token estimate: one token per four characters."""
    return max(1, (len(text) + 3) // 4)


def estimate_prompt_tokens(messages: Sequence[Message], tools: Sequence[ToolSchema]) -> int:
    return estimate_tokens(json.dumps(list(messages), default=str) + json.dumps(list(tools), default=str))


# --- reading the conversation -----------------------------------------------------------------------


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # OpenAI content parts
        return "\n".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return "" if content is None else str(content)


def _system(messages: Sequence[Message]) -> str:
    return "\n\n".join(_text(m.get("content")) for m in messages if m.get("role") == "system")


def _offered(tools: Sequence[ToolSchema]) -> dict[str, dict[str, Any]]:
    offered: dict[str, dict[str, Any]] = {}
    for tool in tools:
        function = tool.get("function") if isinstance(tool, dict) else None
        if isinstance(function, dict) and isinstance(function.get("name"), str):
            offered[function["name"]] = function
    return offered


def _read_turn(messages: Sequence[Message]) -> _Turn:
    said = [i for i, m in enumerate(messages) if m.get("role") == "user"]
    start = said[-1] if said else -1  # this round's steps follow the owner's latest words
    task = _text(messages[start].get("content")).strip() if start >= 0 else ""
    if len(said) > 1 and not task.startswith(SUMMARY_MARK):  # the owner spoke again (a revision, an answer):
        first = _text(messages[said[0]].get("content")).strip()  # the work is still the task's, with the note
        task = f"{first}\n\nThe owner's note: {task}"
    names_by_id: dict[str, str] = {}
    arguments_by_id: dict[str, str] = {}
    calls: list[tuple[str, str]] = []
    results: dict[str, str] = {}
    by_call: dict[tuple[str, str], str] = {}
    last_results: list[tuple[str, str]] = []
    for index, message in enumerate(messages):
        role = message.get("role")
        if role == "assistant":
            last_results = []
            content = _text(message.get("content"))
            if index > start and content.startswith(SUMMARY_MARK):  # earlier steps of this task, compacted
                calls += [(name, FOLDED) for name, count in folded_calls(content).items() for _ in range(count)]
            for call in message.get("tool_calls") or []:
                function = call.get("function") or {}
                name, arguments = str(function.get("name")), _canonical_text(function.get("arguments"))
                names_by_id[str(call.get("id"))] = name
                arguments_by_id[str(call.get("id"))] = arguments
                if index > start:
                    calls.append((name, arguments))
        elif role == "tool" and index > start:
            call_id = str(message.get("tool_call_id"))
            name = names_by_id.get(call_id, "a tool")
            results[name] = _text(message.get("content"))
            by_call[(name, arguments_by_id.get(call_id, ""))] = results[name]
            last_results.append((name, results[name]))
    return _Turn(task, tuple(calls), results, tuple(last_results), by_call)


def _looks_failed(result: str) -> bool:
    lowered = result.strip().lower()
    return lowered.startswith("error") or any(mark in lowered[:300] for mark in _FAILURE_MARKS)


def _canonical(arguments: dict[str, Any]) -> str:
    return json.dumps(arguments, sort_keys=True, ensure_ascii=False)


def _canonical_text(raw: Any) -> str:
    try:
        value = json.loads(raw) if isinstance(raw, str) else raw
    except json.JSONDecodeError:
        return str(raw)
    return _canonical(value) if isinstance(value, dict) else str(raw)


def _call_id(step: int, name: str, arguments: str) -> str:
    digest = hashlib.sha256(f"{step}:{name}:{arguments}".encode()).hexdigest()[:10]
    return f"call_rh{step}_{digest}"


# --- the plan ---------------------------------------------------------------------------------------


def _plan(brief: Brief, turn: _Turn, offered: dict[str, dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """Every step in order; `decide` takes the first one not done yet. Arguments depend only on earlier
    steps' results, so a step computed again later has the same arguments and is recognised as done."""
    task, done = turn.task, {name for name, _ in turn.calls}
    words = keywords(task)
    steps = mail_steps(brief, task, turn.results, offered)  # an assistant's morning: the inbox first
    if "list_files" in offered:
        steps.append(("list_files", {}))
    elif "search_notes" in offered and words:
        steps.append(("search_notes", {"query": " ".join(words[:4])}))
    listing = turn.results.get("list_files", "")
    relevant = _relevant_file(listing, words)
    if relevant and "read_file" in offered:
        steps.append(("read_file", {"path": relevant}))
    steps += team.reads(task, offered)  # a sprint card: the team files it builds on
    draft_path = f"drafts/{slug(topic(task))}.md"
    drafting = "write_file" in offered and "write_file" not in done
    delivering = team.DELIVERABLE.search(task) is not None and "team_write" in offered
    draft = compose(task, brief, [*_remembered(brief), *_found(turn)]) if drafting or delivering else ""
    if drafting:
        steps.append(("write_file", {"path": draft_path, "content": draft}))
    steps += team.delivery(task, draft, done, turn.results.get("team_write"), offered)  # and the team's file
    wrote = "write_file" in done
    hint = Hint(
        headline=topic(task),
        body=f"{topic(task)}.\n\nDraft: {draft_path}" if wrote else _inline_body(brief, task),
        keywords=" ".join(words[:4]) or topic(task),
        path=draft_path,
    )

    def listed(arguments: dict[str, Any]) -> str | None:
        return turn.by_call.get(("calendar_list", _canonical(arguments)))

    steps += calendar_steps(task, listed, offered, topic(task))  # look at the day, then book a free hour
    mail_planned = "read_inbox" in offered  # then the email tools follow their own plan (mail_steps)
    extras = [n for n in _extra_tools(task, offered) if not (mail_planned and n in EMAIL_TOOLS)]
    for name in extras[:MAX_EXTRA_TOOLS]:
        if name not in done and not name.startswith("calendar_"):
            steps.append((name, fill_arguments(offered[name].get("parameters") or {}, hint)))
    if "save_note" in offered and "save_note" not in done and turn.calls:
        steps.append(("save_note", {"title": f"Rehearsal: {topic(task)}", "text": _note(turn, draft_path)}))
    return steps


def _remembered(brief: Brief) -> list[str]:
    """What the engine recalled for this task (its `Memory:` part), as lines for the draft."""
    lines = brief.sections.get("memory", "").splitlines()
    return [f"Kept in mind: {line.split('): ', 1)[-1]}" for line in lines if line.startswith("- [")][:4]


def _relevant_file(listing: str, words: Sequence[str]) -> str | None:
    if not listing or listing.startswith("("):
        return None
    wanted = {stem(w) for w in words}
    for line in listing.splitlines():
        path = line.strip()
        parts = {stem(w) for w in re.findall(r"[a-z0-9]+", path.lower())}
        if path and not path.startswith("drafts/") and wanted & parts:
            return path
    return None


def _found(turn: _Turn) -> list[str]:
    found: list[str] = []
    listing = turn.results.get("list_files")
    if listing is not None:
        files = [line.strip() for line in listing.splitlines() if line.strip() and not line.startswith("(")]
        found.append(f"Workspace files: {', '.join(files[:6])}" if files else "Workspace: empty so far")
    if "search_notes" in turn.results:
        found.append(f"Notes search: {first_line(turn.results['search_notes'], '(nothing found)')}")
    if "read_file" in turn.results:
        found.append(f"Read a related file, starting: {first_line(turn.results['read_file'], '(empty)')}")
    read = {json.loads(a).get("path", "?"): r for (n, a), r in turn.by_call.items() if n == "team_read"}
    return found + team.found(read)


# Tools that act on colleagues, the owner or memory: a rehearsal never guesses its way into them from
# a task's words (a first-day "introduce yourself in a short note" once became a hand-off to nobody).
_NEVER_GUESSED = frozenset(
    {"hand_off", "move_card", "team_write", "team_read", "team_board", "ask_owner", "remember", "correct"}
    | {"reassign_task", "split_task", "escalate_to_owner"}
)


def _extra_tools(task: str, offered: dict[str, dict[str, Any]]) -> list[str]:
    """Tools beyond the built-ins that the task plainly asks for, best match first."""
    wanted = {stem(w) for w in keywords(task, limit=40)}
    scored: list[tuple[int, str]] = []
    for name, function in offered.items():
        if name in KNOWN_TOOLS or name in _NEVER_GUESSED or any(word in name.lower() for word in _RISKY_WORDS):
            continue
        name_words = {stem(w) for w in keywords(name.replace("_", " "), limit=20)}
        description_words = {stem(w) for w in keywords(str(function.get("description", "")), limit=60)}
        score = 2 * len(wanted & name_words) + len(wanted & (description_words - name_words))
        if score >= 2:
            scored.append((-score, name))
    return [name for _, name in sorted(scored)]


def _note(turn: _Turn, draft_path: str) -> str:
    did = [f"- {name}" + (f" → {draft_path}" if name == "write_file" else "") for name, _ in turn.calls]
    return f"Task: {turn.task.strip()[:300]}\n\nWhat I did (rehearsal):\n" + "\n".join(did) + "\n"


def _final(brief: Brief, turn: _Turn) -> str:
    names = [name for name, _ in turn.calls]
    done: list[str] = []
    if any(n in names for n in ("list_files", "search_notes", "read_file")):
        done.append("looked through the workspace")
    if "write_file" in names:
        done.append(f"wrote a draft to drafts/{slug(topic(turn.task))}.md")
    extras = [n for n in dict.fromkeys(names) if n not in KNOWN_TOOLS]
    if extras:
        done.append("used " + ", ".join(extras))
    if "save_note" in names:
        done.append("saved a note of what I did")
    summary = _join(done) if done else "worked through the task"
    return (
        f"{PREFIX} {brief.title} on “{topic(turn.task)}”: I {summary}. "
        "This was a rehearsal run by the built-in offline model; connect a real model for real work."
    )


def _inline(brief: Brief, turn: _Turn) -> str:
    """With no tools to work with, the reply itself is the draft."""
    return f"{PREFIX} {_inline_body(brief, turn.task)}"


def _inline_body(brief: Brief, task: str) -> str:
    return compose(task, brief, _remembered(brief)) if task else f"{brief.title} is ready; there is no task yet."


def _join(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
