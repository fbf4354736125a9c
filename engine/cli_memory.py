"""CLI commands for what employees remember: `memory`, `remember` and `forget`. Safe while the office works.

`headcount memory EMPLOYEE edit ID TEXT` rewrites a memory the owner's way: the new wording becomes a new
memory (source `owner`, dated now, pinned as before) and the old one is kept, marked superseded by it, so
the history of a fact stays readable (`memory EMPLOYEE --all`); with `--forget-old` the old wording is
forgotten for good instead (as `forget` does). `pin ID` / `unpin ID` set whether a memory is given with
every task. Every change is a row in the office's database: a running office reads it on its next task.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shlex
import sys
import zoneinfo
from collections.abc import Awaitable, Callable, Sequence
from datetime import date
from typing import Any

from engine import cli_input
from engine.errors import OfficeError
from engine.memory import KINDS, Consolidation, MemoryBook, MemoryRecord, MemoryRefused, Profile, local_day
from engine.office import Office

Handler = Callable[[Office, argparse.Namespace], Awaitable[int]]
ACTIONS = ("search", "edit", "pin", "unpin", "consolidate")


def add_commands(sub: Any) -> dict[str, Handler]:
    p = sub.add_parser("memory", help="what an employee remembers: list, search, or consolidate a day")
    p.add_argument("employee", help="name or id")
    p.add_argument(
        "action",
        nargs="?",
        choices=ACTIONS,
        help="search TEXT; edit ID TEXT; pin ID; unpin ID; or consolidate a day",
    )
    p.add_argument("words", nargs="*", type=cli_input.memory_words, help="search: the words; edit: ID and new text")
    p.add_argument("--forget-old", action="store_true", help="with edit: forget the old wording for good")
    p.add_argument("--all", action="store_true", help="also memories superseded or past the brief's retention")
    p.add_argument("--day", type=_day, help="with consolidate: the day, YYYY-MM-DD (default: today)")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("remember", help="tell an employee something to keep (pinned: always given)")
    p.add_argument("employee", help="name or id")
    p.add_argument("text", help="the fact, in plain words")
    p.add_argument("--kind", choices=KINDS, default="facts", help="what kind of memory (default: facts)")
    p.add_argument("--about", default="", help="who or what it is about; replaces older memories about it")
    p.add_argument("--why", default="", help="for a decision: why")
    p.add_argument("--team", action="store_true", help="share it with the employee's whole team")

    p = sub.add_parser("forget", help="remove a memory for good (its text, search entry and copies)")
    p.add_argument("id", help="the memory's id (see `headcount memory EMPLOYEE`)")
    return {"memory": _memory, "remember": _remember, "forget": _forget}


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a day like 2026-01-05, got {text!r}") from None


def _book(office: Office) -> MemoryBook:
    return office.memory


def _profile(office: Office, who: str) -> Profile:
    return office.memory_profile(who)


async def _memory(office: Office, args: argparse.Namespace) -> int:
    book, profile = _book(office), _profile(office, args.employee)
    if args.action == "consolidate":
        today = office.clock.now().astimezone(zoneinfo.ZoneInfo(profile.timezone)).date()
        report = await book.consolidate(profile, args.day or today)
        return _print_consolidation(report, as_json=args.json)
    words: list[str] = args.words
    if args.action == "search":
        text = " ".join(words)
        if not text.strip():
            raise OfficeError("memory search needs the words to look for: headcount memory EMPLOYEE search TEXT")
        found = await book.recall(profile, text, include_journal=True, limit=20, retained_only=not args.all)
        return _print(found, profile, as_json=args.json, empty=f"Nothing remembered matches {text!r}.")
    if args.action == "edit":
        return await _edit(office, profile, words, forget_old=args.forget_old, as_json=args.json)
    if args.action in ("pin", "unpin"):
        return await _pin(office, profile, args.action, words, as_json=args.json)
    if words:
        raise OfficeError(f"unexpected {' '.join(words)!r}; to search: headcount memory {args.employee} search TEXT")
    memories = await book.listing(profile, include_superseded=args.all, retained_only=not args.all)
    return _print([(m, None) for m in memories], profile, as_json=args.json, empty="Nothing remembered yet.")


async def _edit(office: Office, profile: Profile, words: list[str], *, forget_old: bool, as_json: bool) -> int:
    if len(words) < 2 or not " ".join(words[1:]).strip():
        raise OfficeError("memory edit needs the id and the new text: headcount memory EMPLOYEE edit ID TEXT")
    memory_id, text = words[0], " ".join(words[1:])
    try:
        new, old = await office.memory.edit(profile, memory_id, text, forget_old=forget_old)
    except MemoryRefused as exc:
        raise OfficeError(str(exc)) from None
    if as_json:
        print(json.dumps({"memory": _row(new, None), "replaced": old.id, "forgot_old": forget_old}, indent=2))
    elif new.id == old.id:
        print(f"{old.id} already says that; nothing changed.")
    else:
        kept = "the old wording is forgotten for good" if forget_old else f"{old.id} is kept, marked superseded"
        print(f"Edited: {new.id} now says it ({kept}).")
    return 0


async def _pin(office: Office, profile: Profile, action: str, words: list[str], *, as_json: bool) -> int:
    if len(words) != 1:
        raise OfficeError(f"memory {action} needs one memory id: headcount memory EMPLOYEE {action} ID")
    try:
        memory = await office.memory.set_pinned(profile, words[0], action == "pin")
    except MemoryRefused as exc:
        raise OfficeError(str(exc)) from None
    if as_json:
        print(json.dumps(_row(memory, None), indent=2, ensure_ascii=False))
    elif memory.pinned:
        print(f"Pinned {memory.id}: it is given with every task.")
        await _warn_crowded(office, profile, profile.employee_id)
    else:
        print(f"Unpinned {memory.id}: it is given when a task is about it.")
    return 0


async def _remember(office: Office, args: argparse.Namespace) -> int:
    book, profile = _book(office), _profile(office, args.employee)
    try:
        kept = await book.remember(
            profile, args.kind, args.text, subject=args.about, why=args.why, decided_by="the owner" if
            args.kind == "decisions" else "", source="owner", importance=0.8, pinned=True, team=args.team,
        )  # fmt: skip
    except MemoryRefused as exc:
        raise OfficeError(str(exc)) from None
    name = office.find(args.employee).record.name
    if kept.duplicate:
        print(f"{name} already remembers that as {kept.memory.id} (now pinned).")
    else:
        replaced = f"; it replaces {', '.join(kept.replaced)}" if kept.replaced else ""
        whose = f"{name}'s team" if args.team else name
        print(f"{whose} will remember it as {kept.memory.id} (pinned: given with every task){replaced}.")
    await _warn_crowded(office, profile, args.employee)
    return 0


async def _warn_crowded(office: Office, profile: Profile, who: str) -> None:
    unpin = f"headcount memory {shlex.quote(office.find(who).record.name)} unpin ID"
    warning = await _book(office).crowded(profile, unpin)
    if warning:
        print(f"Note: {warning}", file=sys.stderr)


async def _forget(office: Office, args: argparse.Namespace) -> int:
    memory = await _book(office).forget(args.id)
    if memory is None:
        raise OfficeError(f"no memory {args.id!r}")
    print(f"Forgot {memory.id} ({memory.kind}): its text is gone from memory, its search index and the log's copies.")
    return 0


def _row(memory: MemoryRecord, score: float | None) -> dict[str, Any]:
    row = dataclasses.asdict(memory)
    if score is not None:
        row["score"] = round(score, 6)
    return row


def _print(found: Sequence[tuple[MemoryRecord, float | None]], profile: Profile, *, as_json: bool, empty: str) -> int:
    """The memories, each dated by its day where the employee works (`--json` keeps the stored UTC time)."""
    if as_json:
        print(json.dumps([_row(m, s) for m, s in found], indent=2, ensure_ascii=False))
        return 0
    if not found:
        print(empty)
    for memory, _ in found:
        marks = "".join(
            [
                " pinned" if memory.pinned else "",
                " team" if memory.employee_id is None else "",
                f" → {memory.superseded_by}" if memory.superseded_by else "",
            ]
        )
        label = memory.kind + (f" ({memory.subject})" if memory.subject else "")
        text = " ".join(memory.text.split())
        day = local_day(memory.created_at, profile.timezone, memory.day)
        print(f"{memory.id:<14} {day}  {label:<24}{marks}\n    {text}")
    return 0


def _print_consolidation(report: Consolidation, *, as_json: bool) -> int:
    if as_json:
        row = dataclasses.asdict(report)
        row["day"] = report.day.isoformat()
        print(json.dumps(row, indent=2))
        return 0
    if report.journal_id is None:
        print(f"No work on {report.day.isoformat()}: no journal entry.", end=" ")
    else:
        print(f"Journal entry {report.journal_id} for {report.day.isoformat()}.", end=" ")
    print(
        f"{len(report.added)} new, {len(report.merged)} strengthened by a repeat, "
        f"{len(report.superseded)} superseded, {report.pruned} past retention removed."
    )
    return 0
