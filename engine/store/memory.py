"""Every SQL statement of employee memory: facts, decisions, daily journal entries and team memory.

One table of memories (each a row with its kind, source, importance, pin and supersession) and an
FTS5 index over its text. A memory is an employee's own (`employee_id`) or its team's (`team`); every
read filters on both, so an employee only ever sees its own and its team's. Ranking is bm25 on the
text, scaled by importance and by a recency decay (see `search`).

Writes are ops for the one writer (`Journal.write`); reads, functions of a connection for
`Journal.read`, are in `engine.store.memory_reads`. `engine.memory` holds the behaviour.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Boolean, Column, Connection, Float, Index, Integer, String, Table, Text

from engine.cjk import index_form
from engine.store.schema import metadata
from engine.store.writer import Op, WriteFn

memories = Table(
    "memories",
    metadata,
    Column("n", Integer, primary_key=True),  # the FTS rowid: stable, unlike an implicit rowid after VACUUM
    Column("id", String, nullable=False, unique=True),
    Column("employee_id", String),  # a personal memory's employee; None for a team memory
    Column("team", String),  # a team memory's team; None for a personal memory
    Column("kind", String, nullable=False),  # tone | preferences | customers | ... | journal
    Column("subject", Text, nullable=False, server_default=""),  # who or what it is about
    Column("text", Text, nullable=False),
    Column("why", Text, nullable=False, server_default=""),  # decisions: why
    Column("decided_by", String, nullable=False, server_default=""),  # decisions: by whom
    Column("source", String, nullable=False),  # owner | task | consolidation
    Column("source_id", String),  # the task it came from
    Column("day", String),  # journal entries: the working day, YYYY-MM-DD
    Column("importance", Float, nullable=False, server_default="0.5"),  # 0..1
    Column("pinned", Boolean, nullable=False, server_default="0"),
    Column("superseded_by", String),  # the memory that corrected or replaced this one
    Column("created_at", String, nullable=False),
    Index("ix_memories_employee", "employee_id", "kind"),
    Index("ix_memories_team", "team", "kind"),
)

memory_uses = Table(
    "memory_uses",  # which memories each model request was given
    metadata,
    Column("step_id", String, primary_key=True),
    Column("memory_id", String, primary_key=True),
    Column("task_id", String, nullable=False),
    Column("employee_id", String, nullable=False),
    Index("ix_memory_uses_task", "task_id"),
    Index("ix_memory_uses_memory", "memory_id"),
)

# Created by migration 0004, beside the tables: the FTS5 table `memory_fts` (text; rowid = memories.n), a
# unique index on (employee_id, day) for journal entries and a partial index of pinned memories. The index
# holds each text in `engine.cjk.index_form` (Chinese, Japanese and Korean as character pairs, since 0010).

FORGOTTEN = "[forgotten]"
_COLUMNS = [c.name for c in memories.c if c.name != "n"]
SELECT = ", ".join(f"m.{c}" for c in _COLUMNS)


@dataclass(frozen=True, slots=True)
class MemoryRecord:
    id: str
    employee_id: str | None
    team: str | None
    kind: str
    subject: str
    text: str
    why: str
    decided_by: str
    source: str
    source_id: str | None
    day: str | None
    importance: float
    pinned: bool
    superseded_by: str | None
    created_at: str

    @property
    def active(self) -> bool:
        return self.superseded_by is None


def record(row: Sequence[Any]) -> MemoryRecord:
    values = dict(zip(_COLUMNS, row, strict=True))
    values["pinned"] = bool(values["pinned"])
    return MemoryRecord(**values)


def text_digest(owner: str | None, text: str) -> str:
    """A forgotten text's fingerprint for one employee (or `team:<id>`): case and spacing ignored."""
    return hashlib.sha256(f"{owner}\n{' '.join(text.lower().split())}".encode()).hexdigest()


def _owner_key(memory: MemoryRecord) -> str | None:
    return memory.employee_id if memory.employee_id is not None else f"team:{memory.team}"


def _fts_text(memory: MemoryRecord) -> str:
    """What the index holds for a memory, before `index_form`: its text, subject and why."""
    return " ".join(part for part in (memory.text, memory.subject, memory.why) if part)


def raw_connection(conn: Connection) -> Any:
    raw = conn.connection.driver_connection
    assert raw is not None
    return raw


# --- writes ---------------------------------------------------------------------------------------

_INSERT = f"INSERT INTO memories ({', '.join(_COLUMNS)}) VALUES ({', '.join(':' + c for c in _COLUMNS)})"
_INDEX = "INSERT INTO memory_fts (rowid, text) VALUES ((SELECT n FROM memories WHERE id = :id), :text)"


def insert_ops(memory: MemoryRecord) -> list[Op]:
    """Store a memory and index it, in one transaction."""
    values = {c: getattr(memory, c) for c in _COLUMNS}
    return [(_INSERT, values), (_INDEX, {"id": memory.id, "text": index_form(_fts_text(memory))})]


def supersede_op(old_id: str, new_id: str) -> Op:
    return ("UPDATE memories SET superseded_by = :new WHERE id = :old", {"old": old_id, "new": new_id})


def importance_op(memory_id: str, importance: float) -> Op:
    return ("UPDATE memories SET importance = :importance WHERE id = :id", {"id": memory_id, "importance": importance})


def pin_op(memory_id: str, pinned: bool) -> Op:
    return ("UPDATE memories SET pinned = :pinned WHERE id = :id", {"id": memory_id, "pinned": pinned})


class _Step(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def task_id(self) -> str: ...
    @property
    def employee_id(self) -> str: ...


def given_ops(step: _Step, memory_ids: Sequence[str]) -> list[Op]:
    """Link a model step to the memories its request was given (committed with the step)."""
    if not memory_ids:
        return []
    rows = [
        {"step_id": step.id, "memory_id": m, "task_id": step.task_id, "employee_id": step.employee_id}
        for m in dict.fromkeys(memory_ids)
    ]

    def link(conn: Connection) -> None:
        raw_connection(conn).executemany(
            "INSERT OR IGNORE INTO memory_uses (step_id, memory_id, task_id, employee_id) "
            "VALUES (:step_id, :memory_id, :task_id, :employee_id)",
            rows,
        )

    return [(link, None)]


def journal_entry_fn(memory: MemoryRecord) -> WriteFn:
    """Write the employee's journal entry for `memory.day`, replacing one written before (same id kept)."""

    def upsert(conn: Connection) -> None:
        raw = raw_connection(conn)
        row = raw.execute(
            "SELECT n FROM memories WHERE kind = 'journal' AND employee_id = ? AND day = ?",
            (memory.employee_id, memory.day),
        ).fetchone()
        if row is None:
            for statement, params in insert_ops(memory):
                raw.execute(statement, params)
            return
        update = "UPDATE memories SET text = ?, created_at = ? WHERE n = ?"
        raw.execute(update, (memory.text, memory.created_at, row[0]))
        _reindex(raw, row[0], _fts_text(memory))

    return upsert


def _reindex(raw: Any, n: int, text: str) -> None:
    raw.execute("DELETE FROM memory_fts WHERE rowid = ?", (n,))
    raw.execute("INSERT INTO memory_fts (rowid, text) VALUES (?, ?)", (n, index_form(text)))


def merge_fn(duplicate_id: str, kept_id: str, importance: float) -> WriteFn:
    """Fold a duplicate into the memory it repeats: its uses point to the kept one, its row goes."""

    def merge(conn: Connection) -> None:
        raw = raw_connection(conn)
        raw.execute("UPDATE OR IGNORE memory_uses SET memory_id = ? WHERE memory_id = ?", (kept_id, duplicate_id))
        raw.execute("DELETE FROM memory_uses WHERE memory_id = ?", (duplicate_id,))
        raw.execute("UPDATE memories SET superseded_by = ? WHERE superseded_by = ?", (kept_id, duplicate_id))
        raw.execute("UPDATE memories SET importance = ? WHERE id = ?", (importance, kept_id))
        _delete(raw, [duplicate_id])

    return merge


def _delete(raw: Any, ids: Iterable[str]) -> int:
    count = 0
    for memory_id in ids:
        row = raw.execute("SELECT n FROM memories WHERE id = ?", (memory_id,)).fetchone()
        if row is not None:
            raw.execute("DELETE FROM memory_fts WHERE rowid = ?", (row[0],))
            raw.execute("DELETE FROM memories WHERE n = ?", (row[0],))
            count += 1
    return count


def prune_fn(employee_id: str, before: str, done: list[int]) -> WriteFn:
    """Delete the employee's own unpinned memories created before `before` (retention); counts into `done`."""

    def prune(conn: Connection) -> None:
        raw = raw_connection(conn)
        ids = [
            r[0]
            for r in raw.execute(
                "SELECT id FROM memories WHERE employee_id = ? AND NOT pinned AND created_at < ?", (employee_id, before)
            )
        ]
        done.append(_delete(raw, ids))
        if ids:
            raw.execute("INSERT INTO memory_fts (memory_fts) VALUES ('optimize')")

    return prune


def forget_fn(memory_id: str, when: str, found: list[MemoryRecord]) -> WriteFn:
    """Remove a memory's text for good: its row, its index entry and the copies Headcount made of it.

    Copies: journal entries that quote it, and the employee's steps (the `remember` call that made
    it and `recall` results that showed it). With `secure_delete` the freed pages are zeroed, and the
    index is optimized so no segment keeps its words. A memory it superseded stays superseded. The
    text's digest is kept (`text_digest`) so consolidation does not learn the same words again.
    """

    def forget(conn: Connection) -> None:
        raw = raw_connection(conn)
        row = raw.execute(f"SELECT {SELECT} FROM memories m WHERE m.id = ?", (memory_id,)).fetchone()
        if row is None:
            return
        memory = record(row)
        secure = raw.execute("PRAGMA secure_delete").fetchone()[0]
        raw.execute("PRAGMA secure_delete = ON")
        try:
            _forget(raw, memory, when)
        finally:
            raw.execute(f"PRAGMA secure_delete = {int(secure)}")
        found.append(memory)

    return forget


def _forget(raw: Any, memory: MemoryRecord, when: str) -> None:
    _delete(raw, [memory.id])
    raw.execute(
        "INSERT OR IGNORE INTO memories_forgotten (digest, forgotten_at) VALUES (?, ?)",
        (text_digest(_owner_key(memory), memory.text), when),
    )
    text = memory.text
    quoting = "SELECT n, text FROM memories WHERE kind = 'journal' AND instr(text, ?) > 0"
    for n, entry in list(raw.execute(quoting, (text,))):
        raw.execute("UPDATE memories SET text = ? WHERE n = ?", (entry.replace(text, FORGOTTEN), n))
        _reindex(raw, n, entry.replace(text, FORGOTTEN))
    once = json.dumps(text)[1:-1]
    spellings = {text, once, json.dumps(text, ensure_ascii=False)[1:-1], json.dumps(once)[1:-1]}
    # A team memory may have been recalled by any member: then every step is searched.
    mine = "employee_id = :employee AND " if memory.employee_id else ""
    for spelling in sorted(spellings, key=len, reverse=True):
        raw.execute(
            "UPDATE steps SET arguments = replace(arguments, :text, :gone), result = replace(result, :text, :gone) "
            f"WHERE {mine}(instr(arguments, :text) > 0 OR instr(result, :text) > 0)",
            {"text": spelling, "gone": FORGOTTEN, "employee": memory.employee_id},
        )
    raw.execute("INSERT INTO memory_fts (memory_fts) VALUES ('optimize')")
