"""The owner's connections in one office: MCP servers kept in its settings, started on demand.

A server is connected once (`headcount connect mcp NAME -- COMMAND ARGS…`, or `--url URL`) and
kept as the settings row `mcp:<name>`; every process reads it from there. Nothing starts with the
office: when a task begins for an employee whose brief grants `mcp:<name>.*` or `mcp:<name>.TOOL`,
the server is started (or found running, or started again after it died), its tools are listed,
and those granted join that employee's belt for the task. A closed office stops its servers.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from engine.apps.accounts import name_free
from engine.apps.email import Mail, unbound_email_tools
from engine.apps.plane import AppPlane, app_tools
from engine.apps.unplugged import parked_by
from engine.briefs import Brief
from engine.briefs.ceiling import over_ceiling, read_belt_ceiling
from engine.briefs.vocabulary import as_mcp_grant
from engine.clock import Clock
from engine.errors import OwnerError
from engine.loop import AgentLoop, Outcome, TaskWork
from engine.owner_action import OwnerDesk, owner_action
from engine.parked import Parked
from engine.paths import Home
from engine.secrets import Secrets
from engine.store import Connection
from engine.store.journal import Journal
from engine.store.records import EmployeeRecord, StepRecord
from engine.store.settings import delete_setting, put_setting, read_named
from engine.tools.ask import ask_owner_tool
from engine.tools.base import CrashCheck, Interrupted, Tool
from engine.tools.builtin import builtin_tools
from engine.tools.mcp_config import MCP_PREFIX, START_TIMEOUT_S, McpServerConfig, McpStartError, Secret
from engine.tools.names import WILDCARD, split
from engine.tools.registry import Belt, ToolRegistry
from engine.tools.web import web_fetch_tool

if TYPE_CHECKING:
    from engine.tools.mcp import McpConnection  # the mcp SDK loads only when a server starts

log = logging.getLogger(__name__)


def secret_in_args(what: str) -> str:
    """The refusal of a server whose command line or URL hands over a key (`what`: McpServerConfig.secret_looking)."""
    return (
        f"{what} looks like a key or password, which would be kept in the database and the audit log: keep it "
        "in the keyring (`headcount key set NAME`) and hand it over with --env VAR=NAME (or --header HEADER=NAME "
        "for a URL)"
    )


def server_key(name: str) -> str:
    return f"{MCP_PREFIX}{name}"


def read_servers(conn: Connection) -> dict[str, McpServerConfig]:
    """Every connected MCP server by name; a row that no longer parses is skipped with a warning."""
    return read_named(conn, MCP_PREFIX, McpServerConfig.from_stored, "MCP server")


def plane_tools() -> list[Tool]:
    """The engine's own tools: the workspace's, `ask_owner`, and `web_fetch` and email (bound per brief at work)."""
    return [*builtin_tools(), ask_owner_tool(), web_fetch_tool(), *unbound_email_tools()]


def mcp_grants(tools: Sequence[str]) -> dict[str, set[str]]:
    """What a brief's tool names grant of each MCP server: tool names, or `*` for all of them."""
    grants: dict[str, set[str]] = {}
    for name in tools:
        namespace, bare = split(as_mcp_grant(name) or name)  # `crm_lookup` grants the `crm` server's tools
        if namespace.startswith(MCP_PREFIX):
            grants.setdefault(namespace.removeprefix(MCP_PREFIX), set()).add(bare)
    return grants


class Connections:
    """This office's MCP servers, as this process runs them. Also the registry's on-demand namespaces."""

    def __init__(
        self,
        journal: Journal,
        home: Home,
        *,
        secret: Secret | None = None,
        start_timeout_s: float = START_TIMEOUT_S,
        clock: Clock | None = None,
    ) -> None:
        self._journal = journal
        self._home = home
        self._secret_of = secret
        self._start_timeout_s = start_timeout_s
        self._servers: dict[str, McpConnection] = {}
        self._lock = asyncio.Lock()
        self._closed = False
        self.mail = Mail(journal, home, clock, self._secret)  # email accounts (engine.apps.email)
        self._apps = AppPlane(journal, self._secret)  # calendars and GitHub, bound per employee (engine.apps)

    def registry(self, extra: Iterable[Tool] = ()) -> ToolRegistry:
        """The office's installed tools: the engine's, `extra` (an integrator's), and this office's servers'."""
        extra = list(extra)
        theirs = {t.spec.qualified_name for t in extra}  # an integrator's tool replaces the engine's of that name
        ours = [*plane_tools(), *app_tools()]
        return ToolRegistry([*(t for t in ours if t.spec.qualified_name not in theirs), *extra], on_demand=self)

    def namespaces(self) -> list[str]:
        """`mcp:<name>` for each connected server, as stored now (read on every brief check)."""
        servers = [config.namespace for config in self._journal.read_now(read_servers).values()]
        return [*servers, *self.mail.namespaces()]

    async def configs(self) -> dict[str, McpServerConfig]:
        return await self._journal.read(read_servers)

    def running(self, name: str) -> McpConnection | None:
        """The server's connection in this process, if it was started."""
        return self._servers.get(name)

    async def connection(self, name: str) -> McpConnection:
        """The connection for the server as configured now (a changed config replaces the old one)."""
        configs = await self.configs()
        async with self._lock:
            if self._closed:
                raise McpStartError(f"the office is closing; the MCP server '{name}' is not started")
            for gone in [n for n, c in self._servers.items() if configs.get(n) != c.config]:
                await self._servers.pop(gone).close()  # disconnected, or connected again differently
            config = configs.get(name)
            if config is None:
                connected = ", ".join(sorted(configs)) or "none"
                raise McpStartError(
                    f"no MCP server '{name}' is connected (connected: {connected}); "
                    f"connect it with `headcount connect mcp {name} -- COMMAND ARGS…`"
                )
            if name not in self._servers:
                self._servers[name] = self._new(config)
            return self._servers[name]

    async def equip(self, brief: Brief, belt: Belt) -> Belt:
        """`belt` with the MCP tools `brief` grants (servers started as needed) and `web_fetch` bound to
        the brief's domains. Raises Parked when a granted server cannot start or lacks a granted tool."""
        grants = mcp_grants(brief.tools)
        if grants:
            from engine.tools.mcp import mcp_tools
        for server, wanted in sorted(grants.items()):
            try:
                connection = await self.connection(server)
                tools = mcp_tools(connection, await connection.start())
            except McpStartError as exc:
                raise Parked("parked", str(exc)) from None
            missing = sorted(wanted - {WILDCARD} - set(tools))
            if missing:
                names = ", ".join(f"'mcp:{server}.{m}'" for m in missing)
                raise Parked(
                    "parked",
                    f"the brief grants {names}, which the MCP server '{server}' does not have "
                    f"(it has: {', '.join(sorted(tools)) or 'no tools'}); fix the brief",
                )
            for name, tool in sorted(tools.items()):
                if WILDCARD in wanted or name in wanted:
                    belt = belt.with_tool(tool)
        if "web_fetch" in belt.qualified_names():
            belt = belt.with_tool(web_fetch_tool(brief.allowed_domains))
        belt = await self.mail.equip(brief, belt)
        await self._within_ceiling(brief, belt)
        return belt

    async def _within_ceiling(self, brief: Brief, belt: Belt) -> None:
        """Raise Parked when wildcard grants (`mcp:crm.*`) grew the belt past the office's ceiling: the loader
        counted each as one tool, and what they grant is known only now."""
        count = len(belt.names())
        ceiling = await self._journal.read(read_belt_ceiling)
        if count <= ceiling:
            return
        expanded: dict[str, tuple[str, int]] = {}
        for name in brief.tools:
            namespace, bare = split(as_mcp_grant(name) or name)
            if bare == WILDCARD:
                kind, _, source = namespace.partition(":")
                what = {"mcp": "the MCP server", "email": "the email account"}.get(kind, "the connection")
                n = sum(1 for t in belt.qualified_names() if split(t)[0] == namespace)
                expanded[f"{namespace}.{WILDCARD}"] = (f"{what} '{source or namespace}'", n)
        if expanded:
            raise Parked("parked", over_ceiling(count, ceiling, expanded))

    async def run(self, loop: AgentLoop, work: TaskWork, history: Sequence[StepRecord]) -> Outcome:
        """Work a task with its employee's belt equipped; a server that cannot start parks the task, and so does
        a call waiting to run whose email account or app was disconnected (engine.apps.unplugged)."""
        if (brief := work.brief) is not None:
            try:
                belt = await self._apps.equip(work.employee_id, work.belt)
                work = dataclasses.replace(work, belt=await self.equip(brief, belt))
            except Parked as parked:
                return Outcome(parked.status, parked.reason, parked.employee_status)
            if (gone := await parked_by(self._journal, brief, work.task_id, work.belt, history)) is not None:
                return Outcome("parked", gone, "blocked")
        return await loop.run(work, history)

    async def after_crash(self, step: Interrupted) -> CrashCheck | None:
        """What the tool that was interrupted can find out about it (an email's Sent copy), or None."""
        return await self.mail.after_crash(step)

    async def input_schema(self, qualified: str) -> dict[str, Any] | None:
        """The JSON schema of an MCP tool's arguments (`mcp:server.tool`), the server started if need be;
        None when it is not a server's tool or the server cannot tell now (it answers when the tool runs)."""
        if not qualified.startswith(MCP_PREFIX):
            return None
        from engine.tools.mcp import mcp_tools

        server, _, bare = qualified.removeprefix(MCP_PREFIX).partition(".")
        try:
            connection = await self.connection(server)
            tool = mcp_tools(connection, await connection.start()).get(bare)
        except McpStartError:
            return None
        return None if tool is None else tool.spec.parameters

    async def check(self, config: McpServerConfig) -> tuple[str, ...]:
        """Start the server on its own, list its tools' names, stop it. Raises McpStartError."""
        connection = self._new(config)
        try:
            return tuple(t.name for t in await connection.start())
        finally:
            await connection.close()

    async def close(self) -> None:
        """Stop every server this office started; closing twice is harmless."""
        async with self._lock:
            self._closed = True
            servers, self._servers = list(self._servers.values()), {}
        await asyncio.gather(*(server.close() for server in servers))

    def _new(self, config: McpServerConfig) -> McpConnection:
        from engine.tools.mcp import McpConnection

        return McpConnection(
            config,
            secret=self._secret,
            log_path=log_path(self._home, config.name),
            start_timeout_s=self._start_timeout_s,
        )

    def _secret(self, name: str) -> str | None:
        if self._secret_of is None:  # the keyring is chosen when first needed, not at every office start
            self._secret_of = Secrets(home=self._home.root).get
        return self._secret_of(name)


# --- the owner's side ---------------------------------------------------------------------------


class _Seated(Protocol):
    @property
    def record(self) -> EmployeeRecord: ...

    @property
    def brief(self) -> Brief: ...


class _Office(OwnerDesk, Protocol):
    """What connecting a server needs of the office (the Office front has it)."""

    @property
    def employees(self) -> Mapping[str, _Seated]: ...


async def connect(office: _Office, config: McpServerConfig) -> bool:
    """Keep `config` as an MCP server of this office; True when it replaced one of the same name."""
    if (what := config.secret_looking()) is not None:
        raise OwnerError(secret_in_args(what))
    await name_free(office, config.name, "mcp")
    before = (await office.journal.read(read_servers)).get(config.name)
    op = put_setting(server_key(config.name), config.stored())
    data = {"action": "connect_mcp", "name": config.name, "runs": config.describe(), "keys": list(config.key_names)}
    await owner_action(office, data, op)
    return before is not None


async def disconnect(office: _Office, name: str) -> list[str]:
    """Forget an MCP server; returns the names of employees whose briefs still grant its tools."""
    if name not in await office.journal.read(read_servers):
        raise OwnerError(f"no MCP server '{name}' is connected (see `headcount connections`)")
    data = {"action": "disconnect_mcp", "name": name}
    await owner_action(office, data, delete_setting(server_key(name)))
    return sorted(e.record.name for e in office.employees.values() if name in mcp_grants(e.brief.tools))


def log_path(home: Home, name: str) -> Path:
    """Where a server's own output (its stderr) is kept."""
    return home.logs / f"mcp-{name}.log"
