"""`remember`, `recall` and `correct`: an employee keeps, searches and fixes its own memories.

Installed in every office beside the built-ins; an employee has them when its brief names them.
They honour the brief's `memory:` block: nothing works when it is off, `remember` keeps only the
kinds listed, and `recall` never returns what is older than `retention_days`.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from engine.briefs.model import MemoryKind
from engine.memory.book import Memories
from engine.memory.context import render
from engine.memory.records import MemoryRefused
from engine.tools.base import FunctionTool, Tool, ToolContext, ToolError


class RememberArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: MemoryKind
    text: str = Field(description="The fact or decision in one or two plain sentences")
    about: str = Field("", description="Who or what it is about, e.g. a customer; replaces older memories about it")
    why: str = Field("", description="For a decision: why")
    by: str = Field("", description="For a decision: who decided")
    team: bool = Field(False, description="Share with your team")


class RecallArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    query: str = Field(description="Words to look for")
    kind: MemoryKind | None = None


class CorrectArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(description="The memory's id, e.g. mem_12")
    text: str = Field(description="What is true instead")
    why: str = ""


def memory_tools(book: Memories) -> list[Tool]:
    """The three memory tools, bound to the office's memory book."""

    async def remember(ctx: ToolContext, args: RememberArgs) -> str:
        profile = book.profile(ctx.employee_id)
        try:
            kept = await book.remember(
                profile,
                args.kind,
                args.text,
                subject=args.about,
                why=args.why,
                decided_by=args.by,
                source="task",
                source_id=ctx.task_id,
                team=args.team,
                check_kind=True,
            )
        except MemoryRefused as exc:
            raise ToolError(str(exc)) from None
        if kept.duplicate:
            return f"already remembered as {kept.memory.id}"
        replaced = f"; replaces {', '.join(kept.replaced)}" if kept.replaced else ""
        return f"remembered as {kept.memory.id}{replaced}"

    async def recall(ctx: ToolContext, args: RecallArgs) -> str:
        profile = book.profile(ctx.employee_id)
        if not profile.settings.enabled:
            raise ToolError("memory is switched off in your brief (memory: enabled: false)")
        found = await book.recall(profile, args.query, kinds=[args.kind] if args.kind else None, include_journal=True)
        if not found:
            return f"nothing remembered matches {args.query!r}"
        return "\n".join(render(memory, profile.timezone) for memory, _ in found)

    async def correct(ctx: ToolContext, args: CorrectArgs) -> str:
        profile = book.profile(ctx.employee_id)
        try:
            book.check_enabled(profile)
            new = await book.correct(profile, args.id, args.text, why=args.why, source="task")
        except MemoryRefused as exc:
            raise ToolError(str(exc)) from None
        return f"corrected: {new.id} replaces {args.id}"

    return [
        FunctionTool(
            "remember",
            "Remember a fact or decision for later days (tone, preferences, customers, contacts, ...).",
            RememberArgs,
            remember,
            risk="internal_write",
        ),
        FunctionTool("recall", "Search what you remember.", RecallArgs, recall),
        FunctionTool(
            "correct",
            "Replace a remembered fact that is wrong; the old one is kept as superseded.",
            CorrectArgs,
            correct,
            risk="internal_write",
        ),
    ]
