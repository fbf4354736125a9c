"""The board's routes: the window's board panel asks, the office's teams desk (`office.teams`) answers.

The board is loaded once per team shown, then reloaded when an event touches it (a task of the team
changed, a hand-off, a sprint planned); a `SummarySent` event shows the summary and notifies the owner.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from app.coalesce import Coalesced, Spawn
from app.panels.board import BoardCard, BoardPanel
from engine.events import EmployeeHired, EmployeeLeft, Event, HandOff, SummarySent, TaskChanged

if TYPE_CHECKING:
    from engine.office import Office
    from engine.teams import Teams

log = logging.getLogger(__name__)


class BoardRoutes:
    def __init__(self, office: Callable[[], Office | None], spawn: Spawn) -> None:
        self._office = office
        self._spawn = spawn
        self.panel: BoardPanel | None = None
        self._shown: str | None = None
        self._reload = Coalesced(self._load_shown, spawn, "refresh the board")

    def attach(self, panel: BoardPanel) -> None:
        self.panel = panel
        panel.set_teams(self.teams())

    def opened(self) -> None:
        """The office is open: the panel lists its teams (and loads the first one's board)."""
        if self.panel is not None:
            self.panel.set_teams(self.teams())

    # --- the panel's commands ----------------------------------------------------------------------

    def teams(self) -> list[str]:
        office = self._office()
        return office.teams.team_names() if office is not None else []

    def _teams(self) -> Teams:
        office = self._office()
        if office is None:
            raise RuntimeError("the office is not open yet")
        return office.teams

    def load(self, team: str) -> None:
        self._shown = team
        self._spawn(self._load(team), "load the board")

    async def _load(self, team: str) -> None:
        teams = self._teams()
        names = await teams.everyone()  # a card of someone let go still says whose it was
        cards = [c.as_json(names) for c in await teams.board(team)]
        rows = [BoardCard(c["id"], c["title"], c["owner"], c["column"], bool(c["escalated"]), c["due"]) for c in cards]
        summaries = await teams.summaries(team)
        proposed = await teams.sprints(team, status="proposed")  # maybe planned from a terminal: decided here too
        if self.panel is not None:
            self.panel.show_board(team, rows)
            if summaries:
                self.panel.show_summary(team, summaries[0].text)
            if proposed and (self.panel.sprint_id != proposed[-1].id or self.panel.plan_box.isHidden()):
                await self._show_plan(proposed[-1].id)

    def plan(self, team: str, goal: str, days: int) -> None:
        self._spawn(self._plan(team, goal, days), "plan the sprint")

    async def _plan(self, team: str, goal: str, days: int) -> None:
        from engine.teams import TeamError

        try:
            proposal = await self._teams().plan_sprint(team, goal, days=days)
        except TeamError as exc:
            self._say(str(exc))
            return
        await self._show_plan(proposal.sprint.id)
        await self._load(team)

    async def _show_plan(self, sprint_id: str) -> None:
        sprint, plan = await self._teams().plan_of(sprint_id)
        title = f"Sprint of {sprint.team}: {sprint.goal} ({sprint.starts} to {sprint.ends})"
        if self.panel is not None:
            self.panel.show_plan(sprint.id, title, plan.model_dump_json(indent=2), sprint.status)

    def edit(self, sprint_id: str, plan_json: str) -> None:
        self._spawn(self._edit(sprint_id, plan_json), "save the plan")

    async def _edit(self, sprint_id: str, plan_json: str) -> None:
        from engine.teams import TeamError

        try:
            await self._teams().edit_plan_json(sprint_id, plan_json)
        except TeamError as exc:
            self._say(str(exc))
            return
        await self._show_plan(sprint_id)
        self._say("Saved: the plan is yours now. Approve it to start.")
        if self._shown:
            await self._load(self._shown)

    def approve(self, sprint_id: str) -> None:
        self._spawn(self._decide(sprint_id, approve=True), "approve the sprint")

    def reject(self, sprint_id: str) -> None:
        self._spawn(self._decide(sprint_id, approve=False), "reject the sprint")

    async def _decide(self, sprint_id: str, *, approve: bool) -> None:
        from engine.teams import TeamError

        teams = self._teams()
        try:
            await (teams.approve if approve else teams.reject)(sprint_id)
        except TeamError as exc:
            self._say(str(exc))
            return
        await self._show_plan(sprint_id)
        self._say(
            "Approved: the first tasks are queued."
            if approve
            else "Rejected: its cards are off the board. Plan another when you are ready."
        )
        if self._shown:
            await self._load(self._shown)

    # --- events ------------------------------------------------------------------------------------

    def on_event(self, event: Event) -> None:
        if self.panel is not None and isinstance(event, EmployeeHired | EmployeeLeft):
            teams = self.teams()
            if teams != [self.panel.team.itemText(i) for i in range(self.panel.team.count())]:
                self.panel.set_teams(teams)  # a team was hired (the starter team) or let go
            return
        if self.panel is None or self._shown is None:
            return
        if isinstance(event, SummarySent):  # shown (and notified) whichever team is on screen
            self.panel.show_summary(event.team, event.text, sent=True)
            return
        if isinstance(event, TaskChanged | HandOff):
            self._reload.ask()  # one reload at a time; a burst of changes ends in one more

    async def _load_shown(self) -> None:
        if self._shown is not None:
            await self._load(self._shown)

    def _say(self, text: str) -> None:
        if self.panel is not None:
            self.panel.show_message(text)
