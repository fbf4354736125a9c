"""Every SQL statement of teams: the board's cards, sprints and the team workspace's artifact versions.

A card is one item of a team's board. It is linked to the task that works it once the task exists
(`task_id`); a sprint's cards wait unlinked until the sprint is approved and their dependencies are
done. The board's column is derived from the linked task's status (see engine.teams.board), except
that an employee may move its own open card (`moved_to`). Claims (`claimed_by`, `lease_until`) say
which worker process holds a task; `escalated_at` marks a card escalated to the lead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import (
    Column,
    Connection,
    Index,
    Integer,
    String,
    Table,
    Text,
    delete,
    func,
    insert,
    select,
    update,
)

from engine.store.records import CLOSED_TASKS, OPEN_TASKS, TaskRecord, fields_of
from engine.store.schema import metadata, steps, tasks
from engine.store.writer import Op, WriteFn

_CLOSED, _OPEN = CLOSED_TASKS, OPEN_TASKS

team_cards = Table(
    "team_cards",
    metadata,
    Column("id", String, primary_key=True),
    Column("team", String, nullable=False),
    Column("sprint_id", String),  # None for a card made by a hand-off
    Column("key", String, nullable=False, server_default=""),  # the plan's name for it, e.g. "t2"
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False, server_default=""),
    Column("owner_id", String, nullable=False),  # the employee who owns it now
    Column("depends_on", Text, nullable=False, server_default="[]"),  # JSON list of card keys, same sprint
    Column("deliverable", Text, nullable=False, server_default=""),
    Column("due", String),  # ISO date
    Column("task_id", String),  # the task working it, once queued
    Column("moved_to", String),  # a column its owner moved it to, while its task is open
    Column("escalated_at", String),
    Column("created_at", String, nullable=False),
    Index("ix_team_cards_team", "team", "sprint_id"),
    Index("ix_team_cards_task", "task_id"),
)

sprints = Table(
    "sprints",
    metadata,
    Column("id", String, primary_key=True),
    Column("team", String, nullable=False),
    Column("goal", Text, nullable=False),
    Column("lead_id", String, nullable=False),
    Column("status", String, nullable=False),  # proposed | active | closed | rejected
    Column("starts", String, nullable=False),  # ISO date
    Column("ends", String, nullable=False),  # ISO date, inclusive
    Column("created_at", String, nullable=False),
    Column("approved_at", String),
    Index("ix_sprints_status", "status", "team"),  # the active or proposed ones, not every sprint ever planned
)

team_artifacts = Table(
    "team_artifacts",
    metadata,
    Column("team", String, primary_key=True),
    Column("path", String, primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("sha256", String, nullable=False),
    Column("author_id", String, nullable=False),
    Column("task_id", String),
    Column("created_at", String, nullable=False),
)

team_summaries = Table(
    "team_summaries",
    metadata,
    Column("team", String, primary_key=True),
    Column("week", String, primary_key=True),  # ISO week: the summary is sent once a week
    Column("path", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("sent_at", String, nullable=False),
)


@dataclass(frozen=True, slots=True)
class SummaryRecord:
    team: str
    week: str
    path: str
    text: str
    sent_at: str


@dataclass(frozen=True, slots=True)
class CardRecord:
    id: str
    team: str
    sprint_id: str | None
    key: str
    title: str
    body: str
    owner_id: str
    depends_on: str
    deliverable: str
    due: str | None
    task_id: str | None
    moved_to: str | None
    escalated_at: str | None
    created_at: str

    @property
    def dependencies(self) -> list[str]:
        value = json.loads(self.depends_on or "[]")
        return [str(v) for v in value] if isinstance(value, list) else []


@dataclass(frozen=True, slots=True)
class SprintRecord:
    id: str
    team: str
    goal: str
    lead_id: str
    status: str
    starts: str
    ends: str
    created_at: str
    approved_at: str | None


# --- writes -------------------------------------------------------------------------------------------


def insert_card(card: CardRecord) -> Op:
    return (insert(team_cards), fields_of(card))


def update_card(card_id: str, **values: object) -> Op:
    return (update(team_cards).where(team_cards.c.id == card_id), values)


class CardTaken(Exception):
    """The card was already linked to a task (another process queued it first); nothing was written."""


def link_card_task(card_id: str, task_id: str) -> Op:
    """Link an unqueued card to the task that works it; raises CardTaken (rolling back the write it is
    in, the task's insert with it) when the card already has one, so two processes releasing the same
    card never both queue it."""
    stmt = update(team_cards).where(team_cards.c.id == card_id, team_cards.c.task_id.is_(None))

    def run(conn: Connection) -> None:
        if conn.execute(stmt, {"task_id": task_id}).rowcount != 1:
            raise CardTaken(card_id)

    fn: WriteFn = run
    return (fn, None)


def delete_sprint_cards(sprint_id: str) -> Op:
    """Every card of a sprint (its plan is replaced before any of them was queued)."""
    return (delete(team_cards).where(team_cards.c.sprint_id == sprint_id, team_cards.c.task_id.is_(None)), None)


def insert_sprint(sprint: SprintRecord) -> Op:
    return (insert(sprints), fields_of(sprint))


def update_sprint(sprint_id: str, **values: object) -> Op:
    return (update(sprints).where(sprints.c.id == sprint_id), values)


def set_task_owner(task_id: str, employee_id: str, when: str) -> Op:
    """Give a task (not running) to another employee."""
    return (update(tasks).where(tasks.c.id == task_id), {"employee_id": employee_id, "updated_at": when})


def insert_artifact(
    team: str, path: str, version: int, sha256: str, author_id: str, task_id: str | None, when: str
) -> Op:
    values = {
        "team": team,
        "path": path,
        "version": version,
        "sha256": sha256,
        "author_id": author_id,
        "task_id": task_id,
        "created_at": when,
    }
    return (insert(team_artifacts), values)


def insert_summary(record: SummaryRecord) -> Op:
    return (insert(team_summaries).prefix_with("OR IGNORE"), fields_of(record))


# --- reads --------------------------------------------------------------------------------------------


def read_cards(conn: Connection, team: str | None = None, sprint_id: str | None = None) -> list[CardRecord]:
    stmt = select(team_cards).order_by(team_cards.c.created_at, team_cards.c.id)
    if team is not None:
        stmt = stmt.where(team_cards.c.team == team)
    if sprint_id is not None:
        stmt = stmt.where(team_cards.c.sprint_id == sprint_id)
    return [CardRecord(**r._asdict()) for r in conn.execute(stmt)]


def read_board(
    conn: Connection, team: str, closed_since: str, closed_limit: int | None = None
) -> tuple[list[CardRecord], dict[str, TaskRecord]]:
    """A team's board: every open card, and cards whose task closed since `closed_since` (the newest
    `closed_limit` of them), oldest card first; with the tasks working them, by id.

    Bounded by the open work and the window, never by the team's whole history: the board is read at
    every poll, and a team that works for months has thousands of closed cards.
    """
    # Each query starts from an index on what is open or lately closed (ix_team_cards_task for the cards
    # not queued yet, ix_tasks_status_updated for the tasks): the team is filtered here, since a filter
    # on it in SQL lets the planner start from ix_team_cards_team, every card the team ever had.
    unqueued = select(team_cards).where(team_cards.c.task_id.is_(None))
    on_card = tasks.join(team_cards, team_cards.c.task_id == tasks.c.id)
    working = select(team_cards, tasks).select_from(on_card).where(tasks.c.status.in_(_OPEN))
    closed = (
        select(team_cards, tasks)
        .select_from(on_card)
        .where(tasks.c.status.in_(_CLOSED), tasks.c.updated_at >= closed_since)
        .order_by(tasks.c.updated_at.desc(), tasks.c.id.desc())
    )
    cards = [CardRecord(**r._asdict()) for r in conn.execute(unqueued) if r.team == team]
    found: dict[str, TaskRecord] = {}
    width = len(team_cards.c)
    for stmt, limit in ((working, None), (closed, closed_limit)):
        if limit == 0:
            continue
        kept = 0
        for row in conn.execute(stmt):
            if limit is not None and kept >= limit:
                break
            card = CardRecord(**dict(zip(team_cards.c.keys(), row[:width], strict=True)))
            if card.team != team:
                continue
            kept += 1
            cards.append(card)
            task = TaskRecord(**dict(zip(tasks.c.keys(), row[width:], strict=True)))
            found[task.id] = task
    cards.sort(key=lambda c: (c.created_at, c.id))
    return cards, found


def read_card(conn: Connection, card_id: str) -> CardRecord | None:
    row = conn.execute(select(team_cards).where(team_cards.c.id == card_id)).first()
    return None if row is None else CardRecord(**row._asdict())


def read_card_of_task(conn: Connection, task_id: str) -> CardRecord | None:
    row = conn.execute(select(team_cards).where(team_cards.c.task_id == task_id)).first()
    return None if row is None else CardRecord(**row._asdict())


def read_sprints(conn: Connection, team: str | None = None, status: str | None = None) -> list[SprintRecord]:
    stmt = select(sprints).order_by(sprints.c.created_at, sprints.c.id)
    if team is not None:
        stmt = stmt.where(sprints.c.team == team)
    if status is not None:
        stmt = stmt.where(sprints.c.status == status)
    return [SprintRecord(**r._asdict()) for r in conn.execute(stmt)]


def read_sprint(conn: Connection, sprint_id: str) -> SprintRecord | None:
    row = conn.execute(select(sprints).where(sprints.c.id == sprint_id)).first()
    return None if row is None else SprintRecord(**row._asdict())


def read_card_tasks(conn: Connection, team: str, sprint_id: str | None = None) -> dict[str, TaskRecord]:
    """The tasks working a team's cards (of one sprint, when given), by id.

    A join, never a list of ids as parameters: an `IN (?, ?, ...)` as long as the board is a new SQL
    text each time the board grows, and every connection's statement cache keeps the prepared ones.
    """
    stmt = select(tasks).join(team_cards, team_cards.c.task_id == tasks.c.id).where(team_cards.c.team == team)
    if sprint_id is not None:
        stmt = stmt.where(team_cards.c.sprint_id == sprint_id)
    return {r.id: TaskRecord(**r._asdict()) for r in conn.execute(stmt)}


def read_artifact_version(conn: Connection, team: str, path: str) -> int:
    """The newest version of a team file (0: none yet)."""
    stmt = select(func.max(team_artifacts.c.version)).where(
        team_artifacts.c.team == team, team_artifacts.c.path == path
    )
    value = conn.execute(stmt).scalar()
    return int(value or 0)


def read_artifacts(conn: Connection, team: str) -> list[tuple[str, int, str, str]]:
    """(path, newest version, author, when) of each team file."""
    stmt = (
        select(team_artifacts.c.path, team_artifacts.c.version, team_artifacts.c.author_id, team_artifacts.c.created_at)
        .where(team_artifacts.c.team == team)
        .order_by(team_artifacts.c.path, team_artifacts.c.version)
    )
    newest: dict[str, tuple[str, int, str, str]] = {}
    for path, version, author, when in conn.execute(stmt):
        newest[path] = (str(path), int(version), str(author), str(when))
    return list(newest.values())


def read_progress(conn: Connection, task_id: str) -> tuple[int, str | None]:
    """Steps since the task's last deliverable (a write or a hand-off), and when that was (None: never)."""
    delivered = ("write_file", "team_write", "hand_off")
    last = conn.execute(
        select(func.max(steps.c.seq), func.max(steps.c.finished_at)).where(
            steps.c.task_id == task_id, steps.c.tool.in_(delivered), steps.c.status == "finished"
        )
    ).first()
    last_seq = int(last[0]) if last is not None and last[0] is not None else 0
    since = conn.execute(
        select(func.count()).select_from(steps).where(steps.c.task_id == task_id, steps.c.seq > last_seq)
    ).scalar()
    return int(since or 0), (str(last[1]) if last is not None and last[1] is not None else None)


def read_spent(conn: Connection, team: str, since: str) -> float:
    """Dollars spent on the steps of the tasks working a team's cards since `since` (ISO)."""
    stmt = (
        select(func.coalesce(func.sum(steps.c.cost_usd), 0.0))
        .select_from(steps.join(team_cards, team_cards.c.task_id == steps.c.task_id))
        .where(team_cards.c.team == team, steps.c.started_at >= since)
    )
    return float(conn.execute(stmt).scalar() or 0.0)


def read_summaries(conn: Connection, team: str | None = None, limit: int = 20) -> list[SummaryRecord]:
    """The summaries sent, newest first."""
    stmt = select(team_summaries).order_by(team_summaries.c.sent_at.desc()).limit(limit)
    if team is not None:
        stmt = stmt.where(team_summaries.c.team == team)
    return [SummaryRecord(**r._asdict()) for r in conn.execute(stmt)]
