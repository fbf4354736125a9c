"""CLI commands for connected tools: `connect mcp`, `connections`, `disconnect`, and `answer` (ask_owner)."""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from engine import cli_apps as apps_cli
from engine import cli_input
from engine.apps.accounts import holder, holders, name_free, qualified
from engine.cli_email import add_parser as add_email_parser
from engine.cli_email import connect_email, disconnect_email, email_rows
from engine.connections import connect, disconnect, secret_in_args
from engine.errors import invalid_input
from engine.office import Office, OwnerError
from engine.runlock import to_go_on
from engine.tools.ask import answer
from engine.tools.mcp_config import CALL_TIMEOUT_S, MAX_CALL_TIMEOUT_S, McpServerConfig, McpStartError
from engine.tools.names import local_names, valid_name

Handler = Callable[[Office, argparse.Namespace], Awaitable[int]]
SHOWN_TOOLS = 6  # tool names shown per server before "…"


def add_commands(sub: Any) -> dict[str, Handler]:
    p = sub.add_parser("connect", help="connect a tool source your employees can be granted (an MCP server)")
    kinds = p.add_subparsers(dest="kind", metavar="KIND", required=True, parser_class=_ServerCommandLine)
    m = kinds.add_parser(
        "mcp",
        help="an MCP server: `connect mcp NAME -- COMMAND ARGS…` or `connect mcp NAME --url URL`",
        usage="headcount connect mcp NAME [options] -- COMMAND ARGS…  |  headcount connect mcp NAME --url URL",
        description="Connect an MCP server: everything after -- is the command that runs it. Its tools are "
        "granted in a brief as mcp:NAME.* or mcp:NAME.TOOL; it starts when a granted employee first needs it.",
    )
    m.add_argument("name", help="what briefs call it: lowercase letters, digits, - or _ (e.g. files)")
    m.add_argument("--url", help="a streamable-HTTP MCP server's address instead of a command")
    m.add_argument(
        "--env", action="append", default=[], metavar="VAR[=KEY]", help="VAR from the keyring entry KEY (repeatable)"
    )
    m.add_argument(
        "--header", action="append", default=[], metavar="NAME=KEY", help="an HTTP header from the keyring (repeatable)"
    )
    m.add_argument(
        "--timeout",
        type=cli_input.seconds_up_to(MAX_CALL_TIMEOUT_S),
        default=CALL_TIMEOUT_S,
        metavar="SECONDS",
        help=f"per tool call (default {CALL_TIMEOUT_S:g}, at most {MAX_CALL_TIMEOUT_S:g})",
    )
    m.add_argument("--no-check", action="store_true", help="keep it without starting it once to list its tools")
    add_email_parser(kinds)  # `connect email NAME …` (engine.cli_email)
    apps_cli.add_kinds(kinds)  # calendar, github, google, microsoft (engine.cli_apps)

    p = sub.add_parser(
        "connections",
        help="connected MCP servers, email accounts and apps, each tried once (exit 1 when one does not work)",
    )
    p.add_argument("--json", action="store_true")
    p.add_argument("--no-check", action="store_true", help="list them without starting them")

    p = sub.add_parser("disconnect", help="forget a connected MCP server, email account or app")
    p.add_argument("name", help="its name, or email:NAME, calendar:NAME, mcp:NAME… where several share one")

    p = sub.add_parser("answer", help="answer the question an employee asked you (the task goes on)")
    p.add_argument("task", help="task id (shown by `headcount run` and `headcount tasks`)")
    p.add_argument("text", help="your answer")

    handlers: dict[str, Handler] = {"connect": _connect, "connections": _connections, "disconnect": _disconnect}
    return {**handlers, "answer": _answer, **apps_cli.add_commands(sub)}


class _ServerCommandLine(argparse.ArgumentParser):
    """Everything after `--` is the server's command line (`args.argv`), however it looks: argparse alone
    would read its options as ours, or give up on a positional list that follows options."""

    def parse_known_args(  # type: ignore[override]
        self, args: list[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        words = list(args or [])
        command = words[words.index("--") + 1 :] if "--" in words else []
        words = words[: words.index("--")] if "--" in words else words
        parsed, extras = super().parse_known_args(words, namespace)
        parsed.argv = command
        return parsed, extras


def config_from(args: argparse.Namespace) -> McpServerConfig:
    """The server `connect mcp` describes. Raises OwnerError with what to change."""
    if bool(args.argv) == bool(args.url):
        raise OwnerError("give the server's command after `--` (connect mcp NAME -- COMMAND ARGS…) or --url URL")
    try:
        config = McpServerConfig(
            name=args.name,
            command=args.argv[0] if args.argv else None,
            args=tuple(args.argv[1:]),
            cwd=str(Path.cwd()) if args.argv else None,
            url=args.url,
            env=_pairs(args.env, "--env", default_to_name=True),
            headers=_pairs(args.header, "--header", default_to_name=False),
            timeout_s=args.timeout,
        )
    except ValidationError as exc:
        raise OwnerError(invalid_input(exc)) from None
    if (what := config.secret_looking()) is not None:  # before it is started, printed or stored anywhere
        raise OwnerError(secret_in_args(what))
    return config


def _pairs(items: list[str], option: str, *, default_to_name: bool) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for item in items:
        name, eq, key = item.partition("=")
        if not eq and not default_to_name:
            raise OwnerError(f"{option} takes NAME=KEY (the keyring entry holding its value), got {item!r}")
        pairs[name] = key if eq else name
    return pairs


async def _connect(office: Office, args: argparse.Namespace) -> int:
    if args.kind == "email":
        return await connect_email(office, args)
    if args.kind != "mcp":
        return int(await args.run(office, args))
    config = config_from(args)
    await name_free(office, config.name, "mcp")  # before it is started
    tools: tuple[str, ...] = ()
    if not args.no_check:
        try:
            tools = await office.connections.check(config)
        except McpStartError as exc:
            raise OwnerError(f"{exc}\nNothing was saved; fix it and try again (or add --no-check).") from None
    replaced = await connect(office, config)
    verb = "Reconnected" if replaced else "Connected"
    print(f"{verb} the MCP server '{config.name}' ({config.describe()}).")
    names = local_names(tools)
    if tools:
        print(f"Its {len(tools)} tools: {_names(list(names.values()))}")
        if renamed := _renamed(names):
            print(renamed)
    first = next(iter(names.values()), "TOOL")
    print(f"Grant them in a brief's tools as mcp:{config.name}.* (all) or mcp:{config.name}.{first}.")
    for key in config.key_names:
        print(f"It reads the key '{key}' from the keyring when it starts (`headcount key set {key}`).")
    return 0


async def _connections(office: Office, args: argparse.Namespace) -> int:
    """Every connection, each tried once and all at the same time, so dead servers cost the longest of their
    timeouts, not the sum; shown in a stable order. Exit 1 when one that was tried does not work."""
    rows, mail, apps = await asyncio.gather(
        _server_rows(office, args.no_check),
        email_rows(office, check=not args.no_check),
        apps_cli.app_rows(office, not args.no_check),
    )
    failed = int(any(row["status"] == "error" for row in [*rows, *mail, *apps]))
    if args.json:
        print(json.dumps([*rows, *mail, *apps], indent=2))
        return failed
    for app in apps:
        state = {"ok": "ok", "unchecked": "not checked"}.get(app["status"], f"does not work: {app['error']}")
        granted = ", ".join(app["granted"]) or "nobody yet"
        print(f"{app['name']:<14} {app['runs']}\n{'':<14} {state}; granted to {granted}")
    if not rows and not mail and not apps:
        print("No MCP servers are connected. Connect one with: headcount connect mcp NAME -- COMMAND ARGS…")
    for row in mail:
        state = {"ok": "ok", "unchecked": "not checked"}.get(row["status"], f"does not work: {row['error']}")
        print(f"{row['name']:<14} email: {row['runs']}\n{'':<14} {state}; grant as {row['grants']}")
    for row in rows:
        if row["status"] == "ok":
            state = f"ok, {len(row['tools'])} tools: {_names(row['tools'])}"
            made = set(row["renamed"].values())
            if renamed := _renamed({**{t: t for t in row["tools"] if t not in made}, **row["renamed"]}):
                state += f"\n{'':<14} {renamed}"
        elif row["status"] == "unchecked":
            state = "not checked"
        else:
            state = f"does not work: {row['error']}"
        print(f"{row['name']:<14} {row['runs']}\n{'':<14} {state}")
    return failed


async def _server_rows(office: Office, skip: bool) -> list[dict[str, Any]]:
    configs = await office.connections.configs()
    return list(await asyncio.gather(*(_status(office, c, skip) for c in configs.values())))


async def _status(office: Office, config: McpServerConfig, skip: bool) -> dict[str, Any]:
    row: dict[str, Any] = {
        "name": config.name,
        "transport": "http" if config.url else "stdio",
        "runs": config.describe(),
        "keys": list(config.key_names),
        "grants": f"mcp:{config.name}.*",
        "status": "unchecked",
        "tools": [],  # as a brief names them: mcp:NAME.TOOL
        "renamed": {},  # the server's own name -> that name, where they differ
        "error": None,
    }
    if not skip:
        try:
            names = local_names(await office.connections.check(config))
            row["tools"] = list(names.values())
            row["renamed"] = {raw: name for raw, name in names.items() if raw != name}
            row["status"] = "ok"
        except McpStartError as exc:
            row["status"], row["error"] = "error", str(exc)
    return row


async def _disconnect(office: Office, args: argparse.Namespace) -> int:
    kind, name = qualified(args.name)
    held = await office.journal.read(lambda conn: holders(conn, name))
    if kind is None and len(held) > 1:  # one name was once allowed for several kinds at a time
        raise OwnerError(
            f"'{name}' names {' and '.join(held.values())}: say which, e.g. "
            f"`headcount disconnect {next(iter(held))}:{name}`"
        )
    kind = kind or next(iter(held), None)
    if kind is None:
        raise OwnerError(f"nothing is connected as '{name}' (see `headcount connections`)")
    if kind not in held:
        raise OwnerError(f"no {holder(kind, name).removeprefix('the ')} is connected (see `headcount connections`)")
    if kind == "email":
        await disconnect_email(office, name)
        return 0
    if kind != "mcp":
        await apps_cli.disconnect_app(office, name)
        return 0
    granted = await disconnect(office, name)
    print(f"Disconnected the MCP server '{name}'.")
    if granted:
        print(
            f"The briefs of {', '.join(granted)} still grant its tools: their next tasks park until you "
            f"connect it again or take mcp:{name} out of those briefs."
        )
    return 0


async def _answer(office: Office, args: argparse.Namespace) -> int:
    await answer(office, args.task, args.text)
    print(f"{args.task}: answered. {to_go_on(office.home.root)}")
    return 0


def _renamed(names: dict[str, str]) -> str | None:
    """The server's tool names a brief writes otherwise, and why, in one line (None when there are none)."""
    renamed = [(raw, name) for raw, name in names.items() if raw != name]
    if not renamed:
        return None
    holders = {name: raw for raw, name in names.items()}
    shown = []
    for raw, name in renamed[:SHOWN_TOOLS]:
        plain = valid_name(raw)  # the name it would have had, when another tool holds it
        holder = holders.get(plain) if plain != name else None
        why = (
            ""
            if holder is None
            else f" ({plain} is the server's own)"
            if holder == plain
            else f" ({plain} is {_cut(holder)!r})"
        )
        shown.append(f"{_cut(raw)!r} as {name}{why}")
    more = f", … ({len(renamed) - SHOWN_TOOLS} more)" if len(renamed) > SHOWN_TOOLS else ""
    return f"A brief names {len(renamed)} of them otherwise (letters, digits, _ and - only): {', '.join(shown)}{more}"


def _cut(raw: str) -> str:
    return raw if len(raw) <= 40 else f"{raw[:39]}…"


def _names(tools: list[str] | tuple[str, ...]) -> str:
    shown = ", ".join(tools[:SHOWN_TOOLS])
    return shown + (f", … ({len(tools) - SHOWN_TOOLS} more)" if len(tools) > SHOWN_TOOLS else "")
