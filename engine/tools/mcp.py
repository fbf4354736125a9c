"""MCP servers as a source of tools: one connection per server, started on first use and again after it dies.

Each start runs in an asyncio task of its own that enters and leaves the SDK's `Client`: its anyio
task groups must be left by the task that entered them. Employees' tasks only send calls through
it. A server that stops by itself is noticed when its stream ends, and started again on the next
call; a read-only call cut short by a dying server is sent once more to the new one.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, TextIO

import anyio
import mcp_types
from mcp import Client, StdioServerParameters
from mcp.client._transport import Transport, TransportStreams
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from engine.redaction import redact
from engine.tools.base import MAX_RESULT_CHARS, MaybeDone, ToolContext, ToolError, ToolSpec, cap_result
from engine.tools.mcp_config import START_TIMEOUT_S, McpServerConfig, McpStartError, Secret
from engine.tools.names import local_names
from engine.tools.risk import hints_from_mcp, risk_from_hints

log = logging.getLogger(__name__)

STOP_TIMEOUT_S = 10.0  # the SDK closes stdin, waits, then kills the process tree: bounded well below this
LOG_ROLL_BYTES = 1_000_000  # a server's stderr log is rolled over (one old copy kept) at start above this
LOG_LINE_BYTES = 65_536  # a longer line reaches the log in pieces, each masked
LOG_DRAIN_S = 5.0  # after a server stops, how long its last words may take to reach its log
MAX_DESCRIPTION_CHARS = 1024


@dataclass(eq=False)
class _Run:
    """One run of a server: its task, its client and tools once started, whether its stream is open."""

    stop: asyncio.Event = field(default_factory=asyncio.Event)
    gone: asyncio.Event = field(default_factory=asyncio.Event)  # set when its incoming stream ends
    open: bool = True  # cleared with `gone`, or when a call finds it gone
    runner: asyncio.Task[None] | None = None
    client: Client | None = None
    tools: tuple[mcp_types.Tool, ...] = ()


class McpConnection:
    """One configured MCP server as this process runs it."""

    def __init__(
        self, config: McpServerConfig, *, secret: Secret, log_path: Path, start_timeout_s: float = START_TIMEOUT_S
    ) -> None:
        self.config = config
        self.starts = 0  # how often it was started (a restart counts)
        self._secret = secret
        self._log_path = log_path
        self.start_timeout_s = start_timeout_s
        self._lock = asyncio.Lock()
        self._run: _Run | None = None

    @property
    def alive(self) -> bool:
        run = self._run
        return run is not None and run.open and run.client is not None and not (run.runner and run.runner.done())

    async def start(self) -> tuple[mcp_types.Tool, ...]:
        """Its tools as listed at start; starts it (again) when it is not running. Raises McpStartError."""
        async with self._lock:
            if not self.alive:
                await self._halt()
                self._run = await self._begin()
                self.starts += 1
            assert self._run is not None
            return self._run.tools

    async def call(self, tool: str, arguments: dict[str, Any], *, retry_safe: bool) -> mcp_types.CallToolResult:
        """Call one of its tools. Raises McpStartError, or ToolError with a message for the model.

        `retry_safe`: the call may be sent again when the server died under it (a read-only tool). One that is
        not and was cut short (a timeout, the server gone) raises MaybeDone: it may have taken effect, so its task
        parks for the owner (`headcount resolve`) instead of the model trying it again on a guess.
        """
        failed = ToolError if retry_safe else MaybeDone
        doubt = "" if retry_safe else "; it may or may not have done it"
        for attempt in (1, 2):
            await self.start()
            run = self._run
            assert run is not None and run.client is not None
            try:
                async with asyncio.timeout(self.config.timeout_s):
                    return await run.client.call_tool(tool, arguments)
            except TimeoutError:
                # Many servers do one thing at a time: one hung call would hold every later one up to its timeout.
                await self._drop(run)
                name, limit = self.config.name, self.config.timeout_s
                then = (  # the model reads a ToolError; the owner reads a MaybeDone, as its parked task's reason
                    f"It starts afresh on your next call; if {tool} needs longer, ask the owner to connect '{name}' "
                    "again with a larger --timeout."
                    if retry_safe
                    else f"If {tool} needs longer, connect '{name}' again with a larger --timeout."
                )
                raise failed(
                    f"the MCP server '{name}' did not answer {tool} within {limit:g} s (its --timeout), so it was "
                    f"stopped{doubt}. {then}"
                ) from None
            except asyncio.CancelledError:
                run.open = False  # cut short from outside (the office stopping): its answer would never be read
                raise
            except MCPError as exc:
                if exc.error.code != mcp_types.CONNECTION_CLOSED:
                    raise ToolError(
                        f"the MCP server '{self.config.name}' refused the call: {exc.error.message}"
                    ) from None
            except (anyio.ClosedResourceError, anyio.BrokenResourceError, anyio.EndOfStream):
                pass
            run.open = False  # it went away under the call: the next start replaces it
            if not (retry_safe and attempt == 1):
                break
        then = "It starts again on your next call." if retry_safe else "It starts again when it is next needed."
        raise failed(f"the MCP server '{self.config.name}' stopped while running {tool}{doubt}. {then}")

    async def until_gone(self) -> None:
        """Return once the running server has gone away (stopped, killed, hung up), or at once if none runs."""
        run = self._run
        if run is not None:
            await run.gone.wait()

    async def close(self) -> None:
        """Stop the server (its process too, for a command); closing twice is harmless."""
        async with self._lock:
            await self._halt()

    # --- one run ----------------------------------------------------------------------------------

    async def _begin(self) -> _Run:
        if (refused := self.config.unsafe_to_start()) is not None:  # kept before the rule: its keys stay here
            raise McpStartError(refused)
        secrets = self._secrets()  # before anything starts: a missing key is the owner's to fix
        ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        offset = self._roll_log()
        run = _Run()
        run.runner = asyncio.create_task(self._serve(secrets, run, ready), name=f"mcp:{self.config.name}")
        try:
            async with asyncio.timeout(self.start_timeout_s):
                await ready
        except TimeoutError:
            await self._stop(run, cancel=True)
            raise McpStartError(
                f"the MCP server '{self.config.name}' did not answer within {self.start_timeout_s:g} s "
                f"({self.config.describe()}){self._last_words(offset)}"
            ) from None
        except McpStartError as exc:
            await self._stop(run)
            raise McpStartError(f"{exc}{self._last_words(offset)}") from None
        except BaseException:  # cancelled while it started: it must not outlive us
            await self._stop(run, cancel=True)
            raise
        return run

    async def _serve(self, secrets: dict[str, str], run: _Run, ready: asyncio.Future[None]) -> None:
        def ended() -> None:
            run.open = False
            run.gone.set()

        try:
            async with self._errlog(tuple(secrets.values())) as errlog:
                transport = _watched(self._transport(secrets, errlog), ended)
                info = mcp_types.Implementation(name="headcount", version="1")
                async with Client(transport, client_info=info) as client:
                    run.tools = await _list_tools(client)
                    run.client = client
                    if not ready.done():
                        ready.set_result(None)
                    await run.stop.wait()
        except Exception as exc:
            if not ready.done():
                ready.set_exception(McpStartError(self._explain(exc)))
            elif not run.stop.is_set():  # a goodbye that went wrong is not worth a warning
                log.warning("the MCP server %r stopped: %s", self.config.name, _leaf(exc))
        finally:
            run.open = False
            run.gone.set()

    def _transport(self, secrets: dict[str, str], errlog: TextIO) -> Transport:
        config = self.config
        if config.url is not None:
            import httpx2

            headers = {h: secrets[key] for h, key in config.headers.items()}
            client = httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30.0, read=300.0))
            return _closing(streamable_http_client(config.url, http_client=client), client)
        env = {var: secrets[key] for var, key in config.env.items()}
        params = StdioServerParameters(
            command=config.command or "", args=list(config.args), env=env or None, cwd=config.cwd
        )
        return stdio_client(params, errlog=errlog)

    async def _drop(self, run: _Run) -> None:
        """Stop `run` (a server that hung), its process too, so that the next call starts a fresh one."""
        run.open = False
        if self._run is run:
            self._run = None
        await self._stop(run)

    async def _halt(self) -> None:
        run, self._run = self._run, None
        if run is not None:
            await self._stop(run)

    @staticmethod
    async def _stop(run: _Run, *, cancel: bool = False) -> None:
        run.open = False
        if run.runner is None:
            return
        if cancel:
            run.runner.cancel()
        run.stop.set()
        done, _ = await asyncio.wait({run.runner}, timeout=STOP_TIMEOUT_S)
        if not done:  # an HTTP server that will not say goodbye: stop waiting for it
            run.runner.cancel()
            await asyncio.wait({run.runner})

    # --- secrets, logs and messages ---------------------------------------------------------------

    def _secrets(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for key in self.config.key_names:
            try:
                value = self._secret(key)
            except Exception as exc:  # a broken keyring: say so, never a traceback
                raise McpStartError(
                    f"cannot start the MCP server '{self.config.name}': the keyring failed ({type(exc).__name__})"
                ) from None
            if not value:
                raise McpStartError(
                    f"cannot start the MCP server '{self.config.name}' ({self.config.describe()}): it needs the "
                    f"key '{key}', which is not stored; store it with `headcount key set {key}`"
                )
            found[key] = value
        return found

    def _roll_log(self) -> int:
        """Where this run's output starts in the server's log."""
        try:
            self._log_path.parent.mkdir(parents=True, exist_ok=True)
            size = self._log_path.stat().st_size if self._log_path.exists() else 0
            if size > LOG_ROLL_BYTES:
                old = self._log_path.with_suffix(".log.1")
                self._log_path.replace(old)
                old.chmod(0o600)
                return 0
            return size
        except OSError:
            return 0

    @contextlib.asynccontextmanager
    async def _errlog(self, secrets: Sequence[str]) -> AsyncIterator[TextIO]:
        """Where the server's stderr goes: a pipe whose lines reach its log, owner-only, with every secret masked
        (those it was given, and every other the office knows): servers print their tokens when debugging."""
        sink = self._open_log()
        read_fd, write_fd = os.pipe()
        loop = asyncio.get_running_loop()
        copied: asyncio.Future[None] = loop.create_future()

        def finished() -> None:
            if not copied.done():
                copied.set_result(None)

        def copy() -> None:
            try:
                _copy_masked(read_fd, sink, secrets)
            finally:
                with contextlib.suppress(RuntimeError):  # the loop is gone: nobody waits any more
                    loop.call_soon_threadsafe(finished)

        threading.Thread(target=copy, name=f"mcp-log:{self.config.name}", daemon=True).start()
        writer = os.fdopen(write_fd, "w", encoding="utf-8")
        try:
            yield writer
        finally:
            writer.close()  # the server has its own end: the copy ends once it is gone too
            with contextlib.suppress(TimeoutError):  # a process it left behind may hold the pipe open
                async with asyncio.timeout(LOG_DRAIN_S):
                    await asyncio.shield(copied)

    def _open_log(self) -> BinaryIO | None:
        """The server's log, for appending, readable by the owner only; None when it cannot be written."""
        try:
            fd = os.open(self._log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        except OSError:  # an unwritable log must not stop the server
            return None
        with contextlib.suppress(OSError):
            self._log_path.chmod(0o600)  # one written before it was kept owner-only
        return os.fdopen(fd, "ab")

    def _last_words(self, offset: int) -> str:
        """The end of what the server wrote on stderr since `offset`, secrets masked."""
        try:
            with self._log_path.open("rb") as stream:
                stream.seek(offset)
                text = stream.read()[-4000:].decode("utf-8", "replace")
        except OSError:
            return ""
        lines = [line.strip()[:300] for line in text.splitlines() if line.strip()][-3:]
        if not lines:
            return ""
        return f"; it said: {redact(' / '.join(lines))} (all of it in {self._log_path})"

    def _explain(self, exc: BaseException) -> str:
        leaf = _leaf(exc)
        name, what = self.config.name, self.config.describe()
        if isinstance(leaf, FileNotFoundError) and self.config.command is not None:
            return f"cannot start the MCP server '{name}': the command '{self.config.command}' was not found ({what})"
        if isinstance(leaf, PermissionError) and self.config.command is not None:
            return f"cannot start the MCP server '{name}': '{self.config.command}' may not be run ({what})"
        if isinstance(leaf, OSError):
            return f"cannot start the MCP server '{name}' ({what}): {leaf.strerror or leaf}"
        if isinstance(leaf, MCPError) and leaf.error.code == mcp_types.CONNECTION_CLOSED:
            if self.config.url is not None:
                return f"cannot reach the MCP server '{name}' at {what}"
            return f"the MCP server '{name}' stopped before it answered ({what})"
        if type(leaf).__module__.startswith("httpx"):
            return f"cannot reach the MCP server '{name}' at {what}: {type(leaf).__name__}: {leaf}"
        return f"the MCP server '{name}' could not start ({what}): {type(leaf).__name__}: {redact(str(leaf))}"


class McpTool:
    """One tool of an MCP server, described like every other tool (`mcp:files.read_text_file`)."""

    def __init__(self, connection: McpConnection, listed: mcp_types.Tool, name: str) -> None:
        hints = hints_from_mcp(listed.annotations)
        risk, _ = risk_from_hints(hints)
        parameters = dict(listed.input_schema) if listed.input_schema else {"type": "object", "properties": {}}
        description = (listed.description or listed.title or f"{listed.name} (no description)").strip()
        self._spec = ToolSpec(
            name=name,
            description=description[:MAX_DESCRIPTION_CHARS],
            parameters=parameters,
            risk=risk,
            # The server's idempotent hint is advisory and unverified: anything that may change the
            # world goes through the intent/result journal, so a crash never repeats it blindly.
            idempotent=risk == "read_only",
            # The connection stops a call at the server's own timeout (and the server with it); this only backs
            # it up, leaving room for a start and for stopping a hung server.
            timeout_s=connection.config.timeout_s + connection.start_timeout_s + STOP_TIMEOUT_S,
            namespace=connection.config.namespace,
            max_result_chars=MAX_RESULT_CHARS,
        )
        self._connection = connection
        self._remote = listed.name

    @property
    def spec(self) -> ToolSpec:
        return self._spec

    async def run(self, ctx: ToolContext, arguments: dict[str, Any]) -> str:
        try:
            result = await self._connection.call(self._remote, arguments, retry_safe=self._spec.idempotent)
        except McpStartError as exc:
            raise ToolError(f"{exc}. Tell the owner; it will not work until they fix it.") from None
        text = render(result)
        if result.is_error:
            raise ToolError(cap_result(text, self._spec.max_result_chars))
        return text


def mcp_tools(connection: McpConnection, listed: Sequence[mcp_types.Tool]) -> dict[str, McpTool]:
    """The server's tools by their name here (`engine.tools.names.local_names`: what `connect` shows a brief
    can name; a name providers refuse is made valid, and a clash never takes a tool's own name from it)."""
    names = local_names(item.name for item in listed)
    tools: dict[str, McpTool] = {}
    for item in listed:
        name = names[item.name]
        if name not in tools:  # a server that lists one name twice: its first
            tools[name] = McpTool(connection, item, name)
    return tools


def render(result: mcp_types.CallToolResult) -> str:
    """The text the model reads from a tool result: text blocks as they are, other content named."""
    parts: list[str] = []
    for block in result.content:
        if isinstance(block, mcp_types.TextContent):
            parts.append(block.text)
        elif isinstance(block, mcp_types.ImageContent | mcp_types.AudioContent):
            parts.append(f"[{block.type} ({block.mime_type}) not shown]")
        elif isinstance(block, mcp_types.EmbeddedResource):
            resource = block.resource
            if isinstance(resource, mcp_types.TextResourceContents):
                parts.append(resource.text)
            else:
                parts.append(f"[binary resource {resource.uri} not shown]")
        elif isinstance(block, mcp_types.ResourceLink):
            parts.append(f"[resource {block.uri}]")
    if not parts and result.structured_content is not None:
        parts.append(json.dumps(result.structured_content, ensure_ascii=False))
    return "\n".join(parts) or "(no output)"


async def _list_tools(client: Client) -> tuple[mcp_types.Tool, ...]:
    tools: list[mcp_types.Tool] = []
    cursor: str | None = None
    for _ in range(100):  # a server whose pages never end cannot hang the start
        page = await client.list_tools(cursor=cursor)
        tools.extend(page.tools)
        cursor = page.next_cursor
        if cursor is None:
            break
    return tuple(tools)


@contextlib.asynccontextmanager
async def _watched(transport: Transport, ended: Callable[[], None]) -> AsyncIterator[TransportStreams]:
    """`transport`, calling `ended` when its incoming stream ends (the server stopped or hung up)."""
    async with transport as (incoming, outgoing):
        send, receive = anyio.create_memory_object_stream[Any](0)

        async def relay() -> None:
            try:
                async with send:
                    async for message in incoming:
                        await send.send(message)
            except (anyio.BrokenResourceError, anyio.ClosedResourceError):
                pass
            finally:
                ended()

        async with anyio.create_task_group() as group:
            group.start_soon(relay)
            try:
                yield receive, outgoing
            finally:
                group.cancel_scope.cancel()


@contextlib.asynccontextmanager
async def _closing(transport: Transport, client: Any) -> AsyncIterator[TransportStreams]:
    async with client, transport as streams:
        yield streams


def _copy_masked(read_fd: int, sink: BinaryIO | None, secrets: Sequence[str]) -> None:
    """Copy a server's stderr to its log line by line, each line through the redactor; closes both."""
    with os.fdopen(read_fd, "rb") as source, sink or contextlib.nullcontext():
        while line := source.readline(LOG_LINE_BYTES):
            if sink is None:
                continue  # drained all the same: a server blocked on a full pipe would hang
            try:
                sink.write(redact(line.decode("utf-8", "replace"), *secrets).encode("utf-8"))
                sink.flush()
            except OSError:  # a full disk: the server goes on without its log
                sink = None


def _leaf(exc: BaseException) -> BaseException:
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc
