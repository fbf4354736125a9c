"""A team working sprint after sprint leaves nothing growing with its history (the soak benchmark's causes).

Each read's SQL text is fixed (no parameter list as long as the board: every connection's statement
cache keeps each distinct text prepared), the board is the open work and the last week, and the budget
ledger forgets each turn once it ends.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, event

from engine.clock import FakeClock
from engine.store.teams import SprintRecord
from engine.testing import FunctionModel
from tests.engine.conftest import BriefWriter, OfficeFactory
from tests.engine.test_teams import MONDAY_9, _team, rehearse

ROUNDS = 30  # sprints of a day, an hour of office time apart: over a day boundary (stand-ups) and back


async def test_sprint_after_sprint_leaves_nothing_growing(
    make_office: OfficeFactory, write_brief: BriefWriter, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock(MONDAY_9)
    office = await make_office(FunctionModel(rehearse), clock=clock)
    await _team(office, write_brief)
    await office.teams.set_setting("studio", "auto_approve", "1")
    texts: dict[str, int] = {}  # each SQL text the office read with, and its number of parameters

    def seen(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        texts.setdefault(statement, statement.count("?"))

    event.listen(Engine, "before_cursor_execute", seen)
    sprints_read = [0]  # sprint rows read into records: each round's must not grow with the sprints before it
    made = SprintRecord.__init__

    def counted(self: SprintRecord, *args: Any, **kwargs: Any) -> None:
        sprints_read[0] += 1
        made(self, *args, **kwargs)

    monkeypatch.setattr(SprintRecord, "__init__", counted)
    per_round: list[tuple[int, int]] = []
    sprints_per_round: list[int] = []
    try:
        for n in range(ROUNDS):
            sprints_read[0] = 0
            await office.teams.plan_sprint("studio", f"Newsletter {n + 1}", days=1)
            await office.run(until_idle=True)
            clock.advance(3600)
            per_round.append((len(texts), max(texts.values())))
            sprints_per_round.append(sprints_read[0])
    finally:
        event.remove(Engine, "before_cursor_execute", seen)
    # No new SQL text after the first rounds (before: a new IN list each round) and no read with a
    # parameter list growing with the board.
    assert per_round[-1][0] == per_round[ROUNDS // 3][0], per_round
    assert max(texts.values()) < 30, max(texts.items(), key=lambda item: item[1])[0][:200]
    assert office.ledger.turns == 0  # every turn ended and was forgotten
    # Approving a sprint read every sprint ever planned to find it (a soak's steps/s halved in 15 minutes).
    assert max(sprints_per_round[ROUNDS // 3 :]) <= max(sprints_per_round[: ROUNDS // 3]), sprints_per_round

    board = await office.teams.board("studio")
    assert len(board) == 6 * ROUNDS and all(c.column == "done" for c in board)  # the week's work, all done
    assert len(await office.teams.board("studio", closed_limit=20)) == 20  # what the team_board tool shows
    assert await office.teams.board("studio", closed_limit=0) == []  # what the stuck check reads: nothing open
    clock.advance(8 * 24 * 3600)
    assert await office.teams.board("studio") == []  # a week on, the closed cards are history, not the board
