"""Tool names: a namespace per source, the names briefs use, and the names the model sees.

Every tool has a namespace: `builtin` for the engine's own tools, otherwise the connection or
server it comes from (`acme`, `mcp:github`). Its qualified name is `namespace.name`, except that a
built-in's is its bare name: built-ins own the bare names, so briefs and journals written before
namespaces still mean the same tools. Providers accept only `^[a-zA-Z0-9_-]{1,64}$` as a function
name, so each belt gives its tools model names of their own (`model_names`).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Collection, Iterable

BUILTIN = "builtin"
WILDCARD = "*"  # `mcp:files.*`: every tool of a namespace
NAME = re.compile(r"^[a-zA-Z][a-zA-Z0-9_-]{0,63}$")  # a valid provider function name, and more
NAMESPACE = re.compile(r"^[a-zA-Z][a-zA-Z0-9_-]{0,31}(?::[a-zA-Z0-9][a-zA-Z0-9_-]{0,63})?$")  # acme, mcp:github
QUALIFIED = re.compile(
    r"^(?:[a-zA-Z][a-zA-Z0-9_-]{0,31}(?::[a-zA-Z0-9][a-zA-Z0-9_-]{0,63})?\.)?[a-zA-Z][a-zA-Z0-9_-]{0,63}$"
    r"|^[a-zA-Z][a-zA-Z0-9_-]{0,31}(?::[a-zA-Z0-9][a-zA-Z0-9_-]{0,63})?\.\*$"  # or a whole namespace
)
MODEL_NAME_MAX = 64
_NOT_MODEL = re.compile(r"[^a-zA-Z0-9_-]")


def qualify(namespace: str, name: str) -> str:
    """`acme.read_file`; a built-in's qualified name is its bare name."""
    return name if namespace == BUILTIN else f"{namespace}.{name}"


def split(qualified: str) -> tuple[str, str]:
    """(namespace, bare name) of a qualified name; a name without a namespace is a built-in's."""
    namespace, dot, name = qualified.partition(".")
    return (namespace, name) if dot else (BUILTIN, qualified)


def every_tool_of(namespace: str) -> str:
    """`mcp:files.*`: in a brief, every tool of the namespace; among installed names, a namespace
    whose tools are listed only when first used (an MCP server), so any of its names may be meant."""
    return f"{namespace}.{WILDCARD}"


def resolve(name: str, installed: Collection[str]) -> tuple[str, ...]:
    """The installed tools (qualified names) a brief's tool name may mean.

    One: that tool. None: it is not installed. Several: a bare name shared by tools of different
    namespaces and by no built-in, which the brief must qualify. `builtin.x` means the built-in `x`.
    A qualified name in a namespace whose tools come on demand (`mcp:files.*` installed) means
    itself, and so does the namespace's wildcard.
    """
    if "." in name:
        namespace, bare = split(name)
        wanted = qualify(namespace, bare)
        return (wanted,) if wanted in installed or every_tool_of(namespace) in installed else ()
    if name in installed:
        return (name,)
    return tuple(sorted(q for q in installed if "." in q and split(q)[1] == name))


def valid_name(name: str) -> str:
    """`name` made a valid tool name (`get.file` -> `get_file`, `9lives` -> `t_9lives`); a long one is cut
    by `local_names`."""
    if NAME.match(name):
        return name
    safe = _NOT_MODEL.sub("_", name)
    return safe if safe[:1].isalpha() else f"t_{safe}"


def local_names(given: Iterable[str]) -> dict[str, str]:
    """Each of a source's own tool names (an MCP server's) -> the name a brief, a belt and the journal use.

    A valid name is its own, always: the source's `get_file` is never pushed off its name by a `get.file`.
    Another is made valid (`valid_name`); one that then clashes with a name already taken, or is too long,
    gets a short hash of the source's name (`get_file_1f0c2b9a`), the same at every listing, whatever the order.
    In the source's order.
    """
    order = list(dict.fromkeys(given))
    names = {name: name for name in order if NAME.match(name)}
    taken = set(names)
    for name in sorted(n for n in order if n not in names):
        names[name] = _unique(valid_name(name), name, taken)
    return {name: names[name] for name in order}


def model_names(qualified: Iterable[str]) -> dict[str, str]:
    """A model-facing name for each tool of one belt: valid for providers and unique in the belt.

    A built-in keeps its bare name; another tool too when no other tool on the belt shares it;
    otherwise it is `namespace__name` (e.g. `acme__read_file`, `mcp_github__list_issues`), shortened
    with a hash when it would be longer than providers allow. The same belt always gets the same names.
    """
    tools = sorted(set(qualified), key=lambda q: (split(q)[0] != BUILTIN, q))
    bare_counts = Counter(split(q)[1] for q in tools)
    names: dict[str, str] = {}
    taken: set[str] = set()
    # Bare names first, so a tool literally named `acme__x` cannot push a built-in off its own name.
    for q in tools:
        namespace, bare = split(q)
        if namespace == BUILTIN or bare_counts[bare] == 1:
            names[q] = _unique(bare, q, taken)
    for q in tools:
        if q not in names:
            namespace, bare = split(q)
            names[q] = _unique(f"{_NOT_MODEL.sub('_', namespace)}__{bare}", q, taken)
    return names


def _unique(wanted: str, qualified: str, taken: set[str]) -> str:
    name = wanted
    if len(name) > MODEL_NAME_MAX or name in taken:
        digest = hashlib.sha256(qualified.encode()).hexdigest()
        name = f"{wanted[: MODEL_NAME_MAX - 9]}_{digest[:8]}"
        n = 8
        while name in taken:  # practically never: another name with the same first hex digits
            n += 1
            name = f"{wanted[: MODEL_NAME_MAX - n - 1]}_{digest[:n]}"
    taken.add(name)
    return name
