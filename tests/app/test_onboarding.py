"""The starter team is hired once, into a new office only."""

from __future__ import annotations

from pathlib import Path

from app.onboarding import is_first_run
from engine.office import Office
from engine.paths import Home
from engine.testing import ScriptedModel


async def test_an_office_staffed_from_the_terminal_gets_no_starter_team(headcount_home: Path) -> None:
    office = await Office.open(Home.resolve(headcount_home), model=ScriptedModel())
    try:
        assert await is_first_run(office)  # new: the window's first opening hires its starter team
        await office.hire(office.brief_for("assistant"), name="Ada")  # `headcount hire assistant` first
        assert not await is_first_run(office)
        await office.dismiss("Ada")
        assert not await is_first_run(office)  # nor after everyone has left: the office is not new
    finally:
        await office.close()
