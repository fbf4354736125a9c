"""The rehearsal model: deterministic, uses only offered tools, valid arguments, bounded, sensible."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.llm.rehearsal import MAX_TOOL_STEPS, PREFIX, decide
from engine.llm.rehearsal_draft import parse_brief, topic
from engine.llm.schema_fill import OWNER_EMAIL, Hint, fill_arguments
from engine.llm.types import Message, ToolSchema

BRIEF = """# Role: Marketing Assistant

You help a small bakery reach its customers.

## Goals
- Grow the newsletter list
- Announce seasonal products

## Tone
Warm, plain, never pushy.

## Constraints
- Never promise discounts
- Ask before emailing customers
"""
TASK = "Write the autumn newsletter announcing pumpkin bread and email it to the team."


def tool(
    name: str,
    properties: dict[str, Any] | None = None,
    required: list[str] | None = None,
    description: str = "",
) -> ToolSchema:
    parameters: dict[str, Any] = {"type": "object", "properties": properties or {}}
    if required:
        parameters["required"] = required
    return {
        "type": "function",
        "function": {"name": name, "description": description, "parameters": parameters},
    }


BUILTINS = [
    tool("list_files"),
    tool("read_file", {"path": {"type": "string"}}, ["path"]),
    tool("write_file", {"path": {"type": "string"}, "content": {"type": "string"}}, ["path", "content"]),
    tool("save_note", {"title": {"type": "string"}, "text": {"type": "string"}}, ["title", "text"]),
    tool("search_notes", {"query": {"type": "string"}}, ["query"]),
]
SEND_EMAIL = tool(
    "send_email",
    {"to": {"type": "string", "format": "email"}, "subject": {"type": "string"}, "body": {"type": "string"}},
    ["to", "subject", "body"],
    "Send an email",
)
RESULTS = {
    "list_files": "notes/pumpkin-recipe.md\nprices.csv",
    "read_file": "# Pumpkin bread\nSpiced, baked daily.",
    "write_file": "wrote it",
    "save_note": "saved note",
    "search_notes": "(no notes match)",
    "send_email": "queued for approval",
}


def run(tools: list[ToolSchema], task: str = TASK, results: dict[str, str] | None = None) -> list[Message]:
    """Drive the rehearsal model like the agent loop does, answering tools from `results`."""
    messages: list[Message] = [{"role": "system", "content": BRIEF}, {"role": "user", "content": task}]
    return drive(messages, tools, {**RESULTS, **(results or {})})


def drive(messages: list[Message], tools: list[ToolSchema], answers: dict[str, str]) -> list[Message]:
    """The conversation carried on until the model stops calling tools."""
    messages = list(messages)
    for _ in range(MAX_TOOL_STEPS + 3):
        text, calls = decide(messages, tools)
        assistant: Message = {"role": "assistant", "content": text or None}
        if calls:
            assistant["tool_calls"] = [
                {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}} for c in calls
            ]
        messages.append(assistant)
        if not calls:
            return messages
        for c in calls:
            messages.append({"role": "tool", "tool_call_id": c.id, "content": answers.get(c.name, "ok")})
    raise AssertionError("the rehearsal model did not finish")


def called(messages: list[Message]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (c["function"]["name"], json.loads(c["function"]["arguments"]))
        for m in messages
        if m["role"] == "assistant"
        for c in m.get("tool_calls", [])
    ]


def test_parse_brief_reads_title_goals_tone_and_constraints() -> None:
    brief = parse_brief(BRIEF)
    assert brief.title == "Marketing Assistant"
    assert brief.goals == ("Grow the newsletter list", "Announce seasonal products")
    assert brief.tone == "Warm, plain, never pushy."
    assert brief.constraints == ("Never promise discounts", "Ask before emailing customers")


def test_parse_brief_is_lenient() -> None:
    assert parse_brief("").title == "Employee"
    brief = parse_brief("#Role - Bookkeeper\n### objectives\n1. Close the month\n* Chase invoices")
    assert brief.title == "Bookkeeper"
    assert brief.goals == ("Close the month", "Chase invoices")


def test_full_plan_looks_drafts_uses_the_email_tool_notes_and_reports() -> None:
    messages = run([*BUILTINS, SEND_EMAIL])
    names = [name for name, _ in called(messages)]
    assert names == ["list_files", "read_file", "write_file", "send_email", "save_note"]
    args = dict(called(messages))
    assert args["read_file"] == {"path": "notes/pumpkin-recipe.md"}  # the file that matches the task
    assert args["write_file"]["path"] == "drafts/autumn-newsletter-announcing-pumpkin-bread.md"
    draft = args["write_file"]["content"]
    assert draft.startswith("# Rehearsal draft: Autumn newsletter announcing pumpkin bread")
    for expected in ("Grow the newsletter list", "Warm, plain, never pushy", "Never promise discounts", TASK):
        assert expected in draft
    assert "notes/pumpkin-recipe.md" in draft  # what it looked at
    assert args["send_email"]["to"] == OWNER_EMAIL
    assert args["send_email"]["subject"] == "Autumn newsletter announcing pumpkin bread"
    final = messages[-1]["content"]
    assert final.startswith(PREFIX)
    assert "drafts/autumn-newsletter-announcing-pumpkin-bread.md" in final


def test_same_input_same_output() -> None:
    assert run([*BUILTINS, SEND_EMAIL]) == run([*BUILTINS, SEND_EMAIL])


def test_only_offered_tools_are_called() -> None:
    messages = run([BUILTINS[2]])  # write_file only
    assert [name for name, _ in called(messages)] == ["write_file"]
    assert messages[-1]["content"].startswith(PREFIX)


def test_search_notes_is_the_look_around_when_list_files_is_missing() -> None:
    messages = run([BUILTINS[4], BUILTINS[2], BUILTINS[3]])
    first_name, first_args = called(messages)[0]
    assert first_name == "search_notes"
    assert "pumpkin" in first_args["query"]


def test_without_tools_the_reply_is_the_draft() -> None:
    text, calls = decide([{"role": "system", "content": BRIEF}, {"role": "user", "content": TASK}], [])
    assert calls == ()
    assert text.startswith(PREFIX)
    assert "Autumn newsletter announcing pumpkin bread" in text


def test_a_rejected_or_failed_tool_is_acknowledged_and_the_task_ends() -> None:
    messages = run([*BUILTINS, SEND_EMAIL], results={"send_email": "rejected by the owner: not today"})
    names = [name for name, _ in called(messages)]
    assert names[-1] == "send_email" and "save_note" not in names
    assert "send_email" in messages[-1]["content"] and "not today" in messages[-1]["content"]
    messages = run(BUILTINS, results={"write_file": "error: disk full"})
    assert "disk full" in messages[-1]["content"]


def test_irrelevant_and_risky_unknown_tools_are_left_alone() -> None:
    tools = [*BUILTINS, tool("create_invoice", description="Bill a customer"), tool("delete_email_list")]
    names = [name for name, _ in called(run(tools, task="Email the newsletter list about delete day"))]
    assert "create_invoice" not in names and "delete_email_list" not in names


def test_never_repeats_a_call_and_stops_within_the_step_limit() -> None:
    many = [tool(f"email_step_{i}", {"x": {"type": "string"}}, ["x"], "email helper") for i in range(20)]
    messages = run([*BUILTINS, *many], task="email everyone")
    calls = [(n, json.dumps(a, sort_keys=True)) for n, a in called(messages)]
    assert len(calls) == len(set(calls)) <= MAX_TOOL_STEPS
    assert messages[-1]["content"].startswith(PREFIX)


def test_the_owners_later_words_are_worked_as_a_note_on_the_same_task() -> None:
    """A revision, an answer or a resume note comes as the owner's next message: the round starts afresh, and
    its draft is the task's own (same file, same title), with the note in it, not a draft titled by the note."""
    first = run(BUILTINS)
    note = "The owner reviewed your work (round 1) and sent it back: mention the farm shop\nPlease revise."
    messages = [*first, {"role": "user", "content": note}]
    text, calls = decide(messages, BUILTINS)
    assert (text, [c.name for c in calls]) == ("", ["list_files"])  # looks around again for the new round
    drafts = [args for name, args in called(first) if name == "write_file"]
    again = [args for name, args in called(run(BUILTINS, task=TASK)) if name == "write_file"]
    revised = [
        args for name, args in called(drive(messages, BUILTINS, RESULTS)[len(messages) :]) if name == "write_file"
    ]
    assert drafts == again and revised[0]["path"] == drafts[0]["path"]  # the same draft, rewritten
    assert "mention the farm shop" in revised[0]["content"]


def test_topic_strips_the_instruction() -> None:
    assert topic("Please draft a plan for the spring launch, then share it") == "Plan for the spring launch"
    assert topic("") == "Untitled task"


def test_topic_reads_past_a_label_and_keeps_times_and_addresses() -> None:
    # A sprint's parts are titled "Role: goal"; the draft is about the goal, not the role.
    assert topic("Content Writer: Launch the spring newsletter") == "Launch the spring newsletter"
    assert topic("Review and ship: Launch the spring newsletter") == "Launch the spring newsletter"
    assert topic("Brief for: Launch the spring newsletter") == "Brief for launch the spring newsletter"
    assert topic("Meet at 10:30 with Sam") == "Meet at 10:30 with Sam"
    assert topic("Open https://example.com: is it up") == "Open https://example.com"


# --- arguments for unknown tools -----------------------------------------------------------------------

HINT = Hint(headline="Spring launch", body="Body text", keywords="spring launch", path="drafts/spring.md")

leaf = st.one_of(
    st.fixed_dictionaries({"type": st.just("string")}, optional={"minLength": st.integers(0, 30)}),
    st.integers(0, 8).map(lambda n: {"type": "string", "maxLength": n}),
    st.sampled_from(["email", "uri", "date", "date-time"]).map(lambda f: {"type": "string", "format": f}),
    st.fixed_dictionaries(
        {"type": st.sampled_from(["integer", "number"])},
        optional={"minimum": st.integers(-5, 5), "maximum": st.integers(6, 50)},
    ),
    st.fixed_dictionaries({"type": st.just("boolean")}),
    st.fixed_dictionaries({"enum": st.lists(st.text(min_size=1, max_size=5), min_size=1, max_size=4, unique=True)}),
    st.fixed_dictionaries({"type": st.just(["string", "null"])}),
)
names = st.sampled_from(["to", "subject", "body", "query", "path", "url", "count", "name", "when", "phone", "x"])


def objects(children: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(names, children, max_size=5).flatmap(
        lambda props: st.lists(st.sampled_from(sorted(props)) if props else st.nothing(), unique=True).map(
            lambda req: {"type": "object", "properties": props, "required": req}
        )
    )


schemas = st.recursive(
    leaf,
    lambda children: st.one_of(
        objects(children),
        st.builds(lambda items, n: {"type": "array", "items": items, "minItems": n}, children, st.integers(0, 2)),
        st.builds(lambda a, b: {"anyOf": [{"type": "null"}, a, b]}, children, children),
    ),
    max_leaves=12,
)


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(objects(schemas))
def test_filled_arguments_match_the_schema(schema: dict[str, Any]) -> None:
    arguments = fill_arguments(schema, HINT)
    jsonschema.validate(arguments, schema, format_checker=jsonschema.FormatChecker())
    assert set(arguments) == set(schema["required"])
    assert json.loads(json.dumps(arguments)) == arguments


def test_filled_arguments_follow_refs_and_field_names() -> None:
    schema = {
        "type": "object",
        "$defs": {"Who": {"type": "object", "properties": {"email": {"type": "string"}}, "required": ["email"]}},
        "properties": {
            "attendee": {"$ref": "#/$defs/Who"},
            "title": {"type": "string", "maxLength": 5},
            "priority": {"enum": ["low", "high"]},
            "limit": {"type": "integer", "minimum": 3},
            "notes": {"type": "string"},
        },
        "required": ["attendee", "title", "priority", "limit"],
    }
    assert fill_arguments(schema, HINT) == {
        "attendee": {"email": OWNER_EMAIL},
        "title": "Sprin",
        "priority": "low",
        "limit": 3,
    }


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from([*BUILTINS, SEND_EMAIL]), unique_by=lambda t: t["function"]["name"]),
    st.text(max_size=80),
    st.dictionaries(st.sampled_from(sorted(RESULTS)), st.text(max_size=40)),
)
def test_any_tools_any_task_any_results_stays_within_the_rules(
    tools: list[ToolSchema], task: str, results: dict[str, str]
) -> None:
    offered = {t["function"]["name"]: t["function"]["parameters"] for t in tools}
    messages = run(tools, task=task, results=results)
    calls = called(messages)
    for name, arguments in calls:
        assert name in offered
        jsonschema.validate(arguments, offered[name])
    keyed = [(n, json.dumps(a, sort_keys=True)) for n, a in calls]
    assert len(keyed) == len(set(keyed)) <= MAX_TOOL_STEPS
    assert messages[-1]["content"].startswith(PREFIX)
    assert run(tools, task=task, results=results) == messages


@pytest.mark.parametrize("empty", ["", "  \n \n"])
def test_an_empty_notes_search_is_said_so_in_the_draft_not_a_crash(empty: str) -> None:
    """Found by the property test above: a notes search that returns nothing once raised IndexError."""
    tools = [t for t in BUILTINS if t["function"]["name"] in ("search_notes", "read_file", "write_file")]
    messages = run(tools, task="000", results={"search_notes": empty})
    assert [n for n, _ in called(messages)][:2] == ["search_notes", "write_file"]
    draft = next(a["content"] for n, a in called(messages) if n == "write_file")
    assert "Notes search: (nothing found)" in draft
    assert messages[-1]["content"].startswith(PREFIX)


def test_a_first_day_note_is_not_guessed_into_a_hand_off_or_a_memory() -> None:
    """The starter task once made every team member 'hand off' to nobody: coordination is never guessed."""
    hand_off = tool(
        "hand_off",
        {"to": {"type": "string"}, "title": {"type": "string"}, "note": {"type": "string"}},
        ["to", "title", "note"],
        "Hand the next task to a teammate with a short note (and a team file to build on).",
    )
    remember = tool("remember", {"text": {"type": "string"}}, ["text"], "Remember a note for later tasks.")
    task = "Introduce yourself in a short note and draft a first plan for your role as content writer."
    messages = run([*BUILTINS, hand_off, remember], task=task)
    called = {c["function"]["name"] for m in messages for c in m.get("tool_calls") or []}
    assert "write_file" in called and not called & {"hand_off", "remember"}
