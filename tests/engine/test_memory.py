"""Memory across days: facts, decisions, a journal and team memory in SQLite, recalled within a budget.

Every test runs on a FakeClock (never the wall clock or the hour) against a real database.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from engine.briefs.model import MemorySettings
from engine.cli import COMMANDS, build_parser
from engine.clock import FakeClock
from engine.errors import OfficeError, OwnerError
from engine.events import Event
from engine.llm.compaction import SUMMARY_MARK, folded_calls, request_tokens, tool_results
from engine.llm.rehearsal import decide
from engine.llm.types import Message, ModelReply, ToolCall, ToolSchema
from engine.memory import ContextBudget, MemoriesRecalled, MemoryBook, MemoryRefused, Profile, fit
from engine.office import Office
from engine.testing import FunctionModel, ScriptedModel, call, say
from tests.engine.conftest import BriefWriter, OfficeFactory

MONDAY = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
KEEPS: dict[str, Any] = {"remember": ["tone", "preferences", "customers", "decisions", "facts"]}
MARKETER: dict[str, Any] = {
    "id": "marketer",
    "title": "Marketer",
    "function": "marketing",
    "goals": ["Grow the mailing list"],
    "tone": "Friendly",
    "tools": ["write_file", "remember", "recall", "correct"],
    "memory": KEEPS,
}

TONE = "Our brand tone is warm and playful, never corporate."
PREFERENCE = "Acme Bakery prefers emails on Tuesday mornings and hates exclamation marks."
CHATTER = "By the way, the coffee machine on the second floor is broken again."
DECISION = "The spring sale runs at 15% off."


async def _office(make_office: OfficeFactory, model: ScriptedModel, clock: FakeClock) -> Office:
    office: Office = await make_office(model, clock=clock)
    return office


async def _hire(office: Office, path: Path, name: str = "Mia", team: str | None = None) -> Profile:
    record = await office.hire(office.brief_for(str(path)), name=name, team=team)
    employee = office.employees[record.id]
    return Profile(record.id, record.team, employee.brief.memory, "UTC")


def _text(messages: list[dict[str, Any]]) -> str:
    return "\n".join(str(m.get("content") or "") + str(m.get("tool_calls") or "") for m in messages)


# --- the proof: three days -------------------------------------------------------------------------


async def test_day_three_recalls_tone_preference_and_decision_but_not_chatter(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    clock = FakeClock(MONDAY)
    model = ScriptedModel(
        # Monday: the model keeps the tone and the chatter; the preference is left to consolidation.
        call("remember", kind="tone", text=TONE),
        call("remember", kind="facts", text="The coffee machine on the second floor is broken again."),
        say("Welcome note drafted."),
        # Tuesday: a decision, through the tool.
        call("remember", kind="decisions", text=DECISION, why="We have too much winter stock.", by="the owner"),
        say("Noted: 15% off."),
        # Wednesday: a new task; the request must already hold what matters.
        say("Here is the spring sale email for Acme Bakery."),
    )
    office = await _office(make_office, model, clock)
    mia = await _hire(office, write_brief(**MARKETER))
    await office.assign("Mia", f"Welcome aboard! {TONE} {PREFERENCE} {CHATTER}")
    await office.run(until_idle=True)

    clock.set(MONDAY + timedelta(days=1))
    (monday,) = await office.memory.consolidate_due(mia)
    assert monday.day == date(2026, 1, 5) and monday.journal_id is not None
    preference = [m for m in await office.memory.listing(mia) if m.kind == "preferences"]
    assert [(m.subject, m.text, m.source) for m in preference] == [("Acme Bakery", PREFERENCE, "consolidation")]
    assert len(monday.merged) == 1  # the owner's tone sentence repeated the remembered tone: strengthened

    await office.assign("Mia", "We decided to run the spring sale at 15% off because we have too much winter stock.")
    await office.run(until_idle=True)
    clock.set(MONDAY + timedelta(days=2))
    (tuesday,) = await office.memory.consolidate_due(mia)
    assert tuesday.added == () and len(tuesday.merged) == 1  # the owner's words repeat the tool's decision

    recalled: list[Event] = []
    office.bus.subscribe(recalled.append)
    task = await office.assign("Mia", "Draft the spring sale email for Acme Bakery.")
    await office.run(until_idle=True)
    request = model.requests[-1]
    memory = request.messages[1]
    assert request.messages[0]["content"].startswith("You are the Marketer")  # the brief first, unchanged
    assert memory["role"] == "system" and memory["content"].startswith("Memory (what you remember")
    assert TONE in memory["content"] and PREFERENCE in memory["content"] and DECISION in memory["content"]
    assert "Why: We have too much winter stock." in memory["content"]
    assert request.messages[2] == {"role": "user", "content": "Draft the spring sale email for Acme Bakery."}
    assert "coffee" not in _text(request.messages).lower()
    assert await office.memory.recall(mia, "coffee machine")  # remembered all the same: just not relevant

    (step,) = [s for s in await office.journal.steps(task_id=task.id) if s.kind == "model"]
    given = await office.memory.given(task_id=task.id)
    texts = [m.text for m in given[step.id] if not isinstance(m, str)]
    assert TONE in texts and PREFERENCE in texts and DECISION in texts
    (event,) = [e for e in recalled if isinstance(e, MemoriesRecalled)]
    assert list(event.memory_ids) == [m.id for m in given[step.id] if not isinstance(m, str)]
    model.assert_complete()


async def test_the_rehearsal_model_uses_what_it_recalls(make_office: OfficeFactory, write_brief: BriefWriter) -> None:
    def rehearse(messages: list[Message], tools: list[ToolSchema]) -> ModelReply:
        text, calls = decide(messages, tools)
        return ModelReply(text=text, tool_calls=calls, model="rehearsal/office-1")

    clock = FakeClock(MONDAY)
    office = await make_office(FunctionModel(rehearse), clock=clock)
    mia = await _hire(office, write_brief(**MARKETER))
    await office.memory.remember(mia, "tone", TONE, pinned=True)
    await office.assign("Mia", "Write a newsletter about the spring sale")
    await office.run(until_idle=True)
    draft = next((office.home.workspace(mia.employee_id) / "drafts").glob("*.md")).read_text()
    assert f"Kept in mind: {TONE}" in draft


# --- ranking, retention, forgetting, superseding, teams ----------------------------------------------


@pytest.fixture
async def book(make_office: OfficeFactory) -> MemoryBook:
    clock = FakeClock(MONDAY)
    office = await make_office(ScriptedModel(), clock=clock)
    return office.memory


def _clock(book: MemoryBook) -> FakeClock:
    assert isinstance(book.clock, FakeClock)
    return book.clock


async def _filler(book: MemoryBook, who: Profile, count: int = 30) -> None:
    for n in range(count):
        await book.remember(who, "facts", f"Filler note {n} about shelving, parcels and the van number {n}")


async def test_ranking_weighs_relevance_recency_and_importance(book: MemoryBook) -> None:
    ada = Profile("emp_a")
    await _filler(book, ada)
    old = await book.remember(ada, "customers", "Bolt Cafe orders croissants every Friday")
    _clock(book).advance(60 * 86400)
    new = await book.remember(ada, "customers", "Bolt Cafe orders bagels on Monday")
    minor = await book.remember(ada, "facts", "Bolt Cafe parking is on Elm Street", importance=0.1)
    major = await book.remember(ada, "facts", "Bolt Cafe parking is behind the church", importance=1.0)

    ranked = [m.id for m, _ in await book.recall(ada, "Bolt Cafe orders")]
    assert ranked.index(new.memory.id) < ranked.index(old.memory.id)  # same relevance: newer first
    ranked = [m.id for m, _ in await book.recall(ada, "Bolt Cafe parking")]
    assert ranked[:2] == [major.memory.id, minor.memory.id]  # same words and age: more important first
    found = [m.id for m, _ in await book.recall(ada, "Bolt Cafe croissants Friday")]
    assert found[0] == old.memory.id and new.memory.id in found  # an old exact match beats newer loose ones
    scores = [s for _, s in await book.recall(ada, "Bolt Cafe")]
    assert scores == sorted(scores, reverse=True) and all(s > 0 for s in scores)


async def test_retention_hides_old_memories_and_consolidation_prunes_them(book: MemoryBook) -> None:
    short = Profile("emp_r", settings=MemorySettings(remember=("facts",), retention_days=30))
    kept = await book.remember(short, "facts", "The van is serviced in Leeds", pinned=True)
    gone = await book.remember(short, "facts", "The van has a dented door")
    _clock(book).advance(40 * 86400)
    fresh = await book.remember(short, "facts", "The van needs new tyres")
    assert {m.id for m, _ in await book.recall(short, "van")} == {kept.memory.id, fresh.memory.id}
    assert gone.memory.id not in {m.id for m in await book.listing(short)}
    report = await book.consolidate(short, _clock(book).now().date())
    assert report.pruned == 1 and await book.get(gone.memory.id) is None
    assert await book.get(kept.memory.id) is not None  # pinned: the owner keeps it


async def test_a_day_still_to_come_is_refused_and_deletes_nothing(book: MemoryBook) -> None:
    """A mistyped year (`--day 2027-...`) must not count retention from the future: today's memories stay."""
    short = Profile("emp_y", settings=MemorySettings(remember=("facts",), retention_days=30))
    today = await book.remember(short, "facts", "Bob takes his tea without sugar")
    later = _clock(book).now().date() + timedelta(days=400)
    with pytest.raises(OwnerError, match=f"{later.isoformat()} has not begun yet"):
        await book.consolidate(short, later)
    tomorrow = _clock(book).now().date() + timedelta(days=1)
    with pytest.raises(OwnerError, match="has not begun yet"):
        await book.consolidate(short, tomorrow)
    report = await book.consolidate(short, _clock(book).now().date())  # today, though not over: allowed
    assert report.pruned == 0 and await book.get(today.memory.id) is not None
    # 30 days less an hour later, at 08:00: within retention counted from now, though not from the day's end
    _clock(book).advance((timedelta(days=30) - timedelta(hours=1)).total_seconds())
    assert (await book.consolidate(short, _clock(book).now().date())).pruned == 0
    assert await book.get(today.memory.id) is not None


async def test_forgetting_removes_the_text_for_good(book: MemoryBook) -> None:
    ada = Profile("emp_f")
    await _filler(book, ada, 5)
    secret = await book.remember(ada, "facts", "The back door code is zebrafish 7731")
    database = Path(book.journal.writer._engine.url.database or "")

    def index(word: str) -> tuple[list[Any], list[Any]]:
        with sqlite3.connect(database) as conn:
            conn.execute("CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, memory_fts, 'row')")
            hits = conn.execute("SELECT rowid FROM memory_fts WHERE memory_fts MATCH ?", (word,)).fetchall()
            terms = conn.execute("SELECT term FROM temp.vocab WHERE term = ?", (word,)).fetchall()
        return hits, terms

    assert index("zebrafish") != ([], [])
    forgotten = await book.forget(secret.memory.id)
    assert forgotten is not None and forgotten.text == "The back door code is zebrafish 7731"
    assert index("zebrafish") == ([], [])  # neither found nor left in the index's vocabulary
    assert await book.get(secret.memory.id) is None and await book.recall(ada, "zebrafish") == []
    for path in (database, database.with_name(database.name + "-wal")):
        if path.exists():
            assert b"zebrafish" not in path.read_bytes(), path  # not even in freed pages
    assert await book.forget(secret.memory.id) is None


async def test_forgetting_a_remembered_fact_removes_the_copies_in_its_steps(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    model = ScriptedModel(call("remember", kind="facts", text="The alarm code is 4417 kingfisher"), say("ok"))
    office = await make_office(model, clock=FakeClock(MONDAY))
    mia = await _hire(office, write_brief(**MARKETER))
    task = await office.assign("Mia", "Keep the alarm code")
    await office.run(until_idle=True)
    (memory,) = await office.memory.listing(mia)
    await office.memory.forget(memory.id)
    steps = await office.journal.steps(task_id=task.id)
    assert not any("kingfisher" in (s.arguments or "") + (s.result or "") for s in steps)
    assert any("[forgotten]" in (s.arguments or "") for s in steps)


async def test_a_correction_supersedes_and_keeps_the_old_fact(book: MemoryBook) -> None:
    ada = Profile("emp_s", settings=MemorySettings(remember=("preferences",)))
    tuesday = await book.remember(ada, "preferences", "Acme wants emails on Tuesdays", subject="Acme")
    thursday = await book.remember(ada, "preferences", "Acme wants emails on Thursdays", subject="acme")
    assert thursday.replaced == (tuesday.memory.id,)  # same kind, same subject: the newer replaces
    old = await book.get(tuesday.memory.id)
    assert old is not None and old.superseded_by == thursday.memory.id  # kept, not deleted
    fixed = await book.correct(ada, thursday.memory.id, "Acme wants emails on Thursday afternoons")
    assert [m.id for m, _ in await book.recall(ada, "Acme emails")] == [fixed.id]
    every = await book.listing(ada, include_superseded=True)
    assert {m.id: m.superseded_by for m in every} == {
        tuesday.memory.id: thursday.memory.id,
        thursday.memory.id: fixed.id,
        fixed.id: None,
    }
    with pytest.raises(MemoryRefused, match="already replaced"):
        await book.correct(ada, tuesday.memory.id, "Acme wants letters")
    again = await book.remember(ada, "preferences", "Acme wants emails on Thursday afternoons.", subject="Acme")
    assert again.duplicate and again.memory.id == fixed.id  # a repeat strengthens, it adds nothing


async def test_team_memory_is_shared_with_members_only(book: MemoryBook) -> None:
    ada, ben = Profile("emp_1", team="marketing"), Profile("emp_2", team="marketing")
    cy, dee = Profile("emp_3", team="sales"), Profile("emp_4")
    shared = await book.remember(ada, "decisions", "The spring launch is on 3 March", team=True)
    mine = await book.remember(ada, "facts", "My spring launch checklist lives in drafts")
    assert [m.id for m, _ in await book.recall(ben, "spring launch")] == [shared.memory.id]
    assert await book.recall(cy, "spring launch") == [] and await book.recall(dee, "spring launch") == []
    assert {m.id for m, _ in await book.recall(ada, "spring launch")} == {shared.memory.id, mine.memory.id}
    with pytest.raises(MemoryRefused):
        await book.correct(cy, shared.memory.id, "The spring launch is on 4 March")
    with pytest.raises(MemoryRefused, match="not in a team"):
        await book.remember(dee, "facts", "Shared?", team=True)


async def test_the_brief_memory_block_is_honoured(make_office: OfficeFactory, write_brief: BriefWriter) -> None:
    model = ScriptedModel(
        call("remember", kind="feedback", text="Shorter subject lines"),  # not a kind this brief keeps
        call("remember", kind="tone", text="Dry humour is welcome"),
        say("done"),
        call("recall", query="humour"),
        say("done"),
    )
    office = await make_office(model, clock=FakeClock(MONDAY))
    await _hire(office, write_brief(**MARKETER))
    off = await _hire(office, write_brief(**{**MARKETER, "id": "quiet", "memory": {"enabled": False}}), "Quinn")
    await office.memory.remember(off, "tone", "Never use slang", pinned=True)
    await office.assign("Mia", "Note my feedback")
    await office.run(until_idle=True)
    results = [m["content"] for m in model.requests[2].messages if m["role"] == "tool"]
    assert "keeps only these kinds" in results[0] and "feedback" in results[0]
    assert results[1].startswith("remembered as mem_")
    await office.assign("Quinn", "Anything")
    await office.run(until_idle=True)
    assert "Never use slang" not in _text(model.requests[3].messages)  # memory off: nothing given
    (refused,) = [m["content"] for m in model.requests[4].messages if m["role"] == "tool"]
    assert "memory is switched off" in refused
    model.assert_complete()


# --- context within a budget ----------------------------------------------------------------------------


def _long_task(steps: int, brief_lines: int = 100) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": "# Role: Clerk\n" + "Keep the files in order. " * brief_lines},
        {"role": "user", "content": "Tick through the list"},
    ]
    for n in range(steps):
        messages.append(
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": f"c{n}", "type": "function", "function": {"name": "tick", "arguments": f'{{"n": {n}}}'}}
                ],
            }
        )
        messages.append({"role": "tool", "tool_call_id": f"c{n}", "content": f"ticked item {n}: done and filed"})
    return messages


def test_long_tasks_are_compacted_not_truncated() -> None:
    tools = [{"type": "function", "function": {"name": "tick", "description": "Tick", "parameters": {}}}]
    first = request_tokens(_long_task(0), tools)
    sent = [fit(_long_task(n), 2, tools) for n in range(100)]
    last = sent[-1]
    assert request_tokens(last, tools) <= 2 * first
    assert last[:2] == _long_task(0)  # the fixed part never changes
    summary = last[2]
    assert summary["role"] == "assistant" and summary["content"].startswith(SUMMARY_MARK)
    assert "tick ×" in summary["content"] and folded_calls(summary["content"])["tick"] > 50
    assert last[-1] == _long_task(99)[-1]  # the newest step is whole
    calls = {c["id"] for m in last if m.get("tool_calls") for c in m["tool_calls"]}
    assert all(m["tool_call_id"] in calls for m in last if m["role"] == "tool")  # no orphaned results
    assert fit(_long_task(99), 2, tools) == last  # a pure function: the same after a restart
    folds = sum(1 for a, b in itertools.pairwise(sent) if b[: len(a)] != a)
    assert folds <= 12  # between folds each request extends the previous one (cacheable)


async def test_a_long_task_in_the_office_stays_lean(make_office: OfficeFactory, write_brief: BriefWriter) -> None:
    def work(messages: list[Message], tools: list[ToolSchema]) -> ModelReply:
        done = tool_results(messages)
        if done == 60:
            return ModelReply(text="all filed", tool_calls=(), model="scripted")
        call = ToolCall(f"c{done}", "write_file", json.dumps({"path": f"items/{done}.md", "content": f"item {done}"}))
        return ModelReply(text="", tool_calls=(call,), model="scripted")

    model = FunctionModel(work)
    office = await make_office(model, clock=FakeClock(MONDAY))
    await _hire(office, write_brief(**{**MARKETER, "max_actions_per_turn": 100}))
    task = await office.assign("Mia", "File sixty items")
    await office.run(until_idle=True)
    first, last = (request_tokens(r.messages, r.tools) for r in (model.requests[0], model.requests[-1]))
    assert len(model.requests) == 61 and last <= 2 * first
    assert model.requests[-1].messages[-1]["content"] == "wrote items/59.md (7 characters)"  # the newest, whole
    assert (await office.journal.task(task.id)).status == "done"  # type: ignore[union-attr]


def test_a_small_brief_still_leaves_the_conversation_its_floor() -> None:
    first = request_tokens(_long_task(0, brief_lines=10), [])
    last = fit(_long_task(100, brief_lines=10), 2)
    # The conversation keeps its floor of tokens, beyond twice a tiny fixed part, and never more.
    assert first < 200 and 2 * first < request_tokens(last, []) <= first + ContextBudget().min_tokens


def test_short_tasks_are_sent_unchanged() -> None:
    messages = _long_task(5)
    assert fit(messages, 2) == messages


def test_the_rehearsal_model_counts_compacted_steps_as_done() -> None:
    tools = [
        {"type": "function", "function": {"name": n, "description": n, "parameters": {}}}
        for n in ("list_files", "write_file", "save_note")
    ]
    summary = {
        "role": "assistant",
        "content": f"{SUMMARY_MARK}: 2 earlier steps]\nYou called: list_files ×1 (no arguments); write_file ×1 (…)",
    }
    messages = [{"role": "system", "content": "# Role: Clerk"}, {"role": "user", "content": "Write a memo"}, summary]
    _, (next_call,) = decide(messages, tools)
    assert next_call.name == "save_note"  # not list_files or write_file again


# --- consolidation ------------------------------------------------------------------------------------


async def test_consolidation_supersedes_a_contradicted_fact_and_rewrites_its_day(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    clock = FakeClock(MONDAY)
    model = ScriptedModel(say("ok"), say("ok"), say("ok"))
    office = await _office(make_office, model, clock)
    mia = await _hire(office, write_brief(**MARKETER))
    await office.assign("Mia", PREFERENCE)
    await office.run(until_idle=True)
    early = await office.memory.consolidate(mia, MONDAY.date())  # on demand, before the day ends
    (tuesday_pref,) = [await office.memory.get(i) for i in early.added]
    assert tuesday_pref is not None and tuesday_pref.subject == "Acme Bakery"

    clock.advance(3600)
    await office.assign("Mia", "Correction: Acme Bakery prefers emails on Thursday afternoons.")
    await office.run(until_idle=True)
    clock.set(MONDAY + timedelta(days=1))
    (monday,) = await office.memory.consolidate_due(mia)  # the day is consolidated again once it is over
    assert monday.journal_id == early.journal_id and monday.superseded == (tuesday_pref.id,)
    old = await office.memory.get(tuesday_pref.id)
    assert old is not None and old.superseded_by == monday.added[0]  # kept, marked superseded
    entry = await office.memory.get(monday.journal_id or "")
    assert entry is not None and entry.kind == "journal" and "worked on 2 tasks" in entry.text
    assert await office.memory.consolidate_due(mia) == []  # nothing left to do
    clock.set(MONDAY + timedelta(days=3))
    assert await office.memory.consolidate_due(mia) == []  # no work since: no empty entries


async def test_consolidation_keeps_only_the_kinds_the_brief_remembers(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    clock = FakeClock(MONDAY)
    office = await _office(make_office, ScriptedModel(say("ok")), clock)
    brief = write_brief(**{**MARKETER, "memory": {"remember": ["decisions"]}})
    mia = await _hire(office, brief)
    await office.assign("Mia", f"{TONE} We decided to stop the newsletter because nobody reads it.")
    await office.run(until_idle=True)
    report = await office.memory.consolidate(mia, MONDAY.date())
    (decision,) = [await office.memory.get(i) for i in report.added]
    assert decision is not None and decision.kind == "decisions"
    assert (decision.text, decision.why, decision.decided_by) == (
        "We decided to stop the newsletter.",
        "Nobody reads it.",
        "the owner",
    )


# --- the owner's hand ----------------------------------------------------------------------------------


async def test_the_owner_views_pins_and_forgets_from_the_command_line(
    make_office: OfficeFactory, write_brief: BriefWriter, capsys: pytest.CaptureFixture[str]
) -> None:
    office = await _office(make_office, ScriptedModel(), FakeClock(MONDAY))
    mia = await _hire(office, write_brief(**MARKETER))

    async def run(*argv: str) -> str:
        args = build_parser().parse_args(argv)
        assert await COMMANDS[args.command](office, args) == 0
        return capsys.readouterr().out

    assert "Nothing remembered yet." in await run("memory", "Mia")
    said = await run("remember", "Mia", "Invoices go out on the first Monday", "--kind", "decisions")
    assert "pinned" in said
    (row,) = json.loads(await run("memory", "Mia", "--json"))
    assert row["pinned"] and row["kind"] == "decisions" and row["decided_by"] == "the owner"
    (found,) = json.loads(await run("memory", "Mia", "search", "invoices", "--json"))
    assert found["id"] == row["id"] and found["score"] > 0
    recollection = await office.memory.recollect(mia, "Draft a note about the garden party")
    assert recollection.memory_ids == (row["id"],)  # pinned: given with every task, relevant or not
    assert "Forgot" in await run("forget", row["id"])
    assert "Nothing remembered" in await run("memory", "Mia", "search", "invoices")
    assert "No work on 2026-01-05" in await run("memory", "Mia", "consolidate")
    with pytest.raises(OfficeError, match="no memory"):
        await run("forget", row["id"])


async def test_a_forgotten_fact_is_not_learnt_again_from_the_same_words(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    clock = FakeClock(MONDAY)
    office = await _office(make_office, ScriptedModel(say("ok")), clock)
    mia = await _hire(office, write_brief(**MARKETER))
    await office.assign("Mia", f"Please draft the welcome email. {PREFERENCE} I'd like you to keep it short.")
    await office.run(until_idle=True)
    first = await office.memory.consolidate(mia, MONDAY.date())
    (learnt,) = first.added  # the preference; "I'd like you to ..." is an instruction, not a taste
    await office.memory.forget(learnt)
    again = await office.memory.consolidate(mia, MONDAY.date())
    assert again.added == () and [m.kind for m in await office.memory.listing(mia)] == ["journal"]


async def test_a_secret_never_becomes_a_memory_nor_reaches_the_model_through_one(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    """The owner's `remember`, an edit, and the employee's own `remember` tool all keep the secret out."""
    from engine.redaction import MASK
    from engine.redaction import remember as learn_secret

    secret = "tok-SECRET-mcp-99881"
    learn_secret(secret)  # a value the keyring holds (a connected app's token)
    seen: list[str] = []

    def model(messages: list[Message], tools: list[ToolSchema]) -> ModelReply:
        seen.append(json.dumps(messages))
        if not any(m.get("role") == "tool" for m in messages):
            note = json.dumps({"kind": "facts", "text": f"CRM token {secret}"})
            return ModelReply(text="", tool_calls=(ToolCall("c1", "remember", note),), model="scripted")
        return ModelReply(text="noted", tool_calls=(), model="scripted")

    office = await make_office(FunctionModel(model), clock=FakeClock(MONDAY))
    mia = await _hire(office, write_brief(**MARKETER))
    kept = await office.memory.remember(mia, "facts", f"The door code is {secret}", pinned=True)
    assert kept.memory.text == f"The door code is {MASK}"
    edited, _ = await office.memory.edit(mia, kept.memory.id, f"The door code is still {secret}")
    await office.assign("Mia", "Note the CRM token")
    await office.run(until_idle=True)
    with sqlite3.connect(office.home.database) as db:
        tables = ("memories", "memory_fts", "memory_fts_content")
        stored = [str(row) for t in tables for row in db.execute(f"SELECT * FROM {t}")]
    assert stored and not any(secret in row for row in stored)
    assert any(f"CRM token {MASK}" in row for row in stored) and MASK in edited.text  # kept, masked
    assert seen and not any(secret in request for request in seen)  # the pinned memory, as given


async def test_a_changed_or_negated_fact_is_kept_and_only_a_true_repeat_strengthens(book: MemoryBook) -> None:
    ada = Profile("emp_a")
    pairs = [
        ("Call Acme on Mondays", "Do not call Acme on Mondays"),
        ("Acme prefers email, not phone", "Acme prefers phone, not email."),
        ("Globex wants the weekly report every Monday morning by email with charts",
         "Globex wants the weekly report every Friday morning by email with charts"),
        ("Customer number 2 pays net 2 days", "Customer number 3 pays net 3 days"),
        ("Our HR contact in the EU is Jo", "Our IT contact is Al"),
    ]  # fmt: skip
    for first, second in pairs:
        a = await book.remember(ada, "facts", first)
        b = await book.remember(ada, "facts", second)
        assert not a.duplicate and not b.duplicate and b.memory.id != a.memory.id, second

    once = await book.remember(ada, "facts", "Bolt Cafe closes at 6pm on Sundays", importance=0.6)
    again = await book.remember(ada, "facts", "Bolt Cafe closes at 6pm on Sundays.", importance=0.6)
    fuller = await book.remember(ada, "facts", "Note: Bolt Cafe closes at 6pm on Sundays", importance=0.6)
    assert again.duplicate and fuller.duplicate and again.memory.id == once.memory.id
    assert fuller.memory.importance == pytest.approx(0.8)  # each repeat raises it

    found = [m.text for m, _ in await book.recall(ada, "HR")]  # a two-letter word is searchable
    assert found == ["Our HR contact in the EU is Jo"]


async def test_the_tone_is_given_first_and_pinning_past_what_a_task_is_given_says_so(book: MemoryBook) -> None:
    ada = Profile("emp_a")
    tone = await book.remember(ada, "tone", "Always sign emails as Sam from Acme Bakery", pinned=True)
    facts = []
    for n, town in enumerate(["Leeds", "York", "Hull", "Bath", "Ely", "Wells", "Ripon"]):
        _clock(book).advance(60)
        facts.append(await book.remember(ada, "facts", f"Branch {n} is in {town}", pinned=True, importance=0.8))
        if n == 4:
            assert book.budget.standing == 6 and await book.crowded(ada) == ""  # the tone and five facts fit
    given = (await book.recollect(ada, "Draft a thank-you note")).memory_ids
    assert given[0] == tone.memory.id  # the oldest and least important, and still first
    assert facts[0].memory.id not in given and facts[-1].memory.id in given
    warning = await book.crowded(ada)
    assert f"8 memories are meant for every task, but a task is given {book.budget.standing}" in warning
    assert facts[0].memory.id in warning  # names what is left out
    for fact in facts[:2]:
        await book.set_pinned(ada, fact.memory.id, False)
    assert await book.crowded(ada) == ""
