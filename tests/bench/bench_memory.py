"""Memory: retrieval latency over many memories, and prompt tokens on a long task.

    python tests/bench/bench_memory.py [--json FILE] [--memories N] [--steps N] [--litellm]

Figures:
- search_ms p50/p95: `engine.store.memory_reads.search` on one connection, for task-like queries, over
  N memories all visible to the employee searching (its own and its team's): the worst case.
  vague_ms: the same for tasks made only of common words (every term in thousands of memories).
- recall_ms p50/p95: the same through `MemoryBook.recall` (a read on a worker thread), as tools see it.
- context_ms p50/p95: `MemoryBook.recollect`, everything a task's context needs (standing memories,
  the search, the last journal entry).
- forget_ms: `MemoryBook.forget` of one memory among N (index optimized, pages zeroed, WAL checkpointed).
- tokens_first / tokens_last: estimated prompt tokens of the first and last request of a task of
  `--steps` tool steps, with compaction (the office as shipped) and without it (the reference, same
  run); with `--litellm`, also counted by litellm's token counter (gpt-4o-mini's tokenizer).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from engine.briefs.model import MemorySettings
from engine.cjk import index_form
from engine.clock import FakeClock, SequentialIds
from engine.llm.compaction import Compactor, request_tokens, tool_results
from engine.llm.types import Message, ModelReply, ToolCall, ToolSchema
from engine.loop import agent as agent_loop
from engine.memory import Profile
from engine.memory.text import keywords
from engine.office import Office
from engine.paths import Home
from engine.store import memory as store
from engine.store import memory_reads as reads
from engine.store.db import open_database
from engine.testing import FunctionModel

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
EMPLOYEE, TEAM = "emp_bench", "marketing"
BRIEF = """---
id: bench-marketer
title: Marketer
function: marketing
goals: [Grow the mailing list, Keep customers informed, Write in the brand's voice]
tone: Warm and plain
constraints: [Never promise discounts the owner has not approved, Never email a customer twice a day]
tools: [list_files, read_file, write_file, save_note, search_notes, remember, recall, correct]
max_actions_per_turn: 200
probation: 0
hours: 24/7
memory:
  remember: [tone, preferences, customers, decisions, facts]
---
Writes the newsletter and answers customers' questions about orders.
"""


# --- a realistic pile of memories -------------------------------------------------------------------


def _names(rng: random.Random, count: int, suffixes: Sequence[str]) -> list[str]:
    syllables = [
        "ka",
        "lo",
        "mi",
        "ra",
        "ben",
        "tor",
        "sel",
        "an",
        "vi",
        "dor",
        "pa",
        "lu",
        "ne",
        "chi",
        "mar",
        "fen",
        "ost",
        "gra",
        "hil",
        "wen",
    ]
    out: set[str] = set()
    while len(out) < count:
        word = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 3))).capitalize()
        out.add(f"{word} {rng.choice(suffixes)}" if suffixes else word)
    return sorted(out)


class Corpus:
    def __init__(self, seed: int = 7) -> None:
        rng = self.rng = random.Random(seed)
        self.customers = _names(rng, 3000, ["Bakery", "Cafe", "Ltd", "Studio", "Books", "Garage", "Florist"])
        self.people = _names(rng, 1500, [])
        self.products = _names(rng, 400, ["loaf", "box", "pack", "kit", "blend", "set"])
        self.cities = _names(rng, 150, [])
        self.topics = [
            "newsletter",
            "invoices",
            "delivery",
            "returns",
            "pricing",
            "launch",
            "webinar",
            "survey",
            "refunds",
            "catalog",
        ]
        self.channels = ["email", "phone", "letter", "text message", "chat"]
        self.days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]

    def memory(self) -> tuple[str, str, str]:
        """(kind, subject, text) in the shapes real memories take."""
        r, c = self.rng, self.rng.choice(self.customers)
        shape = r.randrange(6)
        if shape == 0:
            day = r.choice(self.days)
            return (
                "preferences",
                c,
                f"{c} prefers {r.choice(self.channels)} on {day} {r.choice(['mornings', 'afternoons'])}.",
            )
        if shape == 1:
            product, city = r.choice(self.products), r.choice(self.cities)
            return "customers", c, f"{c} ordered {r.randint(2, 90)} {product} for delivery to {city}."
        if shape == 2:
            product, topic = r.choice(self.products), r.choice(self.topics)
            return (
                "decisions",
                "",
                f"The {product} price is set to {r.randint(3, 80)}.{r.randint(0, 99):02d} for the {topic}.",
            )
        if shape == 3:
            person, topic = r.choice(self.people), r.choice(self.topics)
            return "contacts", c, f"{person} at {c} handles {topic}: {person.lower()}@{c.split()[0].lower()}.test"
        if shape == 4:
            topic = r.choice(self.topics)
            return (
                "facts",
                "",
                f"The {topic} for {c} goes out from {r.choice(self.cities)} every {r.choice(self.days)}.",
            )
        return (
            "feedback",
            "",
            f"The owner found the {r.choice(self.topics)} draft too {r.choice(['long', 'formal', 'vague'])}.",
        )

    def vague_task(self) -> str:
        """A task with no name in it: only common words, the slowest kind of search."""
        r = self.rng
        return f"Check the {r.choice(self.topics)} and the {r.choice(self.topics)} price"

    def task(self) -> str:
        r = self.rng
        return (
            f"Draft the {r.choice(self.topics)} email for {r.choice(self.customers)} about the "
            f"{r.choice(self.products)} and check how they like to be contacted"
        )


def load(database: Path, count: int, corpus: Corpus) -> None:
    """Bulk-insert `count` memories (10% team memory) over the past year, as the engine would store them."""
    conn = sqlite3.connect(database)
    columns = [c.name for c in store.memories.c if c.name != "n"]
    rows, index = [], []
    for n in range(1, count + 1):
        kind, subject, text = corpus.memory()
        shared = n % 10 == 0
        created = NOW - timedelta(days=365 * (count - n) / count)  # rowid order is creation order
        rows.append(
            (n, f"mem_{n}", None if shared else EMPLOYEE, TEAM if shared else None, kind, subject, text, "", "",
             "task", None, None, corpus.rng.random(), 0, None, created.isoformat())
        )  # fmt: skip
        index.append((n, index_form(" ".join(p for p in (text, subject) if p))))
    marks = ", ".join("?" * (len(columns) + 1))
    with conn:
        conn.executemany(f"INSERT INTO memories (n, {', '.join(columns)}) VALUES ({marks})", rows)
        conn.executemany("INSERT INTO memory_fts (rowid, text) VALUES (?, ?)", index)
    conn.close()


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.95) - 1)]


async def retrieval(root: Path, count: int, queries: int) -> dict[str, float]:
    corpus = Corpus()
    home = Home.resolve(root / "retrieval")
    open_database(home.database, home.backups).dispose()
    started = time.perf_counter()
    load(home.database, count, corpus)
    load_s = time.perf_counter() - started
    office = await Office.open(home, model=FunctionModel(lambda m, t: "ok"), clock=FakeClock(NOW))
    book = office.memory
    profile = Profile(EMPLOYEE, TEAM, MemorySettings(), "UTC")
    tasks = [corpus.task() for _ in range(queries)]
    figures: dict[str, float] = {"memories": count, "load_s": load_s}

    def direct(text: str) -> float:
        terms = keywords(text, 16)
        start = time.perf_counter()
        office.journal.read_now(lambda c: reads.search(c, EMPLOYEE, TEAM, terms, now=NOW.isoformat(), limit=12))
        return (time.perf_counter() - start) * 1000

    async def timed(fn: Callable[[str], Any], text: str) -> float:
        start = time.perf_counter()
        await fn(text)
        return (time.perf_counter() - start) * 1000

    for text in tasks[:20]:  # warm the page cache, as a running office has it
        direct(text)
    found = [len(await book.recall(profile, text, limit=12)) for text in tasks[:50]]
    figures["hits_mean"] = statistics.mean(found)
    figures["search_ms_p50"], figures["search_ms_p95"] = percentiles([direct(t) for t in tasks])
    vague = [corpus.vague_task() for _ in range(queries)]
    figures["vague_ms_p50"], figures["vague_ms_p95"] = percentiles([direct(t) for t in vague])
    recall = [await timed(lambda t: book.recall(profile, t, limit=12), t) for t in tasks]
    figures["recall_ms_p50"], figures["recall_ms_p95"] = percentiles(recall)
    context = [await timed(lambda t: book.recollect(profile, t), t) for t in tasks]
    figures["context_ms_p50"], figures["context_ms_p95"] = percentiles(context)
    start = time.perf_counter()
    await book.forget(f"mem_{count // 2 + 1}")
    figures["forget_ms"] = (time.perf_counter() - start) * 1000
    await office.close()
    return figures


# --- prompt tokens on a long task --------------------------------------------------------------------


def _looker(steps: int) -> Callable[[list[Message], list[ToolSchema]], ModelReply]:
    """A model that reads one customer file per step, then answers: a realistic, growing conversation."""

    def reply(messages: list[Message], tools: list[ToolSchema]) -> ModelReply:
        done = tool_results(messages)
        if done >= steps:
            return ModelReply(text="Summary written to drafts/summary.md.", tool_calls=(), model="bench")
        call = ToolCall(f"c{done}", "read_file", json.dumps({"path": f"customers/c{done:03d}.md"}))
        return ModelReply(text=f"Reading customer {done}.", tool_calls=(call,), model="bench")

    return reply


async def tokens(root: Path, steps: int, *, compact: bool, litellm: Callable[..., int] | None) -> dict[str, float]:
    name = "compact" if compact else "whole"
    home = Home.resolve(root / f"tokens-{name}")
    model = FunctionModel(_looker(steps))
    office = await Office.open(home, model=model, clock=FakeClock(NOW), ids=SequentialIds())
    brief_path = root / "bench-marketer.md"
    brief_path.write_text(BRIEF, encoding="utf-8")
    record = await office.hire(office.brief_for(str(brief_path)), name="Mia")
    workspace = office.home.workspace(record.id) / "customers"
    workspace.mkdir(parents=True, exist_ok=True)
    for n in range(steps):
        (workspace / f"c{n:03d}.md").write_text(
            f"# Customer {n}\nLast order: {n % 12 + 1} boxes on 2026-05-{n % 28 + 1:02d}. Prefers email.\n"
        )
    profile = Profile(record.id, None, office.employees[record.id].brief.memory)
    await office.memory.remember(profile, "tone", "Warm and playful, never corporate.", pinned=True)
    await office.memory.remember(profile, "preferences", "Customers want short emails with one clear ask.")
    await office.assign(record.id, "Go through every customer file and summarise who to email this week")
    original = agent_loop.Compactor
    if not compact:  # the reference: every message sent, as before compaction existed

        class Whole(Compactor):
            def fit(self, messages: Sequence[Message]) -> list[Message]:
                return list(messages)

        agent_loop.Compactor = Whole  # type: ignore[misc]
    try:
        await office.run(until_idle=True)
    finally:
        agent_loop.Compactor = original  # type: ignore[misc]
    first, last = model.requests[0], model.requests[-1]
    figures = {
        f"{name}_requests": len(model.requests),
        f"{name}_tokens_first": request_tokens(first.messages, first.tools),
        f"{name}_tokens_last": request_tokens(last.messages, last.tools),
    }
    if litellm is not None:
        figures[f"{name}_litellm_first"] = litellm(first.messages, first.tools)
        figures[f"{name}_litellm_last"] = litellm(last.messages, last.tools)
    await office.close()
    return figures


def litellm_counter() -> Callable[..., int] | None:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    try:
        import litellm
    except ImportError:
        return None

    def count(messages: list[Message], tools: list[ToolSchema]) -> int:
        return int(litellm.token_counter(model="gpt-4o-mini", messages=messages, tools=tools))

    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--memories", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--litellm", action="store_true", help="also count tokens with litellm (slow import)")
    args = parser.parse_args()
    counter = litellm_counter() if args.litellm else None
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        figures: dict[str, Any] = {
            "machine": f"{platform.machine()} {os.cpu_count()} cores, {platform.system()} {platform.release()}",
            "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version,
        }
        figures |= asyncio.run(retrieval(root, args.memories, args.queries))
        figures["steps"] = args.steps
        figures |= asyncio.run(tokens(root, args.steps, compact=True, litellm=counter))
        figures |= asyncio.run(tokens(root, args.steps, compact=False, litellm=counter))
    figures["last_over_first"] = round(figures["compact_tokens_last"] / figures["compact_tokens_first"], 2)
    _table(figures)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


def _table(f: dict[str, Any]) -> None:
    print(f"machine: {f['machine']}, Python {f['python']}, SQLite {f['sqlite']}")
    print(f"{f['memories']:,} memories (loaded in {f['load_s']:.1f} s); {f['hits_mean']:.1f} hits per query on average")
    print(f"{'retrieval':<34} {'p50 ms':>8} {'p95 ms':>8}   target p95 < 20 ms")
    for key, label in (
        ("search", "search (one connection)"),
        ("vague", "search, common words only"),
        ("recall", "recall (as a tool)"),
        ("context", "context for a task"),
    ):
        print(f"{label:<34} {f[key + '_ms_p50']:>8.2f} {f[key + '_ms_p95']:>8.2f}")
    print(f"{'forget one (optimize + checkpoint)':<34} {f['forget_ms']:>8.1f}")
    print()
    print(f"{f['steps']}-step task: prompt tokens    {'first':>7} {'last':>7} {'last/first':>10}   target ≤ 2")
    for name, label in (("compact", "with compaction"), ("whole", "without (reference)")):
        first, last = f[f"{name}_tokens_first"], f[f"{name}_tokens_last"]
        print(f"{label + ' (estimate)':<32} {first:>7} {last:>7} {last / first:>10.2f}")
        if f"{name}_litellm_first" in f:
            first, last = f[f"{name}_litellm_first"], f[f"{name}_litellm_last"]
            print(f"{label + ' (litellm)':<32} {first:>7} {last:>7} {last / first:>10.2f}")


if __name__ == "__main__":
    main()
