"""Connected apps on the tool plane: their tools are installed unbound, and bound per employee at work.

The registry knows every app tool (so a brief may name `calendar_create`), but a belt drawn from it
holds unbound ones that only say no app is granted. When a task starts, `equip` swaps each for the
tool of the app granted to that employee, holding the credential from the keyring, and drops those
of apps it was not granted: the model never sees a tool it cannot use, nor any token. The grant is read
again from the database before each call (`StillGranted`): an app taken back or disconnected while a task
works, from any process, stops at that task's next call, not at its next task.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from engine.apps.accounts import AppConfig, AppKind, granted_to, read_apps
from engine.apps.calendar import CalDav, calendar_tools
from engine.apps.github import github_tools
from engine.store.journal import Journal
from engine.tools.base import Tool, ToolContext, ToolError, ToolSpec
from engine.tools.registry import Belt

Secret = Callable[[str], str | None]
# Whether the app of this name is still connected and granted to this employee, read from the database.
Granted = Callable[[str, str], Awaitable[bool]]
TOOLS_OF: dict[AppKind, Callable[[], list[Tool]]] = {
    "calendar": lambda: calendar_tools(None),
    "github": lambda: github_tools(None),
}


def app_tools() -> list[Tool]:
    """Every app tool, unbound: what the registry installs."""
    return [tool for make in TOOLS_OF.values() for tool in make()]


def bound_tools(app: AppConfig, secret: Secret) -> list[Tool]:
    """The tools of `app`, each reading its credential from the keyring when called."""

    def credential() -> str:
        value = secret(app.secret_key)
        if not value:
            raise ToolError(f"the {app.kind} app '{app.name}' has no credential in the keyring; ask the owner")
        return value

    if app.kind == "calendar":
        return calendar_tools(lambda: CalDav(app, credential()))
    if app.kind == "github":
        from engine.apps.github import GitHub

        return github_tools(lambda: GitHub(app, credential()))
    return []


class StillGranted:
    """An app's bound tool that asks, before each call, whether the app is still granted to the caller."""

    def __init__(self, tool: Tool, app: AppConfig, granted: Granted) -> None:
        self._tool = tool
        self._app = app
        self._granted = granted

    @property
    def spec(self) -> ToolSpec:
        return self._tool.spec

    async def run(self, ctx: ToolContext, arguments: dict[str, Any]) -> str:
        if not await self._granted(self._app.name, ctx.employee_id):
            raise ToolError(
                f"the owner took the {self._app.kind} app '{self._app.name}' back from you while you worked: "
                "this call did not run, and you cannot use it any more in this task"
            )
        return await self._tool.run(ctx, arguments)


class AppPlane:
    """Binds app tools to the apps granted to each employee, reading grants from the database."""

    def __init__(self, journal: Journal, secret: Secret) -> None:
        self._journal = journal
        self._secret = secret

    async def equip(self, employee_id: str, belt: Belt) -> Belt:
        apps = await self._journal.read(read_apps)
        return equip(apps, employee_id, belt, self._secret, self.granted)

    async def granted(self, name: str, employee_id: str) -> bool:
        """Whether the app `name` is connected and granted to the employee now, as stored."""
        app = (await self._journal.read(read_apps)).get(name)
        return app is not None and employee_id in app.granted


def equip(
    apps: Mapping[str, AppConfig], employee_id: str, belt: Belt, secret: Secret, granted: Granted | None = None
) -> Belt:
    """`belt` with each app tool bound to the employee's granted app, or removed when none is granted; with
    `granted`, each bound tool checks the grant again before it runs (`StillGranted`)."""
    kinds = set(TOOLS_OF)
    keep: list[Tool] = []
    for name in belt.names():
        tool = belt.get(name)
        if tool is None:
            continue
        if tool.spec.namespace not in kinds:
            keep.append(tool)
            continue
        app = granted_to(apps, employee_id, tool.spec.namespace)
        if app is not None:
            bound = {t.spec.name: t for t in bound_tools(app, secret)}[tool.spec.name]
            keep.append(bound if granted is None else StillGranted(bound, app, granted))
    return Belt(keep)
