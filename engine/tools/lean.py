"""Tool schemas as the model reads them: what pydantic adds for its own sake taken out.

Pydantic's JSON schema carries a `title` on every property (the field's name again),
`additionalProperties: false` for a model that forbids extras, `default` values that only say
"optional" (None, "", False) and `anyOf: [X, {"type": "null"}]` for an optional field. None of it
tells the model anything the property's name and `required` do not, and together it was ~35% of a
built-in tool's tokens. The arguments are still validated against the full schema (pydantic's model,
or `ToolSpec.parameters` for an owner's edit), so extras are refused with a clear message either way.
"""

from __future__ import annotations

from typing import Any

_TRIVIAL_DEFAULTS: tuple[Any, ...] = (None, "", False)
_SCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")
_SCHEMA_VALUES = ("items", "not", "additionalProperties", "contains")


def lean_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A copy of a JSON schema without pydantic's titles, trivial defaults and null alternatives."""
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "title" and isinstance(value, str):
            continue
        if key == "additionalProperties" and value is False:
            continue
        if key in ("properties", "$defs", "definitions") and isinstance(value, dict):
            out[key] = {name: lean_schema(v) if isinstance(v, dict) else v for name, v in value.items()}
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            out[key] = [lean_schema(v) if isinstance(v, dict) else v for v in value]
        elif key in _SCHEMA_VALUES and isinstance(value, dict):
            out[key] = lean_schema(value)
        else:
            out[key] = value
    return _drop_optional_noise(out)


def _drop_optional_noise(node: dict[str, Any]) -> dict[str, Any]:
    # `x: T | None = None` is `anyOf: [T, null], default: null`: an optional T says the same.
    options = node.get("anyOf")
    optional = "default" in node and node["default"] is None  # a required `T | None` keeps its null
    if optional and isinstance(options, list) and len(options) == 2 and {"type": "null"} in options:
        (kept,) = [o for o in options if o != {"type": "null"}]
        if isinstance(kept, dict) and not (set(kept) & set(node) - {"anyOf"}):
            node = {**{k: v for k, v in node.items() if k != "anyOf"}, **kept}
    if "default" in node and any(
        node["default"] is d or (node["default"] == d and type(node["default"]) is type(d)) for d in _TRIVIAL_DEFAULTS
    ):
        node = {k: v for k, v in node.items() if k != "default"}
    return node
