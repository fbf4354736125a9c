"""The tools installed in this office, and each employee's belt drawn from them."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Protocol

from engine.tools.base import Tool
from engine.tools.names import BUILTIN, NAME, NAMESPACE, every_tool_of, model_names, resolve


class OnDemand(Protocol):
    """Namespaces whose tools are known only once their source runs (MCP servers, started on first use)."""

    def namespaces(self) -> Collection[str]: ...


class ToolRegistry:
    """Installed tools by qualified name: built-ins and every integrator's, side by side.

    With `on_demand`, a brief may also name any tool of those namespaces (`mcp:files.read_file`,
    `mcp:files.*`); such tools join a belt only when the task starts (see `engine.connections`).
    """

    def __init__(self, tools: Iterable[Tool] = (), *, on_demand: OnDemand | None = None) -> None:
        self._tools: dict[str, Tool] = {}
        self._on_demand = on_demand
        for tool in tools:
            self.add(tool)

    def add(self, tool: Tool) -> None:
        """Install a tool; refused when its name is invalid or its qualified name is taken."""
        spec = tool.spec
        if not NAME.match(spec.name):
            raise ValueError(f"a tool name is a letter then letters, digits, _ or - (at most 64), got {spec.name!r}")
        if not NAMESPACE.match(spec.namespace):
            raise ValueError(f"a tool namespace looks like 'acme' or 'mcp:github', got {spec.namespace!r}")
        name = spec.qualified_name
        if name in self._tools:
            hint = "" if spec.namespace != BUILTIN else "; give it the namespace of its connection or server"
            raise ValueError(f"a tool named {name!r} is already installed{hint}")
        self._tools[name] = tool

    def names(self) -> list[str]:
        """Qualified names, as a brief's loader checks them (`known_tools`); `ns.*` for each on-demand namespace."""
        on_demand = [every_tool_of(ns) for ns in self._on_demand.namespaces()] if self._on_demand else []
        return sorted([*self._tools, *on_demand])

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def get(self, qualified: str) -> Tool | None:
        return self._tools.get(qualified)

    def resolve(self, name: str) -> tuple[str, ...]:
        """The qualified names a brief's tool name may mean (see `engine.tools.names.resolve`)."""
        return resolve(name, self._tools)

    def belt(self, names: Sequence[str]) -> Belt:
        """The employee's own tools: those its brief names and this office has installed.

        A name that is not installed, or that is ambiguous (the loader refuses those), gives no tool;
        nor does one of an on-demand namespace, whose tools are added when a task starts.
        """
        chosen: dict[str, Tool] = {}
        for name in names:
            match = self.resolve(name)
            if len(match) == 1 and match[0] in self._tools:
                chosen[match[0]] = self._tools[match[0]]
        return Belt(chosen[q] for q in sorted(chosen, key=lambda q: (chosen[q].spec.namespace != BUILTIN, q)))


class Belt:
    """An employee's tool belt. The engine looks tools up here by the name the model calls them."""

    def __init__(self, tools: Iterable[Tool] = ()) -> None:
        by_qualified = {t.spec.qualified_name: t for t in tools}
        names = model_names(by_qualified)
        self._tools: dict[str, Tool] = {names[q]: tool for q, tool in by_qualified.items()}

    def get(self, name: str) -> Tool | None:
        """The tool the model called `name`, or None."""
        return self._tools.get(name)

    def names(self) -> list[str]:
        """The names the model sees."""
        return list(self._tools)

    def qualified_names(self) -> list[str]:
        return [t.spec.qualified_name for t in self._tools.values()]

    def schemas(self) -> list[dict[str, object]]:
        return [t.spec.schema(name) for name, t in self._tools.items()]

    def with_tool(self, tool: Tool) -> Belt:
        """This belt plus `tool` (replacing a tool of the same qualified name)."""
        others = [t for t in self._tools.values() if t.spec.qualified_name != tool.spec.qualified_name]
        return Belt([*others, tool])

    def without(self, names: Collection[str]) -> Belt:
        """This belt less the tools the model calls by any of `names`."""
        return Belt(t for n, t in self._tools.items() if n not in names)
