"""Which of litellm's modules the bundle holds: all of its client, and of its proxy server what the client imports.

litellm imports most of itself from strings (lazy attributes, providers by name), so every module outside
its proxy server goes in (`client()`). PyInstaller's collect_submodules would miss many: it walks with
pkgutil, which skips folders without an `__init__.py`, and litellm has dozens (`litellm.types`,
`litellm.litellm_core_utils`, providers' handlers).

litellm ships its proxy server (850 modules, 15 MB of source) inside the package, and its client code
imports a few of them: some at import time, most inside functions (`from litellm.proxy.proxy_server
import ...` in a logging branch). Kept: every `litellm.proxy` module that litellm's code outside the proxy
names and that imports in this venv, then what those name in turn, with everything they import (and
their parent packages). Left out: the rest. A module named but not importable here (it needs FastAPI,
Redis, orjson, websockets or Prisma, which the venv does not have) fails in the bundle exactly as it does
from a checkout, where litellm already copes.

Used by packaging/headcount.spec; `kept()` imports litellm, so the spec runs it as this script, in a
subprocess of the build's Python (it prints one module name a line).
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import os
import re
import sys
import warnings
from collections.abc import Iterable
from pathlib import Path

_NAMED = re.compile(r"^\s*(?:from|import)\s+(litellm\.proxy(?:\.\w+)*)", re.MULTILINE)


def _is_proxy(name: str) -> bool:
    return name == "litellm.proxy" or name.startswith("litellm.proxy.")


def _named_in(paths: Iterable[Path]) -> set[str]:
    return {name for path in paths for name in _NAMED.findall(path.read_text(encoding="utf-8", errors="replace"))}


def kept() -> list[str]:
    """The proxy modules to keep, with their parent packages, sorted."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    root = Path(litellm.__file__).parent
    outside = (p for p in root.rglob("*.py") if p.relative_to(root).parts[0] != "proxy")
    wanted, tried = _named_in(outside), set[str]()
    while wanted - tried:
        for name in sorted(wanted - tried):
            tried.add(name)
            # one that does not import here does not import from a checkout either
            with warnings.catch_warnings(), contextlib.suppress(Exception):
                warnings.simplefilter("ignore")
                importlib.import_module(name)
        loaded = [_source(root, m) for m in list(sys.modules) if _is_proxy(m)]
        wanted |= _named_in(p for p in loaded if p.is_file())
    found = {m for m in sys.modules if _is_proxy(m)}
    return sorted(found | {".".join(m.split(".")[:i]) for m in found for i in range(2, m.count(".") + 1)})


def package_root() -> Path:
    """litellm's folder, found without importing it."""
    spec = importlib.util.find_spec("litellm")  # found, not imported (an import would fetch a price map)
    assert spec is not None and spec.submodule_search_locations
    return Path(spec.submodule_search_locations[0])


def _source(root: Path, name: str) -> Path:
    path = root.joinpath(*name.split(".")[1:])
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def data_files(keep: Iterable[str]) -> list[Path]:
    """The proxy's data files that a kept module names (`model_insights_tasks.json`), for PyInstaller's datas."""
    root = package_root()
    text = "\n".join(p.read_text(encoding="utf-8") for p in (_source(root, m) for m in keep) if p.is_file())
    return sorted(
        p
        for p in (root / "proxy").rglob("*")
        if p.is_file() and p.suffix not in (".py", ".pyc") and (f'"{p.name}"' in text or f"'{p.name}'" in text)
    )


def client() -> list[str]:
    """Every module of litellm outside its proxy server, namespace packages included."""
    root = package_root()
    names = set()
    for path in root.rglob("*.py"):
        parts = path.relative_to(root).with_suffix("").parts
        if parts[0] != "proxy" and "__pycache__" not in parts:
            names.add(".".join(("litellm", *(parts[:-1] if parts[-1] == "__init__" else parts))))
    return sorted(names)


def left_out(keep: Iterable[str]) -> list[str]:
    """Every proxy module and package not in `keep` (nor a parent of one), for PyInstaller's excludes."""
    root = package_root()
    kept_names = set(keep)
    names = set()
    for path in (root / "proxy").rglob("*"):
        if "__pycache__" in path.parts or not (path.is_dir() or path.suffix == ".py"):
            continue
        parts = path.relative_to(root).with_suffix("").parts
        names.add(".".join(("litellm", *(parts[:-1] if parts[-1] == "__init__" else parts))))
    return sorted(n for n in names if n not in kept_names and _is_proxy(n))


if __name__ == "__main__":
    print("\n".join(kept()))
