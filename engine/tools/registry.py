"""The tools installed in this office, and each employee's belt drawn from them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from engine.tools.base import Tool


class ToolRegistry:
    def __init__(self, tools: Iterable[Tool] = ()) -> None:
        self._tools: dict[str, Tool] = {}
        for tool in tools:
            self.add(tool)

    def add(self, tool: Tool) -> None:
        name = tool.spec.name
        if name in self._tools:
            raise ValueError(f"a tool named {name!r} is already installed")
        self._tools[name] = tool

    def names(self) -> list[str]:
        return sorted(self._tools)

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def belt(self, names: Sequence[str]) -> Belt:
        """The employee's own tools: only those its brief names and this office has installed."""
        return Belt({n: self._tools[n] for n in sorted(set(names)) if n in self._tools})


class Belt:
    """An employee's tool belt. The engine looks tools up here, never in the registry."""

    def __init__(self, tools: dict[str, Tool]) -> None:
        self._tools = tools

    def get(self, name: str) -> Tool | None:
        return self._tools.get(name)

    def names(self) -> list[str]:
        return list(self._tools)

    def schemas(self) -> list[dict[str, object]]:
        return [t.spec.schema() for t in self._tools.values()]

    def with_tool(self, tool: Tool) -> Belt:
        return Belt({**self._tools, tool.spec.name: tool})
