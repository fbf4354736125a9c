"""Rehearsal on a team: a sprint card's work reads the team files it builds on and leaves its own in the team's
workspace, so the next card's owner finds it there (the board queues that card once this one is done).

A card's task says what it builds on and what it delivers, one line each (engine.teams.desk): `Builds on:
sprints/launch-3/brief.md` and `Deliverable: sprints/launch-3/writer.md`. Nothing here is guessed from a task's
other words.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any

from engine.llm.rehearsal_draft import first_line

BUILDS_ON = re.compile(r"^Builds on: (\S+)\s*$", re.MULTILINE)
DELIVERABLE = re.compile(r"^Deliverable: (\S+)\s*$", re.MULTILINE)
STALE = re.compile(r"^(?:error: )?stale: \S+ is at version (\d+)")  # as the loop returns a tool's error
MAX_READS = 2  # team files read per card: the ship card builds on every part, and a rehearsal stays short
NOT_YET = "no team file"  # team_read of a file nobody wrote (its card was reassigned, split or escalated)


def reads(task: str, offered: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The team files the card builds on, read before drafting."""
    if "team_read" not in offered:
        return []
    return [("team_read", {"path": path}) for path in BUILDS_ON.findall(task)[:MAX_READS]]


def delivery(
    task: str, draft: str, done: Collection[str], written: str | None, offered: Mapping[str, Any]
) -> list[tuple[str, dict[str, Any]]]:
    """The card's deliverable written to the team's workspace: once as a new file, then again on the version a
    stale write names (a revision round, or a file a teammate wrote first). `written`: team_write's latest
    result. Written once, whatever the draft says by the next step (compaction may fold what it was built on)."""
    found = DELIVERABLE.search(task)
    if found is None or "team_write" not in offered:
        return []
    path = found.group(1)
    if "team_write" not in done:
        return [("team_write", {"path": path, "content": draft, "base_version": 0})]
    stale = STALE.match(written or "")
    if stale is None:
        return []
    return [("team_write", {"path": path, "content": draft, "base_version": int(stale.group(1))})]


def expected(name: str, result: str) -> bool:
    """A team tool's answer that is part of the plan, not a failure: a file not written yet, a stale version."""
    return (name == "team_read" and NOT_YET in result) or (name == "team_write" and STALE.match(result) is not None)


def found(read: Mapping[str, str]) -> list[str]:
    """What the team files said, for the draft (`read`: team_read's results by path)."""
    lines = []
    for path, result in read.items():
        if NOT_YET in result:
            lines.append(f"Team file {path}: not written yet")
            continue
        body = result.split("\n", 1)[1] if result.startswith("[version") and "\n" in result else result
        lines.append(f"Built on {path}: {first_line(body, '(empty)')}")
    return lines
