"""The deliverables table: work handed in for the owner's review during probation, one row per round."""

from __future__ import annotations

from sqlalchemy import Connection, func, insert, select, update

from engine.store.records import Deliverable, fields_of
from engine.store.schema import deliverables, tasks
from engine.store.writer import Op


def insert_deliverable(item: Deliverable) -> Op:
    return (insert(deliverables), fields_of(item))


def decide(deliverable_id: str, status: str, when: str, comment: str | None = None) -> Op:
    """Accept it or send it back (`comment` says what to change)."""
    values = {"status": status, "decided_at": when}
    if comment is not None:
        values["comment"] = comment
    return (update(deliverables).where(deliverables.c.id == deliverable_id), values)


def count_rounds(conn: Connection, task_id: str) -> int:
    """How many times the task's work was handed in."""
    return int(conn.execute(select(func.count()).where(deliverables.c.task_id == task_id)).scalar_one())


def read_deliverables(conn: Connection, status: str | None) -> list[Deliverable]:
    """Oldest first, only those with `status` unless it is None. A deliverable is pending only while its task
    waits in review: one whose task was since cancelled, split or handed to someone else waits for no one."""
    stmt = select(deliverables).order_by(deliverables.c.created_at)
    if status:
        stmt = stmt.where(deliverables.c.status == status)
    if status == "pending":
        in_review = select(tasks.c.id).where(tasks.c.id == deliverables.c.task_id, tasks.c.status == "review")
        stmt = stmt.where(in_review.exists())
    return [Deliverable(**r._asdict()) for r in conn.execute(stmt)]
