"""CLI commands for teams: `board`, `sprint`, `reassign` and `summary`.

`board` and `summary` only read (safe while the office works; `summary` also saves its Markdown).
Planning a sprint asks the lead's model in this process; the running office queues the approved
sprint's cards at its next poll.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Awaitable, Callable
from typing import Any

from engine.errors import OfficeError
from engine.office import Office
from engine.teams import TeamError

Handler = Callable[[Office, argparse.Namespace], Awaitable[int]]


def add_commands(sub: Any) -> dict[str, Handler]:
    p = sub.add_parser("board", help="a team's shared board: backlog, in progress, in review, waiting, done")
    p.add_argument("team")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("sprint", help='the lead plans a sprint: sprint TEAM "GOAL" [--days N]; sprint approve SPRINT')
    p.add_argument("team", help="the team, or `approve`")
    p.add_argument("goal", help="the sprint's goal, or with approve: the sprint's id")
    p.add_argument("--days", type=int, default=5, help="how long the sprint runs (default: 5)")
    p.add_argument("--auto", choices=["on", "off"], help="from now on, approve the team's sprints without asking")

    p = sub.add_parser("reassign", help="give a waiting task to another member of its team")
    p.add_argument("task")
    p.add_argument("employee", help="name or id")

    p = sub.add_parser("summary", help="a team's weekly summary (saved in the team's workspace)")
    p.add_argument("team")
    return {"board": _board, "sprint": _sprint, "reassign": _reassign, "summary": _summary}


async def _board(office: Office, args: argparse.Namespace) -> int:
    from engine.teams.board import render

    cards = await office.teams.board(args.team)
    names = office.teams.names()
    if args.json:
        print(json.dumps([c.as_json(names) for c in cards], indent=2))
    else:
        print(render(args.team, cards, names))
    return 0


async def _sprint(office: Office, args: argparse.Namespace) -> int:
    try:
        if args.team == "approve":
            sprint = await office.teams.approve(args.goal)
            print(f"Sprint {sprint.id} approved: its first tasks are queued (`headcount run` works them)")
            return 0
        if args.auto:
            await office.teams.set_setting(args.team, "auto_approve", "1" if args.auto == "on" else "0")
        proposal = await office.teams.plan_sprint(args.team, args.goal, days=args.days)
    except TeamError as exc:
        raise OfficeError(str(exc)) from None
    names = office.teams.names()
    sprint = proposal.sprint
    print(f"Sprint {sprint.id} of {sprint.team}: {sprint.goal} ({sprint.starts} to {sprint.ends}), {sprint.status}")
    for card in proposal.cards:
        deps = f" after {', '.join(card.dependencies)}" if card.dependencies else ""
        print(f"  {card.key:<8} {card.title[:60]:<60} {names.get(card.owner_id, card.owner_id)}, due {card.due}{deps}")
    if sprint.status == "proposed":
        print(f"Approve it with: headcount sprint approve {sprint.id}")
    return 0


async def _reassign(office: Office, args: argparse.Namespace) -> int:
    try:
        task = await office.teams.reassign(args.task, args.employee)
    except TeamError as exc:
        raise OfficeError(str(exc)) from None
    print(f"Task {task.id} is now {office.teams.names().get(task.employee_id, task.employee_id)}'s, queued")
    return 0


async def _summary(office: Office, args: argparse.Namespace) -> int:
    text, path = await office.teams.summary(args.team)
    print(text, end="")
    print(f"(saved to {path})")
    return 0
