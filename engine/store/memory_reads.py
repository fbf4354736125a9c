"""Every read of employee memory: listings, the ranked search, journal entries, links to model steps.

Functions of a connection, for `Journal.read`; the tables and writes are in `engine.store.memory`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from engine.cjk import index_form
from engine.store.memory import SELECT as _SELECT
from engine.store.memory import MemoryRecord
from engine.store.memory import raw_connection as _raw
from engine.store.memory import record as _record

CANDIDATE_CAP = 3000  # at most this many index hits are ranked per search (see `_choose_terms`)


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
    """Memories given whatever the task: the tone first, then pinned ones, most important first."""
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
        f"ORDER BY m.kind = 'tone' DESC, m.pinned DESC, m.importance DESC, m.created_at DESC, m.n DESC "
        f"LIMIT {int(limit)}"
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
    counted = sorted((_hits(raw, t, cap), t) for t in terms)
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
    # Each term a quoted phrase (never read as query syntax) in the index's form: "周一开会" finds its pairs in order.
    phrases = [f'"{index_form(t).strip()}"' for t in terms]
    chosen, floor = _choose_terms(raw, phrases, cap)
    if not chosen:
        return []
    visible, whose = _visible(employee_id, team)
    where = f"memory_fts MATCH ? AND m.superseded_by IS NULL AND {visible}"
    args: list[Any] = [" OR ".join(chosen), *whose]
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


def forgotten(conn: Connection, digests: Sequence[str]) -> set[str]:
    """Which of `digests` (see `engine.store.memory.text_digest`) the owner made an employee forget."""
    if not digests:
        return set()
    marks = ", ".join("?" * len(digests))
    rows = _raw(conn).execute(f"SELECT digest FROM memories_forgotten WHERE digest IN ({marks})", list(digests))
    return {r[0] for r in rows}


def given_memories(
    conn: Connection, *, step_ids: Sequence[str] = (), task_id: str | None = None
) -> dict[str, list[MemoryRecord | str]]:
    """The memories each model step was given, by step id; a forgotten one appears as its bare id."""
    links = given(conn, step_ids=step_ids, task_id=task_id)
    found = many(conn, sorted({m for ids in links.values() for m in ids}))
    return {step: [found.get(m, m) for m in ids] for step, ids in links.items()}


def standing_and_journal(
    conn: Connection, employee_id: str, team: str | None, *, since: str | None, limit: int, today: str
) -> tuple[list[MemoryRecord], MemoryRecord | None]:
    """What every task is given (pinned, tone) and the last working day's journal entry."""
    kept = standing(conn, employee_id, team, since=since, limit=limit)
    entry = latest_journal(conn, employee_id, today)
    if entry is not None and since is not None and entry.created_at < since:
        entry = None
    return kept, entry
