"""The team tools every team member works with: the board, hand-offs and the versioned team workspace.

`team_write` is optimistic: it names the version it read (`base_version`, 0 for a new file), and a
write based on a stale version is refused with the current one, so the employee reads it and retries.

Each version is kept whole beside the newest copy (`.versions/NAME.vN`, made by a rename: never half a file)
before its row is recorded. A kept version with no row (Headcount stopped between the two) is still that
version: the file was written, so team_read shows it and team_write builds on it, whatever the owner later
answers about the interrupted call.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from engine.store import teams as store
from engine.store.journal import Journal
from engine.teams.board import MOVABLE
from engine.teams.desk import Teams
from engine.teams.errors import TeamError
from engine.teams.files import VersionTaken, off_loop, read_version, unrecorded, write_version
from engine.tools.base import FunctionTool, Tool, ToolContext, ToolError

TEAM_TOOLS = ("team_board", "move_card", "hand_off", "team_read", "team_write")
LEAD_TOOLS = ("reassign_task", "split_task", "escalate_to_owner")  # the lead's, for stuck work
BOARD_CLOSED_SHOWN = 20  # closed cards in the team_board tool's answer: a model's context is no archive


class NoArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MoveArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    card: str = Field(description="The card's id, e.g. card_3")
    column: str = Field(description="One of: " + ", ".join(MOVABLE))


class HandOffArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    to: str = Field(description="The teammate's name or id")
    title: str = Field(description="The next task, in a few words")
    note: str = Field(description="What they need to know to do it")
    artifact: str | None = Field(None, description="A team file they should build on, e.g. drafts/brief.md")


class ReadArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: str = Field(description="A file in the team workspace, e.g. drafts/brief.md")


class TeamWriteArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: str = Field(description="A file in the team workspace, e.g. drafts/brief.md")
    content: str = Field(description="The full new text of the file")
    base_version: int = Field(description="The version you read (team_read says it); 0 for a new file")


def team_tools(teams: Teams, journal: Journal) -> list[Tool]:
    """The five team tools, bound to the office's teams desk."""
    lock = asyncio.Lock()  # one office writes team files; the key (team, path, version) guards the rest

    def team(ctx: ToolContext) -> str:
        found = teams.team_of(ctx.employee_id)
        if found is None:
            raise ToolError("you are not on a team")
        return found

    async def board(ctx: ToolContext, _: NoArgs) -> str:
        names = await teams.everyone()
        cards = [c.as_json(names) for c in await teams.board(team(ctx), closed_limit=BOARD_CLOSED_SHOWN)]
        return json.dumps(cards, indent=1) if cards else "(the board is empty)"

    async def move(ctx: ToolContext, args: MoveArgs) -> str:
        if args.column not in MOVABLE:
            raise ToolError(f"a card can be moved to {', '.join(MOVABLE)}; it is done when its task is")
        try:
            await teams.move(ctx.employee_id, args.card, args.column)
        except TeamError as exc:
            raise ToolError(str(exc)) from None
        return f"moved {args.card} to {args.column}"

    async def hand_off(ctx: ToolContext, args: HandOffArgs) -> str:
        try:
            task = await teams.hand_off(ctx.employee_id, ctx.task_id, args.to, args.title, args.note, args.artifact)
        except TeamError as exc:
            raise ToolError(str(exc)) from None
        return f"handed off to {args.to} as {task.id}"

    async def version_of(name: str, path: str, target: Path) -> int:
        """The newest version of a team file: its newest row, or a kept version written after it unrecorded."""
        recorded = await journal.read(lambda c: store.read_artifact_version(c, name, path))
        return await off_loop(lambda: unrecorded(target, recorded))

    async def read(ctx: ToolContext, args: ReadArgs) -> str:
        name = team(ctx)
        target = _inside(teams.workspace(name), args.path)
        version = await version_of(name, args.path, target)
        text = await off_loop(lambda: read_version(target, version))
        if text is None:
            raise ToolError(f"no team file {args.path!r} yet (write it with team_write, base_version 0)")
        return f"[version {version}]\n" + text

    async def write(ctx: ToolContext, args: TeamWriteArgs) -> str:
        name = team(ctx)
        target = _inside(teams.workspace(name), args.path)
        async with lock:
            current = await version_of(name, args.path, target)
            if args.base_version != current:
                raise ToolError(
                    f"stale: {args.path} is at version {current}, not {args.base_version}; "
                    f"read it with team_read and write again with base_version {current}"
                )
            version = current + 1
            digest = hashlib.sha256(args.content.encode()).hexdigest()
            # Off the event loop: a hung disk or share stalls this call, not the office (engine/teams/files.py).
            abandoned = threading.Event()
            try:
                await off_loop(lambda: write_version(args.content, target, version, abandoned), abandoned)
            except VersionTaken as exc:
                raise ToolError(f"stale: {args.path} {exc}; read it with team_read and write again") from None
            await journal.write(
                store.insert_artifact(name, args.path, version, digest, ctx.employee_id, ctx.task_id, _now(teams))
            )
        return f"wrote {args.path} version {version}"

    return [
        FunctionTool(
            "team_board",
            "Read your team's board: every open card and the latest closed ones, each with its owner and column.",
            NoArgs,
            board,
        ),
        FunctionTool(
            "move_card", "Move one of your own cards on the team board.", MoveArgs, move, risk="internal_write"
        ),
        FunctionTool(
            "hand_off",
            "Hand the next task to a teammate with a short note (and a team file to build on).",
            HandOffArgs,
            hand_off,
            risk="internal_write",
            idempotent=False,
        ),
        FunctionTool("team_read", "Read a file of the team workspace, with its version.", ReadArgs, read),
        FunctionTool(
            "team_write",
            "Write a file of the team workspace, based on the version you read (0 for a new file).",
            TeamWriteArgs,
            write,
            risk="internal_write",
            idempotent=False,
        ),
    ]


class ReassignArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    task: str = Field(description="The stuck task's id")
    to: str = Field(description="The teammate's name or id")


class SplitArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    task: str = Field(description="The stuck task's id")
    first: str = Field(description="The first half, in a sentence")
    second: str = Field(description="The second half, in a sentence")


class EscalateArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    task: str = Field(description="The stuck task's id")
    question: str = Field(description="What the owner should decide")


def lead_tools(teams: Teams) -> list[Tool]:
    """The lead's three answers to stuck work: reassign, split, or ask the owner."""

    def own(ctx: ToolContext) -> None:
        team = teams.team_of(ctx.employee_id)
        if team is None or teams.lead(team).id != ctx.employee_id:
            raise ToolError("only the team's lead can do this")

    async def reassign(ctx: ToolContext, args: ReassignArgs) -> str:
        own(ctx)
        try:
            task = await teams.reassign(args.task, args.to)
        except TeamError as exc:
            raise ToolError(str(exc)) from None
        return f"{task.id} is now {teams.names().get(task.employee_id, task.employee_id)}'s, queued"

    async def split(ctx: ToolContext, args: SplitArgs) -> str:
        own(ctx)
        try:
            one, two = await teams.split(args.task, args.first, args.second, by=ctx.employee_id)
        except TeamError as exc:
            raise ToolError(str(exc)) from None
        return f"split into {one.id} and {two.id}, both queued"

    async def escalate(ctx: ToolContext, args: EscalateArgs) -> str:
        own(ctx)
        try:
            await teams.escalate_to_owner(args.task, args.question, by=ctx.employee_id)
        except TeamError as exc:
            raise ToolError(str(exc)) from None
        return f"{args.task} waits for the owner's answer"

    return [
        FunctionTool("reassign_task", "Give a stuck task of your team to another member.", ReassignArgs, reassign,
                     risk="internal_write", idempotent=False),
        FunctionTool("split_task", "Split a stuck task of your team into two for its owner.", SplitArgs, split,
                     risk="internal_write", idempotent=False),
        FunctionTool("escalate_to_owner", "Park a stuck task of your team with a question for the owner.",
                     EscalateArgs, escalate, risk="internal_write", idempotent=False),
    ]  # fmt: skip


def _inside(root: Path, relative: str) -> Path:
    root, target = root.resolve(), (root / relative).resolve()
    if root not in target.parents or any(p.startswith(".") for p in target.relative_to(root).parts):
        raise ToolError(f"{relative!r} is outside the team workspace")
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


def _now(teams: Teams) -> str:
    return teams.now()
