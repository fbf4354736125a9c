"""Lean requests: Headcount's real model requests against a minimal hand-built one, in tokens.

    python tests/bench/bench_requests.py [--json FILE] [--steps N]

For one brief (a marketer with eight built-in tools), the office runs a 4-call task on the engine's
scripted model, which records every request exactly as the loop hands it to litellm (messages and
tool schemas). The reference is the smallest request a person would write by hand for the same
brief, tools and conversation: "You are the <title>." and the brief's parts under plain labels, and
each tool's schema reduced to what JSON Schema needs (type, description, enum, items, properties,
required). Tokens are litellm's `token_counter` for gpt-4o-mini, which renders tools the way OpenAI
does (a TypeScript-like outline: titles, defaults and `additionalProperties` cost nothing there); the
`json` figures count the tools as their JSON text instead, as providers that put the schema itself
into the prompt (many local models' chat templates) do.

Figures and targets:
- overhead: Headcount's tokens over the reference, summed over the 4 requests (target ≤ +2%);
  overhead_json: the same with the tools counted as JSON text.
- skill_first / skill_next: tokens an unused attached skill adds to a request (the first brings the
  `use_skill` tool), and beyond the skill's own listed line `- name: description` (target ≤ 30).
- long_first / long_last: the first and last request of a task of `--steps` tool calls (target ≤ 2x).
- prefix_stable: the system prompt and tools are the same bytes in every request of both tasks.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import platform
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from engine.clock import FakeClock, SequentialIds
from engine.llm.provider import count_tokens
from engine.llm.types import Message, ModelReply, ToolCall, ToolSchema
from engine.office import Office
from engine.paths import SHIPPED_BRIEFS, Home
from engine.testing import FunctionModel, RecordedRequest, ScriptedModel, call, say

COUNTER = "gpt-4o-mini"
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
FRONT = {
    "id": "bench-marketer",
    "title": "Marketer",
    "function": "marketing",
    "goals": ["Grow the mailing list", "Keep customers informed", "Write in the brand's voice"],
    "tone": "Warm and plain",
    "constraints": ["Never promise discounts the owner has not approved", "Never email a customer twice a day"],
    "tools": ["list_files", "read_file", "write_file", "save_note", "search_notes", "remember", "recall", "correct"],
}
BODY = "Writes the newsletter and answers customers' questions about orders."
TASK = "Draft this week's newsletter from the notes in your workspace."


def brief_text(skills: Sequence[str] = ()) -> str:
    lines = ["---"]
    for key, value in FRONT.items():
        lines.append(f"{key}: {json.dumps(value)}")
    lines += ["max_actions_per_turn: 200", "probation: 0", "hours: 24/7"]
    if skills:
        lines.append(f"skills: {json.dumps(list(skills))}")
    return "\n".join([*lines, "---", BODY, ""])


# --- the hand-built reference ----------------------------------------------------------------------

_KEEP = ("type", "description", "enum", "items", "properties", "required")


def minimal_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Only what JSON Schema needs to say what to send; an optional `T | None` is just an optional T."""
    if "anyOf" in schema:
        (schema,) = [{**o, **{k: v for k, v in schema.items() if k == "description"}} for o in schema["anyOf"]
                     if o.get("type") != "null"]  # fmt: skip
    out: dict[str, Any] = {}
    for key in _KEEP:
        if key not in schema:
            continue
        value = schema[key]
        if key == "properties":
            value = {name: minimal_schema(v) for name, v in value.items()}
        elif key == "items" and isinstance(value, dict):
            value = minimal_schema(value)
        out[key] = value
    return out


def minimal_tools(full: Sequence[dict[str, Any]]) -> list[ToolSchema]:
    return [
        {
            "type": "function",
            "function": {
                "name": t["function"]["name"],
                "description": t["function"]["description"],
                "parameters": minimal_schema(t["function"]["parameters"]),
            },
        }
        for t in full
    ]


def minimal_system() -> str:
    bullets = lambda items: "\n".join(f"- {i}" for i in items)  # noqa: E731
    return (
        f"You are the {FRONT['title']}.\nGoals:\n{bullets(FRONT['goals'])}\nTone: {FRONT['tone']}\n"
        f"Constraints:\n{bullets(FRONT['constraints'])}\n{BODY}"
    )


def minimal_request(request: RecordedRequest, full_tools: Sequence[dict[str, Any]]) -> tuple[list[Message], list]:
    messages: list[Message] = [{"role": "system", "content": minimal_system()}, *request.messages[1:]]
    return messages, minimal_tools(full_tools)


# --- Headcount's requests ---------------------------------------------------------------------------

_runs = itertools.count()


async def run_task(root: Path, model: ScriptedModel | FunctionModel, *, skills: Sequence[str] = (),
                   task: str = TASK, files: int = 0) -> list[RecordedRequest]:  # fmt: skip
    n = next(_runs)
    home = Home.resolve(root / f"home-{n}")
    office = await Office.open(home, model=model, clock=FakeClock(NOW), ids=SequentialIds())
    try:
        path = root / f"brief-{n}.md"
        path.write_text(brief_text(skills), encoding="utf-8")
        record = await office.hire(office.brief_for(str(path)), name="Mia")
        notes = office.home.workspace(record.id) / "notes"
        notes.mkdir(parents=True, exist_ok=True)
        for n in range(max(files, 1)):
            (notes / f"n{n:03d}.md").write_text(f"# Note {n}\nCustomer {n} asked about delivery on Tuesday.\n")
        await office.assign(record.id, task)
        await office.run(until_idle=True)
        return list(model.requests)
    finally:
        await office.close()


def four_calls() -> ScriptedModel:
    return ScriptedModel(
        call("list_files"),
        call("read_file", path="notes/n000.md"),
        call("write_file", path="drafts/newsletter.md", content="# This week\nDelivery moves to Tuesday."),
        say("The draft is in drafts/newsletter.md."),
    )


def reader(steps: int) -> FunctionModel:
    def reply(messages: list[Message], tools: list[ToolSchema]) -> ModelReply:
        done = sum(1 for m in messages if m.get("role") == "tool")
        if done >= steps:
            return ModelReply(text="Summary written.", model="bench")
        args = json.dumps({"path": f"notes/n{done:03d}.md"})
        return ModelReply(
            text=f"Reading note {done}.", tool_calls=(ToolCall(f"c{done}", "read_file", args),), model="bench"
        )

    return FunctionModel(reply)


def tokens(request: RecordedRequest | tuple[list[Message], list[ToolSchema]]) -> int:
    messages, tools = (request.messages, request.tools) if isinstance(request, RecordedRequest) else request
    return count_tokens(COUNTER, messages, tools)


def tokens_json(request: RecordedRequest | tuple[list[Message], list[ToolSchema]]) -> int:
    """Tokens with the tool schemas counted as their JSON text."""
    messages, tools = (request.messages, request.tools) if isinstance(request, RecordedRequest) else request
    return count_tokens(COUNTER, [*messages, {"role": "system", "content": json.dumps(tools)}])


def prefix(request: RecordedRequest) -> str:
    return json.dumps([request.messages[0], request.tools], sort_keys=True)


def skill_line(name: str) -> str:
    from engine.briefs import load_catalog

    return f"- {name}: {load_catalog(SHIPPED_BRIEFS).skills[name].description}"


async def measure(root: Path, steps: int) -> dict[str, Any]:
    f: dict[str, Any] = {}
    four = await run_task(root, four_calls())
    ours = [tokens(r) for r in four]
    ref = [tokens(minimal_request(r, r.tools)) for r in four]
    f["requests"] = len(four)
    f["headcount_tokens"], f["minimal_tokens"] = sum(ours), sum(ref)
    f["per_request"] = [{"headcount": a, "minimal": b} for a, b in zip(ours, ref, strict=True)]
    f["overhead_pct"] = round(100 * (sum(ours) - sum(ref)) / sum(ref), 2)
    ours_json = sum(tokens_json(r) for r in four)
    ref_json = sum(tokens_json(minimal_request(r, r.tools)) for r in four)
    f["headcount_tokens_json"], f["minimal_tokens_json"] = ours_json, ref_json
    f["overhead_json_pct"] = round(100 * (ours_json - ref_json) / ref_json, 2)

    none = (await run_task(root, ScriptedModel(say("ok"))))[0]
    one = (await run_task(root, ScriptedModel(say("ok")), skills=["brand-voice"]))[0]
    two = (await run_task(root, ScriptedModel(say("ok")), skills=["brand-voice", "weekly-report"]))[0]
    line1, line2 = (count_tokens(COUNTER, [{"role": "user", "content": skill_line(n)}]) - count_tokens(
        COUNTER, [{"role": "user", "content": ""}]) for n in ("brand-voice", "weekly-report"))  # fmt: skip
    f["skill_first"], f["skill_next"] = tokens(one) - tokens(none), tokens(two) - tokens(one)
    f["skill_first_beyond_line"], f["skill_next_beyond_line"] = f["skill_first"] - line1, f["skill_next"] - line2

    long = await run_task(root, reader(steps), task="Read every note and summarise who to email.", files=steps)
    f["steps"] = steps
    f["long_requests"] = len(long)
    f["long_first"], f["long_last"] = tokens(long[0]), tokens(long[-1])
    f["long_last_over_first"] = round(f["long_last"] / f["long_first"], 2)
    f["prefix_stable"] = len({prefix(r) for r in four}) == 1 and len({prefix(r) for r in long}) == 1
    return f


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--steps", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        figures = {
            "machine": f"{platform.machine()} {os.cpu_count()} cores, {platform.system()} {platform.release()}",
            "python": platform.python_version(),
            "counter": f"litellm.token_counter({COUNTER})",
        } | asyncio.run(measure(Path(tmp), args.steps))
    _table(figures)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


def _table(f: dict[str, Any]) -> None:
    print(f"machine: {f['machine']}, Python {f['python']}; tokens by {f['counter']}")
    print(f"{'4-call task':<40} {'Headcount':>10} {'minimal':>8} {'over':>8}   target")
    for i, row in enumerate(f["per_request"], 1):
        print(f"{'  request ' + str(i):<40} {row['headcount']:>10} {row['minimal']:>8}")
    over = f"{f['overhead_pct']:+.1f}%"
    print(f"{'  all requests':<40} {f['headcount_tokens']:>10} {f['minimal_tokens']:>8} {over:>8}   ≤ +2%")
    over = f"{f['overhead_json_pct']:+.1f}%"
    label = "  all requests, tools counted as JSON"
    print(f"{label:<40} {f['headcount_tokens_json']:>10} {f['minimal_tokens_json']:>8} {over:>8}")
    print(f"{'unused skill':<40} {'added':>10} {'beyond its line':>17}")
    print(f"{'  the first (brings use_skill)':<40} {f['skill_first']:>10} {f['skill_first_beyond_line']:>17}   ≤ 30")
    print(f"{'  a further one':<40} {f['skill_next']:>10} {f['skill_next_beyond_line']:>17}   ≤ 30")
    ratio, label = f"{f['long_last_over_first']:.2f}x", f"{f['steps']}-step task, first / last request"
    print(f"{label:<40} {f['long_first']:>10} {f['long_last']:>8} {ratio:>8}   ≤ 2x")
    print(f"{'prefix (system + tools) byte-stable':<40} {'yes' if f['prefix_stable'] else 'NO':>10}")


if __name__ == "__main__":
    main()
