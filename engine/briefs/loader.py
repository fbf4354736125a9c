"""Load one brief file into a validated `Brief`, or raise one `BriefError` that says what to fix."""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from pathlib import Path

from pydantic import ValidationError

from engine.briefs.errors import BriefError, Problem, suggest
from engine.briefs.frontmatter import Document, locate, parse, problems_from
from engine.briefs.limits import CATALOG_BELT as CATALOG_BELT
from engine.briefs.limits import CEILING_COMMAND as CEILING_COMMAND
from engine.briefs.limits import DEFAULT_MAX_TOOLS as DEFAULT_MAX_TOOLS
from engine.briefs.limits import HARD_MAX_TOOLS as HARD_MAX_TOOLS
from engine.briefs.limits import check_ceiling as check_ceiling
from engine.briefs.model import Brief, BriefFields
from engine.briefs.vocabulary import APP_TOOLS, CONNECTIONS, TOOLS, as_mcp_grant, not_provided
from engine.tools.base import RISKS
from engine.tools.names import qualify, resolve, split


def load_brief(
    path: str | Path,
    *,
    known_tools: Collection[str] | None = None,
    known_skills: Collection[str] | None = None,
    max_tools: int = DEFAULT_MAX_TOOLS,
    missing_tools_ok: bool = False,
) -> Brief:
    """Read and validate a brief file.

    `known_tools` are the qualified names of the tools installed in this office (`read_file`,
    `acme.read_file`, and `mcp:files.*` for each connected MCP server, whose tools are listed when
    first used); the engine's own tools (`TOOLS`) are accepted too. A name nothing provides is an
    error that says what would provide it, and so is a bare name shared by several installed tools
    and no built-in: the brief must qualify it. With `missing_tools_ok`, any other name is accepted
    (a hired employee's brief at start-up: a tool removed since must not stop it). With None, tool
    names are not checked. Raises BriefError.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise BriefError.single(path, None, "no such file") from None
    except IsADirectoryError:
        raise BriefError.single(path, None, "this is a folder, not a brief file") from None
    except OSError as exc:
        raise BriefError.single(path, None, f"cannot read the file: {exc.strerror or exc}") from None
    return parse_brief(
        raw,
        path,
        known_tools=known_tools,
        known_skills=known_skills,
        max_tools=max_tools,
        missing_tools_ok=missing_tools_ok,
    )


def parse_brief(
    raw: bytes,
    source: Path,
    *,
    known_tools: Collection[str] | None = None,
    known_skills: Collection[str] | None = None,
    max_tools: int = DEFAULT_MAX_TOOLS,
    missing_tools_ok: bool = False,
) -> Brief:
    """Validate a brief's bytes (e.g. a stored version of it); `source` names it in errors.

    The keywords are those of `load_brief`.
    """
    check_ceiling(max_tools)
    doc = parse(raw, source)
    try:
        fields = BriefFields.model_validate(doc.data)
    except ValidationError as exc:
        raise BriefError(problems_from(exc, doc, BriefFields)) from None
    problems, warnings = _check(fields, doc, known_skills, max_tools)
    if known_tools is not None:
        problems += _check_tools(fields, doc, set(known_tools), missing_tools_ok)
    if problems:
        raise BriefError(problems)
    if not doc.body.strip():
        warnings.append("the brief has no body: add a few sentences in your own words after the front matter")
    return Brief(
        **dict(fields),
        body=doc.body,
        source=source,
        version=hashlib.sha256(raw).hexdigest()[:16],
        warnings=tuple(warnings),
    )


def _check(
    fields: BriefFields,
    doc: Document,
    known_skills: Collection[str] | None,
    max_tools: int,
) -> tuple[list[Problem], list[str]]:
    """Checks that need more than one field or something outside the file."""
    problems: list[Problem] = []
    warnings: list[str] = []

    def problem(loc: tuple[int | str, ...], message: str, field: str) -> None:
        problems.append(Problem(doc.path, locate(doc, loc), message, field))

    count = len(fields.tools)
    if count > max_tools:
        raise_it = (
            f", or raise the office's ceiling with `{CEILING_COMMAND} {count}`" if count <= HARD_MAX_TOOLS else ""
        )
        problem(
            ("tools",),
            f"{count} tools is more than the ceiling of {max_tools}; give this employee a smaller belt "
            f"(the catalog keeps belts at {CATALOG_BELT} or fewer) or split the role in two{raise_it}",
            "tools",
        )
    elif count > CATALOG_BELT:
        warnings.append(
            f"{count} tools on the belt: above {CATALOG_BELT} employees choose tools less reliably; "
            "consider a smaller belt"
        )
    seen_tools: set[str] = set()
    for i, name in enumerate(fields.tools):
        meaning = qualify(*split(name))  # `builtin.read_file` is `read_file`
        if meaning in seen_tools:
            problem(("tools", i), f"tool '{name}' is listed twice", f"tools[{i}]")
        seen_tools.add(meaning)
    for kind, names, valid in (
        ("skill", fields.skills, None if known_skills is None else set(known_skills)),
        ("connection", fields.connections, set(CONNECTIONS)),
    ):
        seen: set[str] = set()
        field = f"{kind}s"
        for i, name in enumerate(names):
            if name in seen:
                problem((field, i), f"{kind} '{name}' is listed twice", f"{field}[{i}]")
            seen.add(name)
            if valid is not None and name not in valid:
                problem((field, i), f"unknown {kind} '{name}'{suggest(name, valid)}", f"{field}[{i}]")
    for name in fields.tools:
        info = TOOLS.get(name)
        if info and info.connection and info.connection not in fields.connections:
            warnings.append(f"tool '{name}' needs the '{info.connection}' connection, which is not listed")
    for i, rule in enumerate(fields.escalate):
        if rule.to == fields.id:
            problem(("escalate", i, "to"), "an employee cannot escalate to its own role", f"escalate[{i}].to")
    return problems, warnings


def _check_tools(fields: BriefFields, doc: Document, installed: set[str], missing_ok: bool) -> list[Problem]:
    """Each tool name against this office's tools: installed (one of them), or in the vocabulary."""
    problems: list[Problem] = []
    listed: set[str] = set()  # the tools named so far
    written: set[str] = set()  # the names so far, as written (`_check` reports those twice)
    for i, name in enumerate(fields.tools):
        written_as = qualify(*split(name))
        match = resolve(as_mcp_grant(name) or name, installed)  # `crm_lookup`: the `crm` MCP server's tools
        message = None
        if len(match) > 1:
            choices = " or ".join(f"'{q}'" for q in match)
            message = (
                f"tool '{name}' is ambiguous: more than one installed tool has that name (did you mean {choices}?)"
            )
        elif match and match[0] in listed and written_as not in written:
            message = f"tool '{name}' means '{match[0]}', which is listed already"
        elif not match and name not in TOOLS and not missing_ok:
            hint = suggest(name, installed | set(TOOLS) | set(APP_TOOLS))
            message = not_provided(name, installed) or f"unknown tool '{name}'{hint}"
        listed.update(match[:1])
        written.add(written_as)
        if message:
            problems.append(Problem(doc.path, locate(doc, ("tools", i)), message, f"tools[{i}]"))
    # A tool named in the approval rules must be one too: a misspelt name would replace the default gates
    # (external communication, spending, destruction) with a rule that matches nothing.
    ruled: list[tuple[tuple[str | int, ...], str, str]] = [
        (("approvals", "require", i), name, f"approvals.require[{i}]")
        for i, name in enumerate(fields.approvals.require)
        if name not in RISKS
    ]
    ruled += [(("approvals", "risk", name), name, f"approvals.risk.{name}") for name in fields.approvals.risk]
    for loc, name, field in ruled:
        # A server's tools are known only once it runs (`mcp:notes.archive`): those names are taken as written.
        own = name in fields.tools or name.startswith("mcp:")
        if not (own or resolve(as_mcp_grant(name) or name, installed) or name in TOOLS or missing_ok):
            hint = suggest(name, installed | set(TOOLS) | set(APP_TOOLS))
            problems.append(Problem(doc.path, locate(doc, loc), f"unknown tool '{name}'{hint}", field))
    return problems
