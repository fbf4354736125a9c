"""Every SQL statement of employee memory: facts, decisions, daily journal entries and team memory.

One table of memories (each a row with its kind, source, importance, pin and supersession) and an
FTS5 index over its text. A memory is an employee's own (`employee_id`) or its team's (`team`); every
read filters on both, so an employee only ever sees its own and its team's. Ranking is bm25 on the
text, scaled by importance and by a recency decay (see `search`).

Writes are ops for the one writer (`Journal.write`); reads are functions of a connection for
`Journal.read`. `engine.memory` holds the behaviour; this module only stores and finds.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Boolean, Column, Connection, Float, Index, Integer, String, Table, Text

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
# unique index on (employee_id, day) for journal entries and a partial index of pinned memories.

FORGOTTEN = "[forgotten]"
CANDIDATE_CAP = 3000  # at most this many index hits are ranked per search (see `_choose_terms`)
_COLUMNS = [c.name for c in memories.c if c.name != "n"]
_SELECT = ", ".join(f"m.{c}" for c in _COLUMNS)


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


def _record(row: Sequence[Any]) -> MemoryRecord:
    values = dict(zip(_COLUMNS, row, strict=True))
    values["pinned"] = bool(values["pinned"])
    return MemoryRecord(**values)


def _fts_text(memory: MemoryRecord) -> str:
    return " ".join(part for part in (memory.text, memory.subject, memory.why) if part)


def _raw(conn: Connection) -> Any:
    raw = conn.connection.driver_connection
    assert raw is not None
    return raw


# --- writes ---------------------------------------------------------------------------------------

_INSERT = f"INSERT INTO memories ({', '.join(_COLUMNS)}) VALUES ({', '.join(':' + c for c in _COLUMNS)})"
_INDEX = "INSERT INTO memory_fts (rowid, text) VALUES ((SELECT n FROM memories WHERE id = :id), :text)"


def insert_ops(memory: MemoryRecord) -> list[Op]:
    """Store a memory and index it, in one transaction."""
    values = {c: getattr(memory, c) for c in _COLUMNS}
    return [(_INSERT, values), (_INDEX, {"id": memory.id, "text": _fts_text(memory)})]


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
        _raw(conn).executemany(
            "INSERT OR IGNORE INTO memory_uses (step_id, memory_id, task_id, employee_id) "
            "VALUES (:step_id, :memory_id, :task_id, :employee_id)",
            rows,
        )

    return [(link, None)]


def journal_entry_fn(memory: MemoryRecord) -> WriteFn:
    """Write the employee's journal entry for `memory.day`, replacing one written before (same id kept)."""

    def upsert(conn: Connection) -> None:
        raw = _raw(conn)
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
    raw.execute("INSERT INTO memory_fts (rowid, text) VALUES (?, ?)", (n, text))


def merge_fn(duplicate_id: str, kept_id: str, importance: float) -> WriteFn:
    """Fold a duplicate into the memory it repeats: its uses point to the kept one, its row goes."""

    def merge(conn: Connection) -> None:
        raw = _raw(conn)
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
        raw = _raw(conn)
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


def forget_fn(memory_id: str, found: list[MemoryRecord]) -> WriteFn:
    """Remove a memory's text for good: its row, its index entry and the copies Headcount made of it.

    Copies: journal entries that quote it, and the employee's steps (the `remember` call that made
    it and `recall` results that showed it). With `secure_delete` the freed pages are zeroed, and the
    index is optimized so no segment keeps its words. A memory it superseded stays superseded.
    """

    def forget(conn: Connection) -> None:
        raw = _raw(conn)
        raw.execute("PRAGMA secure_delete = ON")
        row = raw.execute(f"SELECT {_SELECT} FROM memories m WHERE m.id = ?", (memory_id,)).fetchone()
        if row is None:
            return
        memory = _record(row)
        _delete(raw, [memory_id])
        text = memory.text
        for n, entry in list(
            raw.execute("SELECT n, text FROM memories WHERE kind = 'journal' AND instr(text, ?) > 0", (text,))
        ):
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
        found.append(memory)

    return forget


# --- reads ----------------------------------------------------------------------------------------


def get(conn: Connection, memory_id: str) -> MemoryRecord | None:
    row = _raw(conn).execute(f"SELECT {_SELECT} FROM memories m WHERE m.id = ?", (memory_id,)).fetchone()
    return None if row is None else _record(row)


def _visible(employee_id: str, team: str | None) -> tuple[str, list[Any]]:
    if team:
        return "(m.employee_id = ? OR (m.employee_id IS NULL AND m.team = ?))", [employee_id, team]
    return "m.employee_id = ?", [employee_id]


def listing(
    conn: Connection,
    employee_id: str,
    team: str | None,
    *,
    kinds: Sequence[str] | None = None,
    include_superseded: bool = False,
    since: str | None = None,
    limit: int | None = None,
) -> list[MemoryRecord]:
    """What the employee may see, pinned first, then newest first."""
    where, args = _visible(employee_id, team)
    if kinds:
        where += f" AND m.kind IN ({', '.join('?' * len(kinds))})"
        args += list(kinds)
    if not include_superseded:
        where += " AND m.superseded_by IS NULL"
    if since:
        where += " AND (m.pinned OR m.created_at >= ?)"
        args.append(since)
    sql = f"SELECT {_SELECT} FROM memories m WHERE {where} ORDER BY m.pinned DESC, m.created_at DESC, m.n DESC"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return [_record(r) for r in _raw(conn).execute(sql, args)]


def standing(
    conn: Connection, employee_id: str, team: str | None, *, since: str | None, limit: int
) -> list[MemoryRecord]:
    """Memories given whatever the task: pinned ones and the tone, most important first."""
    # Each part uses an index (employee or team and kind; the partial index of pinned memories).
    parts = [
        "SELECT n FROM memories WHERE employee_id = ? AND kind = 'tone'",
        "SELECT n FROM memories WHERE pinned AND employee_id = ?",
    ]
    args: list[Any] = [employee_id, employee_id]
    if team:
        parts += [
            "SELECT n FROM memories WHERE team = ? AND employee_id IS NULL AND kind = 'tone'",
            "SELECT n FROM memories WHERE pinned AND team = ? AND employee_id IS NULL",
        ]
        args += [team, team]
    where = f"m.n IN ({' UNION '.join(parts)}) AND m.superseded_by IS NULL AND m.kind != 'journal'"
    if since:
        where += " AND (m.pinned OR m.created_at >= ?)"
        args.append(since)
    sql = (
        f"SELECT {_SELECT} FROM memories m WHERE {where} "
        f"ORDER BY m.pinned DESC, m.importance DESC, m.created_at DESC, m.n DESC LIMIT {int(limit)}"
    )
    return [_record(r) for r in _raw(conn).execute(sql, args)]


def _hits(raw: Any, query: str, cap: int) -> int:
    return int(
        raw.execute(
            "SELECT count(*) FROM (SELECT 1 FROM memory_fts WHERE memory_fts MATCH ? LIMIT ?)", (query, cap + 1)
        ).fetchone()[0]
    )


def _choose_terms(raw: Any, terms: Sequence[str], cap: int) -> tuple[list[str], int | None]:
    """The query terms worth ranking, and a rowid floor when even the rarest is too common.

    Ranking costs ~2 µs per hit, so hits are bounded: the rarest terms are taken until their hits
    would pass `cap`. A term found in thousands of memories says little about any of them (its bm25
    weight is near zero); a query made only of such terms searches the newest `cap` memories.
    """
    counted = sorted((_hits(raw, f'"{t}"', cap), t) for t in terms)
    chosen: list[str] = []
    total = 0
    for hits, term in counted:
        if hits == 0:
            continue
        if chosen and total + hits > cap:
            break
        chosen.append(term)
        total += hits
    if total <= cap:
        return chosen, None
    top = raw.execute("SELECT max(n) FROM memories").fetchone()[0] or 0
    return chosen, max(0, top - cap)


def search(
    conn: Connection,
    employee_id: str,
    team: str | None,
    terms: Sequence[str],
    *,
    now: str,
    since: str | None = None,
    kinds: Sequence[str] | None = None,
    exclude_kinds: Sequence[str] = ("journal",),
    exclude_ids: Sequence[str] = (),
    limit: int = 8,
    half_life_days: float = 90.0,
    cap: int = CANDIDATE_CAP,
) -> list[tuple[MemoryRecord, float]]:
    """Active memories matching any of `terms` (plain words), best first, with their scores.

    score = relevance x (1 + importance) x (1.5 if pinned) x (0.3 + 0.7 x 0.5 ** (age_days / half_life)),
    relevance being FTS5's bm25 on the text (negated, so higher is better). Recency can at most
    multiply a memory's score by 3.3: an old but exact match still beats a new, loose one.
    """
    raw = _raw(conn)
    chosen, floor = _choose_terms(raw, terms, cap)
    if not chosen:
        return []
    visible, whose = _visible(employee_id, team)
    where = f"memory_fts MATCH ? AND m.superseded_by IS NULL AND {visible}"
    args: list[Any] = [" OR ".join(f'"{t}"' for t in chosen), *whose]  # quoted: never read as query syntax
    if floor is not None:
        where += " AND memory_fts.rowid > ?"
        args.append(floor)
    if since:
        where += " AND (m.pinned OR m.created_at >= ?)"
        args.append(since)
    if kinds:
        where += f" AND m.kind IN ({', '.join('?' * len(kinds))})"
        args += list(kinds)
    if exclude_kinds:
        where += f" AND m.kind NOT IN ({', '.join('?' * len(exclude_kinds))})"
        args += list(exclude_kinds)
    if exclude_ids:
        where += f" AND m.id NOT IN ({', '.join('?' * len(exclude_ids))})"
        args += list(exclude_ids)
    decay = math.log(2) / half_life_days
    score = (
        "-bm25(memory_fts) * (1.0 + m.importance) * (CASE WHEN m.pinned THEN 1.5 ELSE 1.0 END)"
        f" * (0.3 + 0.7 * exp(-{decay!r} * max(0.0, julianday(?) - julianday(m.created_at))))"
    )
    # Rank on (rowid, score) alone, then read the few winners whole: the sorter never holds texts.
    sql = (
        f"SELECT {_SELECT}, best.score FROM (SELECT m.n AS n, {score} AS score FROM memory_fts "
        f"JOIN memories m ON m.n = memory_fts.rowid WHERE {where} ORDER BY score DESC, m.n DESC "
        f"LIMIT {int(limit)}) best JOIN memories m ON m.n = best.n ORDER BY best.score DESC, m.n DESC"
    )
    rows = raw.execute(sql, [now, *args]).fetchall()
    return [(_record(r[:-1]), float(r[-1])) for r in rows]


def latest_journal(conn: Connection, employee_id: str, before_day: str) -> MemoryRecord | None:
    row = (
        _raw(conn)
        .execute(
            f"SELECT {_SELECT} FROM memories m WHERE m.kind = 'journal' AND m.employee_id = ? AND m.day < ? "
            "ORDER BY m.day DESC LIMIT 1",
            (employee_id, before_day),
        )
        .fetchone()
    )
    return None if row is None else _record(row)


def last_journal_day(conn: Connection, employee_id: str) -> str | None:
    row = (
        _raw(conn)
        .execute("SELECT max(day) FROM memories WHERE kind = 'journal' AND employee_id = ?", (employee_id,))
        .fetchone()
    )
    return None if row is None else row[0]


def created_between(conn: Connection, employee_id: str, start: str, end: str) -> list[MemoryRecord]:
    """The employee's own active memories (not journal entries) created in [start, end)."""
    return [
        _record(r)
        for r in _raw(conn).execute(
            f"SELECT {_SELECT} FROM memories m WHERE m.employee_id = ? AND m.kind != 'journal' "
            "AND m.superseded_by IS NULL AND m.created_at >= ? AND m.created_at < ? ORDER BY m.n",
            (employee_id, start, end),
        )
    ]


def about(conn: Connection, employee_id: str, team: str | None, kind: str, subject: str) -> list[MemoryRecord]:
    """Active memories of one kind about one subject (case-insensitive), oldest first."""
    where, args = _visible(employee_id, team)
    return [
        _record(r)
        for r in _raw(conn).execute(
            f"SELECT {_SELECT} FROM memories m WHERE {where} AND m.kind = ? AND lower(m.subject) = lower(?) "
            "AND m.superseded_by IS NULL ORDER BY m.n",
            [*args, kind, subject],
        )
    ]


def given(conn: Connection, *, step_ids: Sequence[str] = (), task_id: str | None = None) -> dict[str, list[str]]:
    """Memory ids each model step was given, by step id (for the employee panel)."""
    raw = _raw(conn)
    if task_id is not None:
        rows = raw.execute(
            "SELECT step_id, memory_id FROM memory_uses WHERE task_id = ? ORDER BY rowid", (task_id,)
        ).fetchall()
    else:
        marks = ", ".join("?" * len(step_ids))
        rows = raw.execute(
            f"SELECT step_id, memory_id FROM memory_uses WHERE step_id IN ({marks}) ORDER BY rowid", list(step_ids)
        ).fetchall()
    out: dict[str, list[str]] = {}
    for step_id, memory_id in rows:
        out.setdefault(step_id, []).append(memory_id)
    return out


def many(conn: Connection, ids: Sequence[str]) -> dict[str, MemoryRecord]:
    if not ids:
        return {}
    marks = ", ".join("?" * len(ids))
    rows = _raw(conn).execute(f"SELECT {_SELECT} FROM memories m WHERE m.id IN ({marks})", list(ids))
    return {r.id: r for r in map(_record, rows)}


@dataclass(frozen=True, slots=True)
class DayTask:
    """A task worked on during one day, as consolidation reads it."""

    task_id: str
    title: str
    body: str
    status: str
    created_at: str
    owner_said: tuple[str, ...]  # the owner's messages inside the task that day
    outcome: str  # the employee's last reply text that day ("" when it only called tools)


def day_tasks(conn: Connection, employee_id: str, start: str, end: str) -> list[DayTask]:
    """The tasks the employee worked on (had a turn) in [start, end), in the order first worked."""
    raw = _raw(conn)
    tasks = raw.execute(
        "SELECT t.id, t.title, t.body, t.status, t.created_at FROM tasks t JOIN "
        "(SELECT task_id, min(started_at) AS first FROM turns WHERE employee_id = ? AND started_at >= ? "
        "AND started_at < ? GROUP BY task_id) d ON d.task_id = t.id ORDER BY d.first, t.id",
        (employee_id, start, end),
    ).fetchall()
    out: list[DayTask] = []
    for task_id, title, body, status, created_at in tasks:
        said = tuple(
            r[0] or ""
            for r in raw.execute(
                "SELECT result FROM steps WHERE task_id = ? AND kind = 'owner' AND started_at >= ? AND started_at < ? "
                "ORDER BY seq",
                (task_id, start, end),
            )
        )
        last = raw.execute(
            "SELECT result FROM steps WHERE task_id = ? AND kind = 'model' AND status = 'finished' AND started_at < ? "
            "ORDER BY seq DESC LIMIT 1",
            (task_id, end),
        ).fetchone()
        out.append(DayTask(task_id, title, body, status, created_at, said, _reply_text(last[0] if last else None)))
    return out


def _reply_text(message: str | None) -> str:
    if not message:
        return ""
    try:
        value = json.loads(message)
    except json.JSONDecodeError:
        return ""
    if not isinstance(value, dict) or value.get("tool_calls"):
        return ""
    content = value.get("content")
    return content if isinstance(content, str) else ""


def turn_starts(conn: Connection, employee_id: str, start: str, end: str) -> list[str]:
    return [
        r[0]
        for r in _raw(conn).execute(
            "SELECT started_at FROM turns WHERE employee_id = ? AND started_at >= ? AND started_at < ? ORDER BY 1",
            (employee_id, start, end),
        )
    ]
