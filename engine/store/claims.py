"""Every SQL statement of task claims: one row per task says which worker holds it, and until when.

A worker takes a task only when no one holds it, its lease has run out, or the claim is already its
own (one conditional upsert, so two workers can never both win). The holder renews the lease while
it works and releases it when the task leaves its hands; a worker that dies stops renewing, and the
task is free once the lease runs out. Times are seconds since the epoch on the office's clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Column, Connection, Float, String, Table, delete, select, update

from engine.store.schema import metadata
from engine.store.writer import Op, WriteFn, apply_op, driver

task_claims = Table(
    "task_claims",
    metadata,
    Column("task_id", String, primary_key=True),
    Column("holder", String, nullable=False),
    Column("lease_until", Float, nullable=False),
    Column("claimed_at", String, nullable=False),
)

_TAKE = (
    "INSERT INTO task_claims (task_id, holder, lease_until, claimed_at) VALUES (:task_id, :holder, :until, :at) "
    "ON CONFLICT (task_id) DO UPDATE SET holder = excluded.holder, lease_until = excluded.lease_until, "
    "claimed_at = CASE WHEN task_claims.holder = excluded.holder THEN task_claims.claimed_at "
    "ELSE excluded.claimed_at END "
    "WHERE task_claims.holder = excluded.holder OR task_claims.lease_until <= :now"
)  # plain SQL at the driver, as are the other writes of every task (a Core statement costs far more)
_RELEASE = "DELETE FROM task_claims WHERE task_id = :task_id AND holder = :holder"


@dataclass(frozen=True, slots=True)
class ClaimRecord:
    task_id: str
    holder: str
    lease_until: float
    claimed_at: str


def take(task_id: str, holder: str, now: float, until: float, at: str, won: list[bool], then: Sequence[Op] = ()) -> Op:
    """Claim the task for `holder` until `until`; `won` gets True when it did, False when another holds it.

    `then` runs in the same transaction only when the claim was won (marking the task running, say: it
    never commits without its claim).
    """

    def run(conn: Connection) -> None:
        raw = driver(conn)
        result = raw.execute(_TAKE, {"task_id": task_id, "holder": holder, "until": until, "at": at, "now": now})
        won.append(result.rowcount == 1)
        if won[-1] and then:
            for op in then:
                apply_op(conn, raw, op)

    fn: WriteFn = run
    return (fn, None)


def renew(task_ids: list[str], holder: str, until: float) -> Op:
    """Push the lease of the holder's claims on these tasks to `until`."""
    stmt = update(task_claims).where(task_claims.c.task_id.in_(task_ids), task_claims.c.holder == holder)
    return (stmt, {"lease_until": until})


def release(task_id: str, holder: str) -> Op:
    return (_RELEASE, {"task_id": task_id, "holder": holder})


def release_all() -> Op:
    """Drop every claim (recovery, with the run lock held: the lock proves their holders are gone)."""
    return (delete(task_claims), None)


def any_claims(conn: Connection) -> bool:
    return conn.execute(select(task_claims.c.task_id).limit(1)).first() is not None


def read_claims(conn: Connection) -> dict[str, ClaimRecord]:
    return {r.task_id: ClaimRecord(**r._asdict()) for r in conn.execute(select(task_claims))}
