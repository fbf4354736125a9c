"""memory: Chinese, Japanese and Korean in the search index as overlapping character pairs

`memory_fts` held each run of these characters as one token, so "开会" inside "客户喜欢周一开会" was never
found. Memories are now indexed in `engine.cjk.index_form`; this re-indexes the memories written before, and
only those that hold such characters (the rest are indexed exactly as they were). `_index_form` is a frozen
copy of that function as of this revision (a migration never imports the code it migrates for); a test holds
the two equal.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import re
from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_RUN = re.compile(
    "["
    "\u3005-\u3007\u303b\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
    "\u3041-\u309f\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f"
    "\u1100-\u11ff\u3131-\u318e\ua960-\ua97f\uac00-\ud7a3\ud7b0-\ud7ff\uffa0-\uffdc"
    "]+"
)


def _pairs(run: str) -> str:
    return run if len(run) < 2 else " ".join(run[i : i + 2] for i in range(len(run) - 1))


def _index_form(text: str) -> str:
    return _RUN.sub(lambda m: f" {_pairs(m.group(0))} ", text)


def _reindex(form: Callable[[str], str]) -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT n, text, subject, why FROM memories")).fetchall()
    changed = []
    for n, text, subject, why in rows:
        plain = " ".join(part for part in (text, subject, why) if part)
        if _RUN.search(plain) is not None:
            changed.append({"n": n, "text": form(plain)})
    if not changed:
        return
    conn.execute(sa.text("DELETE FROM memory_fts WHERE rowid = :n"), changed)
    conn.execute(sa.text("INSERT INTO memory_fts (rowid, text) VALUES (:n, :text)"), changed)


def upgrade() -> None:
    _reindex(_index_form)


def downgrade() -> None:
    _reindex(lambda plain: plain)
