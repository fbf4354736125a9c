"""What a reading command needs from a hired employee's brief, as the office last parsed it.

Parsing a brief takes YAML, pydantic and the tool registry (most of a read-only command's time), yet
`roster` and `budget` need only its model, hours, ceilings, or the error that keeps it from working.
The office writes these facts whenever it seats an employee (engine.office.briefing), one small JSON
file per employee under `cache/briefs/`, keyed on what the parse depended on: the brief file's size
and modification time (or its absence), the version the employee works from and the office's tool-belt
ceiling. A reading command uses them only while that key still holds; otherwise it opens the full
office, which parses the brief (naming file, line and field when it is wrong) and writes them anew.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.store.records import EmployeeRecord

if TYPE_CHECKING:  # pydantic's models: only the office, which has them loaded, keeps facts
    from engine.briefs import WorkingHours

FOLDER = ("cache", "briefs")
# Of the kept facts; 2: windows as a brief writes them (1 kept a form WorkingHours did not read back);
# 3: a domain many owners share (`com`) is refused, so a brief once kept as loading may no longer load.
FORMAT = 3


@dataclass(frozen=True, slots=True)
class BriefFacts:
    model: str | None  # the brief's ModelConfig as `model_choice.dump` writes it; None: invalid
    hours: Any  # the brief's WorkingHours as JSON data (`kept_hours`)
    per_turn_usd: float | None
    per_day_usd: float | None
    error: str | None  # why the brief keeps the employee from working (file, line, field)


def kept_hours(hours: WorkingHours) -> dict[str, Any]:
    """`hours` as JSON data that `WorkingHours.model_validate` reads back (each window as a brief writes it)."""
    return {**hours.model_dump(mode="json"), "windows": [str(w) for w in hours.windows]}


def key_of(record: EmployeeRecord, ceiling: int) -> list[Any]:
    """What the parse of `record`'s brief depended on; take it before reading the file."""
    try:
        stat = Path(record.brief_path).stat()
        found: list[Any] = [stat.st_size, stat.st_mtime_ns]
    except OSError:
        found = [None, None]  # the file is gone: the office works from the stored version
    return [FORMAT, record.brief_path, *found, record.brief_version, ceiling]


def _path(root: Path, employee_id: str) -> Path:
    return root.joinpath(*FOLDER, f"{employee_id}.json")


def remember(root: Path, employee_id: str, key: list[Any], facts: BriefFacts) -> None:
    """Keep `facts` for `key` (atomically: a reader sees the old file or the new one). Never raises:
    a cache that cannot be written only makes the next reading command slower."""
    path = _path(root, employee_id)
    data = {"key": key, "model": facts.model, "hours": facts.hours, "per_turn_usd": facts.per_turn_usd,
            "per_day_usd": facts.per_day_usd, "error": facts.error}  # fmt: skip
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text(json.dumps(data), encoding="utf-8")
        partial.replace(path)
    except OSError:
        with contextlib.suppress(OSError):
            partial.unlink()


def recall(root: Path, record: EmployeeRecord, ceiling: int) -> BriefFacts | None:
    """The facts kept for `record`'s brief, or None when there are none or they no longer hold."""
    try:
        data = json.loads(_path(root, record.id).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("key") != key_of(record, ceiling):
        return None
    try:
        return BriefFacts(data["model"], data["hours"], data["per_turn_usd"], data["per_day_usd"], data["error"])
    except KeyError:
        return None
