"""A small MCP server for the engine's tests, built with the SDK's server API.

Run over stdio: `python tests/fakes/mcp_server.py`. Over streamable HTTP on a socket the test
bound and listens on already (so there is nothing to wait for): `--http-fd FD`.
`--notes FILE` is where `add_note` appends; `--hang` adds a tool that never answers (`--hang-write`: one that writes
a note first);
`--chatty` prints FAKE_TOKEN on stderr at start;
`--odd-names` adds tools named `get.file`, `get_file` and `9lives`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations

READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=False)
LOCAL_WRITE = ToolAnnotations(read_only_hint=False, destructive_hint=False, open_world_hint=False)

server = MCPServer("headcount-fake")
notes: Path | None = None


@server.tool(annotations=READ_ONLY)
def echo(text: str) -> str:
    """Say the text back."""
    return text


@server.tool(annotations=READ_ONLY)
def pid() -> int:
    """The server's process id."""
    return os.getpid()


@server.tool(annotations=READ_ONLY)
def fail(reason: str) -> str:
    """Always fails, with the reason given."""
    raise ToolError(f"cannot do that: {reason}")


@server.tool(annotations=READ_ONLY)
def big(size: int) -> str:
    """A result of `size` characters."""
    return "x" * size


async def hang() -> str:
    """Never answers, and holds up the whole server meanwhile (as a server that does one thing at a time)."""
    threading.Event().wait()  # no clock: an event nobody sets blocks the loop (nothing else is served) until killed
    return "woke"


def note_then_hang(text: str) -> str:
    """Appends a line to the notes file, then never answers: a write that took effect and was never confirmed."""
    if notes is not None:
        with notes.open("a", encoding="utf-8") as stream:
            stream.write(text + "\n")
    threading.Event().wait()
    return "woke"


@server.tool(annotations=READ_ONLY)
def token_length() -> str:
    """How long FAKE_TOKEN is (never the token itself)."""
    return f"FAKE_TOKEN has {len(os.environ.get('FAKE_TOKEN', ''))} characters"


@server.tool(annotations=LOCAL_WRITE)
def add_note(text: str) -> str:
    """Append a line to the notes file."""
    if notes is None:
        raise ToolError("no notes file")
    with notes.open("a", encoding="utf-8") as stream:
        stream.write(text + "\n")
    return f"noted: {text}"


@server.tool()
def wipe() -> str:
    """No annotations: the cautious defaults (destructive, open world)."""
    return "wiped"


def called(name: str) -> Callable[[], str]:
    """A tool that says it was called, and by which name."""

    def tool() -> str:
        return f"called {name}"

    return tool


async def _serve_http(fd: int) -> None:
    import uvicorn

    listening = socket.socket(fileno=fd)
    config = uvicorn.Config(server.streamable_http_app(), log_level="warning", lifespan="on")
    await uvicorn.Server(config).serve(sockets=[listening])


def main() -> None:
    global notes
    parser = argparse.ArgumentParser()
    parser.add_argument("--notes", type=Path)
    parser.add_argument("--http-fd", type=int)
    parser.add_argument("--hang", action="store_true", help="also offer `hang`")
    parser.add_argument("--hang-write", action="store_true", help="also offer `note_then_hang` (a local write)")
    parser.add_argument("--odd-names", action="store_true", help="also offer get.file, get_file and 9lives")
    parser.add_argument("--chatty", action="store_true", help="print FAKE_TOKEN on stderr first, as debug output")
    args = parser.parse_args()
    notes = args.notes
    if args.chatty:
        print(f"debug: starting with token {os.environ.get('FAKE_TOKEN', '')}", file=sys.stderr, flush=True)
    if args.hang:
        server.tool(annotations=READ_ONLY)(hang)
    if args.hang_write:
        server.tool(annotations=LOCAL_WRITE)(note_then_hang)
    if args.odd_names:  # names a brief cannot write as they are, one of them clashing with a plain one
        for odd in ("get.file", "get_file", "9lives"):
            server.add_tool(called(odd), name=odd, description=f"Says {odd} was called.", annotations=READ_ONLY)
    if args.http_fd is not None:
        asyncio.run(_serve_http(args.http_fd))
    else:
        server.run()


if __name__ == "__main__":
    main()
