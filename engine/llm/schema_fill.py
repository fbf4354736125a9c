"""Sensible arguments for a tool the rehearsal model has never heard of, read off its JSON schema.

Only required fields are filled. Values come from the task at hand (a subject line, a body, search words)
or are obviously fake (`owner@example.test`), so a rehearsal call is plausible and never reaches anyone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

OWNER_EMAIL = "owner@example.test"
EXAMPLE_URL = "https://example.test"
_MAX_DEPTH = 6
_FORMATS = {  # fixed dates: the rehearsal model never reads the clock
    "email": OWNER_EMAIL,
    "idn-email": OWNER_EMAIL,
    "uri": EXAMPLE_URL,
    "url": EXAMPLE_URL,
    "iri": EXAMPLE_URL,
    "date-time": "2026-01-05T09:00:00Z",
    "date": "2026-01-05",
    "time": "09:00:00",
}  # schemas can be recursive through $ref

_EMAIL_NAMES = ("email", "recipient", "to", "cc", "bcc", "from", "sender", "attendee")
_TITLE_NAMES = ("subject", "title", "name", "headline", "summary", "label", "topic")
_BODY_NAMES = ("body", "text", "content", "message", "description", "note", "comment", "details", "html")
_QUERY_NAMES = ("query", "search", "q", "keyword", "keywords", "term", "filter")
_PATH_NAMES = ("path", "file", "filename", "filepath")
_URL_NAMES = ("url", "link", "uri", "href", "website")


@dataclass(frozen=True, slots=True)
class Hint:
    """What the rehearsal knows about the task, to draw argument values from."""

    headline: str
    body: str
    keywords: str
    path: str


def fill_arguments(schema: dict[str, Any], hint: Hint) -> dict[str, Any]:
    """A JSON object satisfying `schema`'s required fields, built from `hint`."""
    value = _fill(schema, "", hint, schema, 0)
    return value if isinstance(value, dict) else {}


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if not isinstance(ref, str) or not ref.startswith("#/"):
        return schema
    node: Any = root
    for part in ref[2:].split("/"):
        node = node.get(part, {}) if isinstance(node, dict) else {}
    return node if isinstance(node, dict) else {}


def _type_of(schema: dict[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        return str(kinds[0]) if kinds else "null"
    if isinstance(kind, str):
        return kind
    return "object" if "properties" in schema else "string"


def _fill(schema: dict[str, Any], name: str, hint: Hint, root: dict[str, Any], depth: int) -> Any:
    if depth > 3 * _MAX_DEPTH:
        return None
    schema = _resolve(schema, root)
    if "const" in schema:
        return schema["const"]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        options = schema.get(key)
        if isinstance(options, list) and options:
            chosen = next(
                (o for o in options if isinstance(o, dict) and _type_of(_resolve(o, root)) != "null"),
                options[0],
            )
            return _fill({**schema, key: None, **chosen}, name, hint, root, depth + 1)
    if "default" in schema:
        return schema["default"]
    kind = _type_of(schema)
    if kind == "object":
        return _object(schema, hint, root, depth)
    if kind == "array":
        count = int(schema.get("minItems", 0))
        items = schema.get("items") if isinstance(schema.get("items"), dict) else {}
        return [_fill(items or {}, name, hint, root, depth + 1) for _ in range(count)]
    if kind in ("integer", "number"):
        return _number(schema, kind)
    if kind == "boolean":
        return False
    if kind == "null":
        return None
    return _string(schema, name, hint)


def _object(schema: dict[str, Any], hint: Hint, root: dict[str, Any], depth: int) -> dict[str, Any]:
    if depth >= _MAX_DEPTH:
        return {}
    properties = schema.get("properties")
    properties = properties if isinstance(properties, dict) else {}
    required = schema.get("required")
    names = [r for r in required if isinstance(r, str)] if isinstance(required, list) else []
    return {key: _fill(properties.get(key) or {}, key, hint, root, depth + 1) for key in names}


def _number(schema: dict[str, Any], kind: str) -> int | float:
    value: float = 1
    if isinstance(schema.get("minimum"), int | float):
        value = schema["minimum"]
    elif isinstance(schema.get("exclusiveMinimum"), int | float):
        value = schema["exclusiveMinimum"] + 1
    if isinstance(schema.get("maximum"), int | float) and value > schema["maximum"]:
        value = schema["maximum"]
    if isinstance(schema.get("exclusiveMaximum"), int | float) and value >= schema["exclusiveMaximum"]:
        value = schema["exclusiveMaximum"] - 1
    if kind == "integer":
        return math.ceil(value) if value == value else 0  # guard NaN
    return value


def _string(schema: dict[str, Any], name: str, hint: Hint) -> str:
    fmt = str(schema.get("format", ""))
    words = name.lower().replace("-", "_").split("_")
    last = words[-1] if words else ""
    if fmt in _FORMATS:  # a declared format beats what the field's name suggests
        text = _FORMATS[fmt]
    elif any(w in _EMAIL_NAMES for w in words):
        text = OWNER_EMAIL
    elif last in _URL_NAMES:
        text = EXAMPLE_URL
    elif last in _PATH_NAMES or name.lower() in _PATH_NAMES:
        text = hint.path
    elif last in _QUERY_NAMES:
        text = hint.keywords
    elif last in _BODY_NAMES:
        text = hint.body
    elif last in _TITLE_NAMES:
        text = hint.headline
    elif "phone" in words:
        text = "+1 555 0100"
    else:
        text = hint.headline
    minimum = int(schema.get("minLength", 0))
    maximum = schema.get("maxLength")
    if len(text) < minimum:
        text = text + "." * (minimum - len(text))
    if isinstance(maximum, int) and len(text) > maximum:
        text = text[:maximum]
    return text
