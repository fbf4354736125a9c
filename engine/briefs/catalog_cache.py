"""The catalog as `headcount catalog` shows it, kept between runs while no file it came from changed.

Loading the catalog parses every shipped and owner brief (YAML, pydantic: most of the command's time).
The answer is kept in the data folder (`cache/catalog.json`), keyed on the size and modification time
of every file under the catalog folders (`roles`, `teams`, `skills`) and of this package's own code; any
change there, an added or removed file included, loads the catalog again.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

FOLDERS = ("roles", "teams", "skills")


def _key(dirs: list[Path]) -> list[list[Any]]:
    files = [p for d in dirs for folder in FOLDERS for p in (d / folder).rglob("*")]
    files += list(Path(__file__).resolve().parent.glob("*.py"))  # the loader's own rules
    key = []
    for path in sorted(files):
        try:
            stat = path.stat()
        except OSError:
            continue
        key.append([str(path), stat.st_size, stat.st_mtime_ns])
    return key


def catalog_shown(shipped: Path, owner: Path, cache: Path) -> tuple[dict[str, Any], list[str]]:
    """`catalog_json` of the catalog under `shipped` and `owner`, and its errors as the owner reads
    them; from `cache` when nothing changed since it was written."""
    key = _key([shipped, owner])
    try:
        kept = json.loads(cache.read_text(encoding="utf-8"))
        if isinstance(kept, dict) and kept.get("key") == key:
            return kept["catalog"], [str(e) for e in kept["errors"]]
    except (OSError, ValueError, KeyError):
        pass
    from engine.briefs.catalog import catalog_json, load_catalog

    catalog = load_catalog(shipped, owner)
    data, errors = catalog_json(catalog), [str(e) for e in catalog.errors]
    partial = cache.with_name(f"{cache.name}.{os.getpid()}.partial")
    try:  # a cache that cannot be written only makes the next run slower
        cache.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text(json.dumps({"key": key, "catalog": data, "errors": errors}), encoding="utf-8")
        partial.replace(cache)
    except OSError:
        with contextlib.suppress(OSError):
            partial.unlink()
    return data, errors
