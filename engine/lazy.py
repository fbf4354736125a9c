"""Package attributes imported on first use (PEP 562), so a light command loads only what it touches."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any


def lazy_attribute(package: str, lazy: Mapping[str, str], namespace: dict[str, Any], name: str) -> Any:
    """`name` from the module `lazy` maps it to, kept in the package's `namespace` so it is looked up once."""
    module = lazy.get(name)
    if module is None:
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    namespace[name] = value
    return value
