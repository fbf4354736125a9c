"""A sprint plan: the lead's tasks with owners, dependencies, deliverables and due dates, and its checks."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from engine.briefs import WorkingHours
from engine.hours import describe

ALWAYS = WorkingHours(always=True)


class PlannedTask(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(pattern=r"^[A-Za-z0-9_-]{1,20}$", description="a short name other tasks depend on, e.g. t1")
    title: str = Field(min_length=1, max_length=200)
    owner: str = Field(description="the team member's id or name")
    body: str = ""
    depends_on: list[str] = Field(default_factory=list)
    deliverable: str = Field(
        "", description="a file in the sprint's own folder of the team workspace, e.g. launch.md or drafts/launch.md"
    )
    due: date
    tools: list[str] = Field(default_factory=list, description="tools the owner needs for it")


class Plan(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tasks: list[PlannedTask] = Field(min_length=1)


@dataclass(frozen=True, slots=True)
class Member:
    """A team member as planning and the board see them."""

    id: str
    name: str
    role: str
    title: str
    team: str
    tools: frozenset[str]
    rehearsal: bool
    on_duty: bool = True
    hours: WorkingHours = ALWAYS  # as the scheduler keeps them (the owner's setting over the brief's)


class PlanError(Exception):
    """The plan cannot be used; the message lists every problem."""


def parse_plan(text: str) -> Plan:
    """A plan from a model's reply (JSON, perhaps inside a ```json fence). Raises PlanError."""
    match = re.search(r"\{.*\}", text, re.DOTALL)
    if match is None:
        raise PlanError("the reply holds no JSON object")
    try:
        return Plan.model_validate(json.loads(match.group(0)))
    except (json.JSONDecodeError, ValidationError) as exc:
        raise PlanError(f"the plan is not valid: {exc}") from None


def check_plan(plan: Plan, members: Sequence[Member], starts: date, ends: date) -> list[str]:
    """Every problem of the plan (empty: it can be shown to the owner)."""
    problems: list[str] = []
    keys = [t.key for t in plan.tasks]
    if len(set(keys)) != len(keys):
        problems.append("two tasks share a key")
    for task in plan.tasks:
        member = find_member(members, task.owner)
        if member is None:
            problems.append(f"{task.key}: {task.owner!r} is not on the team")
        else:
            missing = sorted(set(task.tools) - member.tools)
            if missing:
                problems.append(f"{task.key}: {member.name} lacks {', '.join(missing)}")
        for dep in task.depends_on:
            if dep not in keys:
                problems.append(f"{task.key}: depends on unknown task {dep!r}")
        if not starts <= task.due <= ends:
            problems.append(f"{task.key}: due {task.due} is outside the sprint ({starts} to {ends})")
        if task.deliverable and not in_workspace(task.deliverable):
            problems.append(f"{task.key}: deliverable {task.deliverable!r} is not a file inside the team workspace")
    cycle = find_cycle({t.key: list(t.depends_on) for t in plan.tasks})
    if cycle:
        problems.append("dependency cycle: " + " -> ".join(cycle))
    return problems


def in_workspace(path: str) -> bool:
    """Whether a deliverable names a file inside the team workspace: relative, no '..', no hidden part."""
    parts = path.split("/")
    return "\\" not in path and all(p and not p.startswith(".") for p in parts)


SPRINTS = "sprints"  # each sprint's deliverables live in a folder of their own under this one


def sprint_folder(sprint_id: str, goal: str) -> str:
    """The workspace folder of one sprint's deliverables, named for its goal and unique by its id:
    `sprints/spring-newsletter-3` (two sprints of a team never write over each other's files)."""
    slug = re.sub(r"[^a-z0-9]+", "-", goal.lower()).strip("-")[:40].strip("-") or "sprint"
    suffix = re.sub(r"[^A-Za-z0-9_-]+", "-", sprint_id.removeprefix("sprint_"))
    return f"{SPRINTS}/{slug}-{suffix}"


def place(deliverable: str, folder: str) -> str:
    """A planned deliverable inside its sprint's folder: a plan names paths relative to it (`brief.md`); one
    already inside it (an edited plan's, read back from its cards) stays as it is."""
    if not deliverable or deliverable.startswith(folder + "/"):
        return deliverable
    return f"{folder}/{deliverable}"


def find_member(members: Sequence[Member], who: str) -> Member | None:
    lowered = who.strip().lower()
    return next((m for m in members if m.id == who or m.name.lower() == lowered or m.role == who), None)


def find_cycle(graph: dict[str, list[str]]) -> list[str]:
    """A dependency cycle as a path (first node repeated at the end), or [] when there is none."""
    state: dict[str, int] = {}  # 1: on the path, 2: finished

    def visit(node: str, path: list[str]) -> list[str]:
        state[node] = 1
        for dep in graph.get(node, []):
            if state.get(dep) == 1:
                return [*path[path.index(dep) :], dep] if dep in path else [node, dep]
            if dep in graph and dep not in state:
                found = visit(dep, [*path, dep])
                if found:
                    return found
        state[node] = 2
        return []

    for node in sorted(graph):
        if node not in state:
            found = visit(node, [node])
            if found:
                return found
    return []


def rehearsal_plan(goal: str, lead: Member, members: Sequence[Member], starts: date, days: int) -> Plan:
    """The deterministic plan of the offline model: the lead briefs, each member does its part, the lead ships."""
    others = [m for m in members if m.id != lead.id]
    ends = starts + timedelta(days=max(days, 1) - 1)
    last = working_day(lead, ends, starts, ends)
    middle = starts + timedelta(days=max(days, 1) // 2)
    tasks = [
        PlannedTask(
            key="brief",
            title=f"Brief for: {goal}"[:200],
            owner=lead.id,
            body=f"Write the brief for the sprint goal: {goal}. Say what each part needs.",
            deliverable="brief.md",
            due=working_day(lead, starts, starts, ends),
        )
    ]
    for n, member in enumerate(others, 1):
        tasks.append(
            PlannedTask(
                key=f"part{n}",
                title=f"{member.title}: {goal}"[:200],
                owner=member.id,
                body=f"Do the {member.title.lower()} part of: {goal}. Build on the brief.",
                depends_on=["brief"],
                deliverable=f"{member.role}.md",
                due=working_day(member, middle, starts, ends),
            )
        )
    tasks.append(
        PlannedTask(
            key="ship",
            title=f"Review and ship: {goal}"[:200],
            owner=lead.id,
            body=f"Review every part of: {goal}, and put the final version together.",
            depends_on=[t.key for t in tasks[1:]] or ["brief"],
            deliverable="final.md",
            due=last,
        )
    )
    return Plan(tasks=tasks)


def working_day(member: Member, day: date, starts: date, ends: date) -> date:
    """`day`, or the nearest day inside the sprint that `member` works, the earlier first (a due date on a
    member's weekend would read as late by Monday); `day` itself when the member works none of them."""
    for shift in range((ends - starts).days + 1):
        for candidate in (day - timedelta(days=shift), day + timedelta(days=shift)):
            if starts <= candidate <= ends and member.hours.works_on(candidate):
                return candidate
    return day


def planning_prompt(goal: str, members: Sequence[Member], starts: date, ends: date) -> str:
    """What the lead's model is asked, to answer with a JSON plan."""
    team = "\n".join(
        f"- {m.id} ({m.name}, {m.title}): works {describe(m.hours)}; tools {', '.join(sorted(m.tools)) or 'none'}"
        for m in members
    )
    schema = json.dumps(Plan.model_json_schema())
    return (
        f"Plan a sprint for the goal: {goal}\nIt runs from {starts} to {ends}. The team:\n{team}\n\n"
        "Split the goal into tasks, each owned by one member who has the tools it needs, with the keys of the "
        "tasks it depends on (no cycles), a deliverable file and a due date inside the sprint on a day its owner "
        "works. Deliverable paths are relative to the sprint's own folder of the team workspace (e.g. brief.md), "
        "which the office makes for each sprint so that no two sprints write over each other's files. "
        f"Answer with one JSON object only, matching this schema:\n{schema}"
    )
