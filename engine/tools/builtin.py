"""Built-in tools every employee can be given: files and notes in its own workspace.

They are enough for a rehearsal team to do visible, useful work with no connected apps.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel, Field

from engine.secrets import redact
from engine.tools.base import FunctionTool, Tool, ToolContext, ToolError

MAX_READ_CHARS = 20_000


class NoArgs(BaseModel):
    model_config = {"extra": "forbid"}


class PathArg(BaseModel):
    model_config = {"extra": "forbid"}
    path: str = Field(description="Path relative to your workspace, e.g. drafts/newsletter.md")


class WriteArgs(BaseModel):
    model_config = {"extra": "forbid"}
    path: str = Field(description="Path relative to your workspace, e.g. drafts/newsletter.md")
    content: str = Field(description="The full text of the file")


class NoteArgs(BaseModel):
    model_config = {"extra": "forbid"}
    title: str = Field(description="Short title; a note with the same title is replaced")
    text: str


class QueryArgs(BaseModel):
    model_config = {"extra": "forbid"}
    query: str = Field(description="Words to look for")


def _inside(workspace: Path, relative: str) -> Path:
    """Resolve a model-given path, refusing anything outside the employee's workspace."""
    target = (workspace / relative).resolve()
    root = workspace.resolve()
    if target != root and root not in target.parents:
        raise ToolError(f"{relative!r} is outside your workspace")
    return target


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:60] or "note"


async def _list_files(ctx: ToolContext, _: NoArgs) -> str:
    files = sorted(str(p.relative_to(ctx.workspace)) for p in ctx.workspace.rglob("*") if p.is_file())
    return "\n".join(files) if files else "(your workspace is empty)"


async def _read_file(ctx: ToolContext, args: PathArg) -> str:
    target = _inside(ctx.workspace, args.path)
    if not target.is_file():
        raise ToolError(f"no file {args.path!r} in your workspace")
    text = target.read_text(encoding="utf-8", errors="replace")
    if len(text) > MAX_READ_CHARS:
        return text[:MAX_READ_CHARS] + f"\n[... truncated, {len(text)} characters in all]"
    return text


async def _write_file(ctx: ToolContext, args: WriteArgs) -> str:
    target = _inside(ctx.workspace, args.path)
    target.parent.mkdir(parents=True, exist_ok=True)
    content = redact(args.content)  # a stored key the model repeats is not written to the workspace
    target.write_text(content, encoding="utf-8")
    return f"wrote {args.path} ({len(content)} characters)"


async def _save_note(ctx: ToolContext, args: NoteArgs) -> str:
    notes = ctx.workspace / "notes"
    notes.mkdir(parents=True, exist_ok=True)
    (notes / f"{_slug(args.title)}.md").write_text(redact(f"# {args.title}\n\n{args.text}\n"), encoding="utf-8")
    return f"saved note {args.title!r}"


async def _search_notes(ctx: ToolContext, args: QueryArgs) -> str:
    words = [w for w in re.findall(r"\w+", args.query.lower()) if len(w) > 2]
    notes = ctx.workspace / "notes"
    hits: list[tuple[int, str, str]] = []
    for path in sorted(notes.glob("*.md")) if notes.is_dir() else []:
        text = path.read_text(encoding="utf-8", errors="replace")
        score = sum(text.lower().count(w) for w in words)
        if score:
            hits.append((score, path.stem, text[:300]))
    if not hits:
        return f"no notes match {args.query!r}"
    hits.sort(key=lambda h: (-h[0], h[1]))
    return "\n\n".join(f"[{stem}] {excerpt}" for _, stem, excerpt in hits[:5])


def builtin_tools() -> list[Tool]:
    return [
        FunctionTool("list_files", "List the files in your workspace.", NoArgs, _list_files),
        FunctionTool("read_file", "Read a file from your workspace.", PathArg, _read_file),
        FunctionTool(
            "write_file",
            "Create or replace a file in your workspace (drafts, reports, lists).",
            WriteArgs,
            _write_file,
            risk="internal_write",
        ),
        FunctionTool(
            "save_note",
            "Save a note for yourself (decisions, facts, follow-ups); same title replaces it.",
            NoteArgs,
            _save_note,
            risk="internal_write",
        ),
        FunctionTool("search_notes", "Search your saved notes.", QueryArgs, _search_notes),
    ]
