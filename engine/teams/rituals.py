"""A team's rituals: the stand-up at the start of each working day and the weekly summary.

Both read the board and write Markdown in the team's workspace; the desk hands in what they read.
The weekly summary is also sent: at the end of each week (Friday, SUMMARY_HOUR on the office's clock)
one durable row per team and week, and a `SummarySent` event the window notifies the owner with.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

from engine.bus import EventBus
from engine.clock import Clock
from engine.events import MeetingEnded, MeetingStarted, SummarySent
from engine.store import teams as store
from engine.store.journal import Journal
from engine.store.settings import put_setting, read_settings_starting
from engine.store.teams import SprintRecord, SummaryRecord
from engine.teams.board import Card
from engine.teams.plan import Member
from engine.teams.summary import weekly_summary

SUMMARY_WEEKDAY = 4  # Friday
SUMMARY_HOUR = 17


class Rituals:
    def __init__(
        self,
        journal: Journal,
        bus: EventBus,
        clock: Clock,
        *,
        board: Callable[[str], Awaitable[list[Card]]],
        members: Callable[[str], list[Member]],
        lead: Callable[[str], Member],
        names: Callable[[], dict[str, str]],
        workspace: Callable[[str], Path],
        sprints: Callable[[str], Awaitable[list[SprintRecord]]],
    ) -> None:
        self._journal = journal
        self._bus = bus
        self._clock = clock
        self._board = board
        self._members = members
        self._lead = lead
        self._names = names
        self._workspace = workspace
        self._sprints = sprints

    async def standups(self, teams: list[str]) -> None:
        """Each team's stand-up, once a day, when its lead is on duty and its board has cards."""
        today = self._clock.now().date().isoformat()
        for team in teams:
            lead = self._lead(team)
            key = f"team:{team}:standup"
            done = dict(await self._journal.read(lambda c, k=key: read_settings_starting(c, k)))  # type: ignore[misc]
            if done.get(key) == today or not lead.on_duty:
                continue
            cards = await self._board(team)
            if not cards:
                continue
            await self.standup(team, cards)
            await self._journal.write(put_setting(key, today))

    async def standup(self, team: str, cards: list[Card] | None = None) -> Path:
        cards = cards if cards is not None else await self._board(team)
        members = self._members(team)
        self._bus.publish(MeetingStarted(team=team, kind="standup", attendees=tuple(m.id for m in members)))
        names = self._names()
        day = self._clock.now().date().isoformat()
        lines = [f"# Stand-up of {team}, {day}", ""]
        for member in members:
            mine = [c for c in cards if c.record.owner_id == member.id and c.column not in ("done", "dropped")]
            doing = "; ".join(f"{c.record.title} ({c.column.replace('_', ' ')})" for c in mine) or "nothing open"
            lines.append(f"- {names.get(member.id, member.id)}: {doing}")
        path = self._workspace(team) / "standups" / f"{day}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        self._bus.publish(MeetingEnded(team=team))
        return path

    async def weekly(self, teams: list[str]) -> list[SummaryRecord]:
        """Send each team's summary once its week has ended (Friday evening), once per week."""
        now = self._clock.now()
        if (now.weekday(), now.hour) < (SUMMARY_WEEKDAY, SUMMARY_HOUR):
            return []
        year, number, _ = now.isocalendar()
        week = f"{year}-W{number:02d}"
        sent = {(r.team, r.week) for r in await self._journal.read(lambda c: store.read_summaries(c, None, 200))}
        out = []
        for team in teams:
            if (team, week) in sent or not await self._board(team):
                continue
            text, path = await self.summary(team)
            record = SummaryRecord(team=team, week=week, path=str(path), text=text, sent_at=now.isoformat())
            await self._journal.write(store.insert_summary(record))
            self._bus.publish(SummarySent(team=team, week=week, path=str(path), text=text))
            out.append(record)
        return out

    async def summary(self, team: str) -> tuple[str, Path]:
        now = self._clock.now()
        since = (now - timedelta(days=7)).isoformat()
        cards = await self._board(team)
        spent = await self._journal.read(lambda c: store.read_spent(c, team, since))
        proposed = [s for s in await self._sprints(team) if s.status == "proposed"]
        text = weekly_summary(team, now, cards, self._names(), spent, proposed, since)
        year, week, _ = now.isocalendar()
        path = self._workspace(team) / "summaries" / f"{year}-W{week:02d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return text, path
