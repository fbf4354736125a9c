"""CLI commands for teams: `board`, `sprint` (plan, show, edit, approve, reject), `reassign`, `split`, `escalate`,
`summary`.

`board` and `summary` only read (safe while the office works; `summary` also saves its Markdown).
Planning a sprint asks the lead's model in this process; the running office queues the approved
sprint's cards at its next poll.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from engine import cli_input
from engine.errors import OfficeError
from engine.office import Office
from engine.runlock import to_go_on
from engine.teams import Plan, TeamError

Handler = Callable[[Office, argparse.Namespace], Awaitable[int]]


def add_commands(sub: Any) -> dict[str, Handler]:
    p = sub.add_parser("board", help="a team's shared board: backlog, in progress, in review, waiting, done")
    p.add_argument("team")
    p.add_argument("--json", action="store_true")

    kind, sub._parser_class = sub._parser_class, _Intermixed  # this one command's parser only
    p = sub.add_parser(
        "sprint",
        help='the lead plans a sprint: sprint TEAM "GOAL" [--days N]; sprint show|edit|approve|reject SPRINT',
    )
    sub._parser_class = kind
    p.add_argument("team", help="the team, or `show`, `edit`, `approve` or `reject`")
    p.add_argument(
        "goal",
        nargs="?",
        help="the sprint's goal (none with --auto alone), or with show, edit, approve, reject: its id",
    )
    p.add_argument("--file", help="with edit: the edited plan, as JSON (`sprint show SPRINT --json` writes one)")
    p.add_argument("--json", action="store_true", help="with show: the plan as JSON, to edit")
    p.add_argument("--days", type=cli_input.count(1, 90), default=5, help="how long the sprint runs, 1-90 (default: 5)")
    p.add_argument(
        "--auto",
        choices=["on", "off"],
        help="from now on, approve the team's sprints without asking (sprint TEAM --auto on: only that; "
        "with a GOAL, plans one too)",
    )

    p = sub.add_parser("reassign", help="give a waiting task to another member of its team")
    p.add_argument("task", help="the task's id, as `headcount board TEAM` lists it")
    p.add_argument("employee", help="name or id")

    p = sub.add_parser("split", help="split a waiting task of a team into two for its owner")
    p.add_argument("task", help="the task's id, as `headcount board TEAM` lists it")
    p.add_argument("first", help="the first half, in a few words")
    p.add_argument("second", help="the second half")

    p = sub.add_parser("escalate", help="park a team's stuck task with a question for the owner")
    p.add_argument("task", help="the task's id, as `headcount board TEAM` lists it")
    p.add_argument("question")

    p = sub.add_parser("summary", help="a team's weekly summary (saved in the team's workspace)")
    p.add_argument("team")
    return {
        "board": _board,
        "sprint": _sprint,
        "reassign": _reassign,
        "split": _split,
        "escalate": _escalate,
        "summary": _summary,
    }


async def _board(office: Office, args: argparse.Namespace) -> int:
    from engine.teams.board import render

    try:
        cards = await office.teams.board(office.teams.known(args.team))
    except TeamError as exc:
        raise OfficeError(str(exc)) from None
    names = await office.teams.everyone()
    if args.json:
        print(json.dumps([c.as_json(names) for c in cards], indent=2))
    else:
        print(render(args.team, cards, names))
    return 0


class _Intermixed(argparse.ArgumentParser):
    """Options anywhere among the words: `sprint TEAM --auto on "GOAL"` and `sprint TEAM --auto on`, whose
    goal is optional. Plain argparse gives an optional positional nothing once an option comes first."""

    _inside = False

    def parse_known_args(  # type: ignore[override]
        self, args: list[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        if self._inside:  # parse_known_intermixed_args calls this twice itself
            return super().parse_known_args(args, namespace)
        self._inside = True
        try:
            return self.parse_known_intermixed_args(args, namespace)
        finally:
            self._inside = False


_VERBS = ("show", "edit", "approve", "reject")


async def _sprint(office: Office, args: argparse.Namespace) -> int:
    if args.goal is None and args.team in _VERBS:
        raise OfficeError(f"give the sprint's id, as planning printed it: headcount sprint {args.team} SPRINT")
    if args.goal is None and not args.auto:
        raise OfficeError(f'give the sprint\'s goal: headcount sprint {args.team} "GOAL" (or only --auto on|off)')
    try:
        if args.team == "show":
            return await _show(office, args.goal, as_json=args.json)
        if args.team == "edit":
            if not args.file:
                raise OfficeError(
                    "sprint edit needs --file PLAN.json (write one with `headcount sprint show SPRINT --json`)"
                )
            await office.teams.edit_plan(args.goal, _read_plan(args.file))
            print(f"Sprint {args.goal}: the plan is now yours")
            return await _show(office, args.goal, as_json=False)
        if args.team == "approve":
            sprint = await office.teams.approve(args.goal)
            print(f"Sprint {sprint.id} approved: its first tasks are queued. {to_go_on(office.home.root, 'work them')}")
            return 0
        if args.team == "reject":
            sprint = await office.teams.reject(args.goal)
            print(
                f"Sprint {sprint.id} rejected: its cards are off the board (plan another with `headcount sprint "
                f'{sprint.team} "GOAL"`)'
            )
            return 0
        if args.auto:
            await office.teams.set_setting(args.team, "auto_approve", "1" if args.auto == "on" else "0")
            if args.goal is None:
                said = "approved without asking" if args.auto == "on" else "proposed to you to approve"
                print(f"From now on {args.team}'s sprints are {said}.")
                return 0
        proposal = await office.teams.plan_sprint(args.team, args.goal, days=args.days)
    except TeamError as exc:
        raise OfficeError(str(exc)) from None
    names = await office.teams.everyone()
    sprint = proposal.sprint
    print(f"Sprint {sprint.id} of {sprint.team}: {sprint.goal} ({sprint.starts} to {sprint.ends}), {sprint.status}")
    for card in proposal.cards:
        deps = f" after {', '.join(card.dependencies)}" if card.dependencies else ""
        print(f"  {card.key:<8} {card.title[:60]:<60} {names.get(card.owner_id, card.owner_id)}, due {card.due}{deps}")
    if sprint.status == "proposed":
        print(f"Approve it with: headcount sprint approve {sprint.id} (or turn it down: sprint reject {sprint.id})")
    return 0


async def _show(office: Office, sprint_id: str, *, as_json: bool) -> int:
    sprint, plan = await office.teams.plan_of(sprint_id)
    if as_json:
        print(plan.model_dump_json(indent=2))
        return 0
    print(f"Sprint {sprint.id} of {sprint.team}: {sprint.goal} ({sprint.starts} to {sprint.ends}), {sprint.status}")
    for t in plan.tasks:
        deps = f" after {', '.join(t.depends_on)}" if t.depends_on else ""
        print(f"  {t.key:<8} {t.title[:60]:<60} {t.owner}, due {t.due}{deps}")
    return 0


def _read_plan(path: str) -> Plan:
    """The plan in a JSON file, checked for shape (its owners, tools and cycles are checked by the desk)."""
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise OfficeError(f"cannot read the plan {path}: {exc.strerror}") from None
    try:
        return Plan.model_validate_json(text)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise OfficeError(f"the plan in {path} is not valid: {where}: {first['msg']}") from None


async def _split(office: Office, args: argparse.Namespace) -> int:
    try:
        args.task = await office.teams.task_of(args.task)
        one, two = await office.teams.split(args.task, args.first, args.second)
    except TeamError as exc:
        raise OfficeError(str(exc)) from None
    print(f"Task {args.task} is split into {one.id} and {two.id}, both queued")
    return 0


async def _escalate(office: Office, args: argparse.Namespace) -> int:
    try:
        args.task = await office.teams.task_of(args.task)
        await office.teams.escalate_to_owner(args.task, args.question)
    except TeamError as exc:
        raise OfficeError(str(exc)) from None
    print(f'Task {args.task} waits for you: answer with `headcount resume {args.task} --note "YOUR ANSWER"`')
    return 0


async def _reassign(office: Office, args: argparse.Namespace) -> int:
    try:
        task = await office.teams.reassign(await office.teams.task_of(args.task), args.employee)
    except TeamError as exc:
        raise OfficeError(str(exc)) from None
    print(f"Task {task.id} is now {office.teams.names().get(task.employee_id, task.employee_id)}'s, queued")
    return 0


async def _summary(office: Office, args: argparse.Namespace) -> int:
    try:
        text, path = await office.teams.summary(args.team)
    except TeamError as exc:
        raise OfficeError(str(exc)) from None
    print(text, end="")
    print(f"(saved to {path})")
    return 0
