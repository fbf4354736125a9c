"""Reading Markdown-with-YAML-front-matter files and turning every failure into a located Problem.

Shared by briefs, skills and team files. YAML is composed into nodes first so each value keeps
its line number; pydantic's error locations are then mapped back onto those nodes.
"""

from __future__ import annotations

import datetime as dt
import re
import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from engine.briefs.errors import BriefError, Problem, suggest

Loc = tuple[int | str, ...]

SHAPE_HINT = "a brief starts with a '---' line, then 'field: value' lines, then '---', then the brief in prose"


@dataclass(frozen=True, slots=True)
class Document:
    """A parsed file: its front matter as plain data, the nodes that locate it, and the body."""

    path: Path
    data: dict[str, Any]
    node: yaml.Node | None
    offset: int  # add to a node's 0-based line to get the file's 1-based line
    body: str


def decode(raw: bytes, path: Path) -> str:
    """UTF-8 text (a leading BOM is dropped), with Windows and old-Mac line endings normalised."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        byte = raw[exc.start : exc.start + 1].hex()
        raise BriefError.single(
            path, line, f"the file is not UTF-8 text (byte 0x{byte} cannot be read); save it as UTF-8"
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split(raw: bytes, path: Path) -> tuple[str, str, int]:
    """(front matter text, body, file line of the front matter's first line)."""
    text = decode(raw, path)
    if not text.strip():
        raise BriefError.single(path, 1, f"the file is empty; {SHAPE_HINT}")
    lines = text.split("\n")
    if lines[0].rstrip() != "---":
        raise BriefError.single(path, 1, f"no front matter: the first line must be '---'; {SHAPE_HINT}")
    for i in range(1, len(lines)):
        if lines[i].rstrip() in ("---", "..."):
            return "\n".join(lines[1:i]), "\n".join(lines[i + 1 :]).strip("\n"), 2
    raise BriefError.single(path, 1, "the front matter that starts here is never closed by a '---' line")


def parse(raw: bytes, path: Path, *, what: str = "front matter") -> Document:
    """Split a Markdown file and parse its front matter into a mapping with located nodes."""
    front, body, offset = split(raw, path)
    data, node = parse_yaml(front, path, offset, what=what)
    return Document(path, data, node, offset, body)


def parse_yaml(text: str, path: Path, offset: int, *, what: str) -> tuple[dict[str, Any], yaml.Node | None]:
    """Parse YAML that must be a mapping; `offset` turns node lines (0-based) into file lines."""
    try:
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as exc:
        raise _unreadable(exc, text, path, offset, what) from None
    try:
        node = loader.get_single_node()
        if node is None:
            raise BriefError.single(path, offset, f"the {what} is empty; expected 'field: value' lines")
        duplicates = list(_duplicates(node, path, offset))
        if duplicates:
            raise BriefError(duplicates)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + offset if mark is not None else offset
        problem = exc.problem or exc.context or "cannot be read"
        if exc.context and exc.context_mark and exc.problem and exc.context_mark.line + offset != line:
            problem += f" ({exc.context} on line {exc.context_mark.line + offset})"
        raise BriefError.single(path, line, f"the {what} is not valid YAML: {problem}") from None
    except yaml.reader.ReaderError as exc:
        raise _unreadable(exc, text, path, offset, what) from None
    except yaml.YAMLError as exc:
        raise BriefError.single(path, offset, f"the {what} is not valid YAML: {exc}") from None
    except RecursionError:
        raise BriefError.single(path, offset, f"the {what} is nested too deeply") from None
    except (ValueError, TypeError, OverflowError) as exc:  # e.g. a date such as 2025-02-30
        line = _bad_scalar_line(loader, node, offset) if node is not None else offset
        raise BriefError.single(path, line, f"the {what} has a value YAML cannot read ({exc})") from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        message = f"the {what} must be 'field: value' lines, got {describe(data)}"
        raise BriefError.single(path, node.start_mark.line + offset, message)
    return data, node


def _unreadable(exc: yaml.reader.ReaderError, text: str, path: Path, offset: int, what: str) -> BriefError:
    line = text[: exc.position].count("\n") + offset
    message = f"the {what} contains a character YAML does not allow (#x{exc.character:04x})"
    return BriefError.single(path, line, message)


def _bad_scalar_line(loader: yaml.SafeLoader, root: yaml.Node, offset: int) -> int:
    """The line of the first scalar that fails to construct (PyYAML's ValueErrors carry no mark)."""
    for node in _walk(root):
        if isinstance(node, yaml.ScalarNode):
            try:
                loader.construct_object(node, deep=True)
            except (ValueError, TypeError, OverflowError, yaml.YAMLError):
                return int(node.start_mark.line) + offset
    return offset


def _walk(root: yaml.Node) -> typing.Iterator[yaml.Node]:
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        if isinstance(node, yaml.MappingNode):
            for key, value in reversed(node.value):
                stack.extend((value, key))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(reversed(node.value))


def _duplicates(root: yaml.Node, path: Path, offset: int) -> typing.Iterator[Problem]:
    seen_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, str]] = [(root, "")]
    while stack:
        node, where = stack.pop()
        if id(node) in seen_nodes:  # aliases can make the node graph cyclic
            continue
        seen_nodes.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first: dict[str, int] = {}
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value != "<<":
                    line = key.start_mark.line + offset
                    if key.value in first:
                        message = f"'{key.value}' appears twice (first on line {first[key.value]})"
                        yield Problem(path, line, message, where or None)
                    first.setdefault(key.value, line)
                    stack.append((value, f"{where}.{key.value}" if where else str(key.value)))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, f"{where}[{i}]") for i, item in enumerate(node.value))


# --- locating problems ------------------------------------------------------------------------


def field_path(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def locate(doc: Document, loc: Loc) -> int:
    """The file line of the value at `loc`, or of the deepest ancestor that exists.

    A mapping value is located by its key's line: `tone:` followed by a block list on the next
    lines is reported where `tone:` is written.
    """
    node = doc.node
    if node is None:
        return doc.offset
    found: yaml.Node = node
    line = node.start_mark.line
    for part in loc:
        nxt: yaml.Node | None = None
        if isinstance(found, yaml.MappingNode):
            for k, v in found.value:
                if isinstance(k, yaml.ScalarNode) and k.value == str(part):
                    nxt, line = v, k.start_mark.line
        elif isinstance(found, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(found.value):
            nxt = found.value[part]
            line = nxt.start_mark.line
        if nxt is None:
            break
        found = nxt
    return int(line) + doc.offset


def describe(value: object) -> str:
    """How a YAML value reads to the owner: 'a list', "'text'", 'the number 5', 'nothing'."""
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        short = value if len(value) <= 40 else value[:37] + "..."
        return repr(short)
    if isinstance(value, list | tuple | set | frozenset):
        return "a list"
    if isinstance(value, dict):
        return "a mapping of fields"
    if isinstance(value, dt.date):
        return f"the date {value.isoformat()}"
    return f"a {type(value).__name__}"


_EXPECTED = {
    "string_type": "a string",
    "list_type": "a list",
    "tuple_type": "a list",
    "set_type": "a list",
    "frozen_set_type": "a list",
    "dict_type": "a mapping of fields",
    "model_type": "a mapping of fields",
    "model_attributes_type": "a mapping of fields",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "finite_number": "a finite number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "date_type": "a date like 2025-12-25",
    "date_parsing": "a date like 2025-12-25",
    "date_from_datetime_inexact": "a date like 2025-12-25",
    "date_from_datetime_parsing": "a date like 2025-12-25",
}


def _expected(err: ErrorDetails) -> str:
    kind, ctx = err["type"], err.get("ctx") or {}
    if kind in _EXPECTED:
        return _EXPECTED[kind]
    if kind == "literal_error":
        return f"one of {ctx.get('expected', '')}"
    if kind == "string_too_short":
        return "some text, not an empty string"
    if kind == "string_too_long":
        return f"at most {ctx.get('max_length')} characters"
    if kind == "too_short":
        return f"at least {ctx.get('min_length')} item(s)"
    if kind == "too_long":
        return f"at most {ctx.get('max_length')} items"
    bounds = {"greater_than_equal": "≥", "greater_than": ">", "less_than_equal": "≤", "less_than": "<"}
    if kind in bounds:
        limit = next(iter(ctx.values()), "")
        if isinstance(limit, float) and limit.is_integer():
            limit = int(limit)
        return f"a number {bounds[kind]} {limit}"
    return str(err["msg"])


def problems_from(exc: ValidationError, doc: Document, model: type[BaseModel]) -> list[Problem]:
    """Turn pydantic's errors into located, plain-English problems."""
    out: list[Problem] = []
    for err in exc.errors(include_url=False):
        loc: Loc = tuple(err["loc"])
        kind = err["type"]
        if kind == "extra_forbidden" and loc:
            name = str(loc[-1])
            where = f" in '{field_path(loc[:-1])}'" if len(loc) > 1 else ""
            hint = suggest(name, fields_at(model, loc[:-1]))
            out.append(Problem(doc.path, locate(doc, loc), f"unknown field '{name}'{where}{hint}"))
        elif kind == "missing" and loc:
            where = f" in '{field_path(loc[:-1])}'" if len(loc) > 1 else ""
            out.append(Problem(doc.path, locate(doc, loc[:-1]), f"missing required field '{loc[-1]}'{where}"))
        elif kind == "value_error":
            message = str(err["msg"]).removeprefix("Value error, ")
            out.append(Problem(doc.path, locate(doc, loc), message, field_path(loc) or None))
        else:
            got = describe(err.get("input"))
            hint = ""
            if kind == "literal_error" and isinstance(err.get("input"), str):
                choices = re.findall(r"'([^']*)'", str((err.get("ctx") or {}).get("expected", "")))
                hint = suggest(str(err.get("input")), choices)
            message = f"expected {_expected(err)}, got {got}{hint}"
            out.append(Problem(doc.path, locate(doc, loc), message, field_path(loc) or None))
    return out


def fields_at(model: type[BaseModel], loc: Sequence[int | str]) -> list[str]:
    """The field names valid at `loc` inside `model` (for typo suggestions)."""
    current: Any = model
    for part in loc:
        current = _item_type(current) if isinstance(part, int) else _field_type(current, str(part))
        if current is None:
            return []
    current = _model_in(current)
    return list(current.model_fields) if current is not None else []


def _field_type(tp: Any, name: str) -> Any:
    model = _model_in(tp)
    if model is None or name not in model.model_fields:
        return None
    return model.model_fields[name].annotation


def _item_type(tp: Any) -> Any:
    tp = _unwrap(tp)
    args = typing.get_args(tp)
    return args[0] if typing.get_origin(tp) in (list, tuple) and args else None


def _unwrap(tp: Any) -> Any:
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        tp = options[0] if len(options) == 1 else tp
    return tp


def _model_in(tp: Any) -> type[BaseModel] | None:
    tp = _unwrap(tp)
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None
