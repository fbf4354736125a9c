"""OfficeState: engine events in, per-employee targets out; `advance(dt)` animates toward them.

Nothing here renders or decides: statuses, meetings and hand-offs come from the engine, and the
only freedom (where an idle employee wanders, and for how long) comes from an injected RNG.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from app.office.layout import Desk, OfficePlan, Spot, plan_office, route
from app.office.paths import Point
from app.office.poses import (
    ARM_SWING,
    BEHAVIOURS,
    POSES,
    SIT,
    STATUS_LABELS,
    SWAY,
    TYPE_AMP,
    WALK_AMP,
    WAVE,
    Marker,
    Pose,
    blend,
    blend_factor,
)
from engine.events import (
    ApprovalRequested,
    ApprovalResolved,
    EmployeeHired,
    EmployeeLeft,
    Event,
    HandOff,
    MeetingEnded,
    MeetingStarted,
    SpendChanged,
    Status,
    StatusChanged,
    TaskChanged,
)
from models3d.palette import RGBA, appearance_colors

WALK_SPEED = 1.35  # m/s
TURN_RATE = 420.0  # deg/s
GIVE_SECONDS = 1.6


@dataclass(frozen=True, slots=True)
class Goal:
    """Where an actor is heading and what it does there. A new key means a new route."""

    key: tuple[object, ...]
    spot: Spot
    pose: str
    carry: bool = False


@dataclass(slots=True)
class Errand:
    to_employee: str
    title: str
    stage: str = "go"  # go -> give -> done
    timer: float = 0.0


@dataclass(slots=True)
class Actor:
    """One employee as the office sees it: identity, what the engine said, and the animation state."""

    employee_id: str
    name: str
    role: str
    title: str
    team: str
    colors: dict[str, RGBA]
    status: Status = "idle"
    detail: str = ""
    task_title: str = ""
    today_usd: float = 0.0
    ceiling_usd: float | None = None
    approvals: set[str] = field(default_factory=set)
    # animation state
    x: float = 0.0
    y: float = 0.0
    heading: float = 0.0
    pose: Pose = POSES["stand"]
    target: Pose = POSES["stand"]
    phase: float = 0.0
    goal: Goal | None = None
    path: list[Point] = field(default_factory=list)
    arrived: bool = False
    carrying: bool = False
    errand: Errand | None = None
    roam_leg: int = 0
    roam_timer: float = 0.0
    roam_spot: int = 0
    present: bool = True  # False once an off-duty employee has left through the door
    leaving: bool = False  # let go: walks out through the door, then is gone
    dim: float = 0.0
    marker_level: float = 0.0
    gauge: float = 0.0

    @property
    def marker(self) -> Marker | None:
        if self.approvals or self.status == "awaiting_approval":
            return "approval"
        return BEHAVIOURS[self.status].marker

    @property
    def lamp_on(self) -> bool:
        return self.status != "off_duty"

    @property
    def spend_fraction(self) -> float | None:
        if not self.ceiling_usd:
            return None
        return self.today_usd / self.ceiling_usd

    @property
    def action(self) -> str:
        """What the speech bubble says."""
        text = self.detail or STATUS_LABELS[self.status]
        if self.task_title and not self.detail:
            text = f"{text}: {self.task_title}"
        return text

    @property
    def walking(self) -> bool:
        return bool(self.path)


class OfficeState:
    """Per-employee targets from engine events; `advance(dt)` moves every actor toward them."""

    def __init__(self, rng: random.Random | None = None) -> None:
        self.rng = rng if rng is not None else random.Random(0)
        self.actors: dict[str, Actor] = {}
        self.meetings: dict[str, tuple[str, ...]] = {}
        self.plan: OfficePlan = plan_office({})
        self.layout_version = 0
        self.time = 0.0

    # ------------------------------------------------------------------ events
    def apply(self, event: Event) -> None:
        match event:
            case EmployeeHired():
                self._hire(event)
            case EmployeeLeft(employee_id=eid) if eid in self.actors:
                actor = self.actors[eid]  # walks out through the door; advance() removes them there
                actor.leaving, actor.status, actor.detail = True, "off_duty", "leaving"
                actor.approvals.clear()
            case StatusChanged(employee_id=eid, status=status, detail=detail) if eid in self.actors:
                actor = self.actors[eid]
                actor.status, actor.detail = status, detail
            case SpendChanged(employee_id=eid) if eid in self.actors:
                self.actors[eid].today_usd = event.today_usd
                self.actors[eid].ceiling_usd = event.ceiling_usd
            case ApprovalRequested(employee_id=eid, approval_id=aid) if eid in self.actors:
                self.actors[eid].approvals.add(aid)
            case ApprovalResolved(employee_id=eid, approval_id=aid) if eid in self.actors:
                self.actors[eid].approvals.discard(aid)
            case TaskChanged(employee_id=eid) if eid in self.actors:
                running = event.status in ("running", "waiting")
                self.actors[eid].task_title = event.title if running else ""
            case MeetingStarted(team=team, attendees=attendees):
                members = attendees or tuple(a.employee_id for a in self.actors.values() if a.team == team)
                self.meetings[team] = tuple(m for m in members if m in self.actors)
            case MeetingEnded(team=team):
                self.meetings.pop(team, None)
            case HandOff(from_employee=src, to_employee=dst) if src in self.actors and dst in self.actors:
                self.actors[src].errand = Errand(dst, event.title)
            case _:
                pass  # steps and streamed text change nothing the office shows beyond the status

    def apply_all(self, events: Iterable[Event]) -> None:
        for event in events:
            self.apply(event)

    def _hire(self, event: EmployeeHired) -> None:
        team = event.team or ""
        colors = appearance_colors(event.role, event.employee_id, event.appearance)
        actor = self.actors.get(event.employee_id)
        if actor is None:
            actor = Actor(event.employee_id, event.name, event.role, event.title, team, colors)
            self.actors[event.employee_id] = actor
            self._replan()
            door = self.plan.door  # new hires walk in through the door
            actor.x, actor.y, actor.heading = door.x, door.y, door.heading
        else:
            actor.name, actor.role, actor.title, actor.team, actor.colors = (
                event.name,
                event.role,
                event.title,
                team,
                colors,
            )
            self._replan()

    def _replan(self) -> None:
        self.plan = plan_office({eid: a.team for eid, a in self.actors.items()})
        self.layout_version += 1

    # ------------------------------------------------------------------ targets
    def desk(self, employee_id: str) -> Desk:
        return self.plan.desks[employee_id]

    def _desk_goal(self, actor: Actor, pose: str) -> Goal:
        desk = self.desk(actor.employee_id)
        sx, sy = desk.seat
        return Goal(("desk", desk.x, desk.y), Spot(sx, sy, 180.0, desk.aisle, seated=True), pose)

    def desired_goal(self, actor: Actor) -> Goal:
        """The goal the engine's state implies for `actor` (errand > meeting > status)."""
        behaviour = BEHAVIOURS[actor.status]
        if behaviour.place == "away":
            return Goal(("away",), self.plan.door, "stand")
        if actor.errand is not None and actor.errand.to_employee in self.actors:
            other = self.desk(actor.errand.to_employee)
            vx, vy = other.visitor
            heading = _heading_to((vx, vy), other.seat)
            spot = Spot(vx, vy, heading, (vx, vy))
            carry = actor.errand.stage == "go"
            return Goal(("errand", actor.errand.to_employee, vx, vy), spot, "give", carry=carry)
        for team, attendees in self.meetings.items():
            if actor.employee_id in attendees:
                area = self.plan.area(team) or self.plan.area(actor.team)
                if area is not None:
                    present = [a for a in attendees if self.actors[a].status != "off_duty"]
                    index = present.index(actor.employee_id) % len(area.meeting_spots)
                    spot = area.meeting_spots[index]
                    return Goal(("meeting", team, index), spot, "meeting" if spot.seated else "listen")
        if behaviour.place == "roam" and actor.roam_leg % 2 == 1:
            spots = self.plan.kitchen_spots + self.plan.wander_spots
            spot = spots[actor.roam_spot % len(spots)]
            return Goal(("roam", actor.roam_leg), spot, "sip" if spot in self.plan.kitchen_spots else "stand")
        return self._desk_goal(actor, behaviour.pose)

    # ------------------------------------------------------------------ animation
    def advance(self, dt: float) -> None:
        """Move the simulation on by `dt` seconds."""
        dt = min(max(dt, 0.0), 0.25)
        self.time += dt
        k = blend_factor(dt)
        for actor in self.actors.values():
            self._advance_actor(actor, dt, k)
        gone = [eid for eid, a in self.actors.items() if a.leaving and not a.present]
        for eid in gone:
            del self.actors[eid]
        if gone:
            self._replan()

    def _advance_actor(self, actor: Actor, dt: float, k: float) -> None:
        actor.phase += dt
        goal = self.desired_goal(actor)
        if actor.goal is None or goal.key != actor.goal.key:
            self._start_route(actor, goal)
        elif goal != actor.goal:
            actor.goal = goal  # same place, new pose (e.g. typing -> reading)
        assert actor.goal is not None

        target = actor.target
        if actor.path:
            if actor.pose[SIT] > 0.12:  # stand up before walking off
                target = POSES["stand"]
            else:
                actor.present = True
                target = POSES["carry" if actor.goal.carry else "walk"]
                self._walk(actor, dt)
        if not actor.path:
            target = POSES[actor.goal.pose]
            actor.heading = _turn(actor.heading, actor.goal.spot.heading, TURN_RATE * dt)
            self._arrived(actor, dt)
        actor.carrying = bool(actor.goal.carry and actor.path)
        if target is not actor.target:
            actor.target = target
        if actor.pose != actor.target:
            actor.pose = blend(actor.pose, actor.target, dt)
        dim = 1.0 if BEHAVIOURS[actor.status].dim else 0.0
        actor.dim += (dim - actor.dim) * k
        marker = 1.0 if actor.marker else 0.0
        actor.marker_level += (marker - actor.marker_level) * k
        actor.gauge += (min(1.0, actor.spend_fraction or 0.0) - actor.gauge) * k

    def _start_route(self, actor: Actor, goal: Goal) -> None:
        here = (actor.x, actor.y)
        leaving = actor.goal.spot.approach if actor.goal is not None and not actor.path else here
        actor.path = route(self.plan, here, leaving, goal.spot.approach, (goal.spot.x, goal.spot.y))[1:]
        actor.goal = goal
        actor.arrived = False
        if goal.key[0] == "roam":
            actor.roam_timer = self.rng.uniform(4.0, 9.0)

    def _walk(self, actor: Actor, dt: float) -> None:
        budget = WALK_SPEED * dt
        while actor.path and budget > 0:
            tx, ty = actor.path[0]
            dx, dy = tx - actor.x, ty - actor.y
            dist = math.hypot(dx, dy)
            if dist > 1e-6:
                actor.heading = _turn(actor.heading, math.degrees(math.atan2(-dx, dy)), TURN_RATE * dt)
            if dist <= budget:
                actor.x, actor.y = tx, ty
                actor.path.pop(0)
                budget -= dist
            else:
                actor.x += dx / dist * budget
                actor.y += dy / dist * budget
                budget = 0

    def _arrived(self, actor: Actor, dt: float) -> None:
        assert actor.goal is not None
        if not actor.arrived:
            actor.arrived = True
            if actor.goal.key[0] == "away":
                actor.present = False
            elif actor.goal.key[0] == "desk" and BEHAVIOURS[actor.status].place == "roam":
                actor.roam_timer = self.rng.uniform(3.0, 8.0)
        errand = actor.errand
        if errand is not None and actor.goal.key[0] == "errand":
            errand.stage = "give"
            errand.timer += dt
            if errand.timer >= GIVE_SECONDS:
                actor.errand = None
            return
        if BEHAVIOURS[actor.status].place == "roam" and actor.goal.key[0] in ("desk", "roam"):
            actor.roam_timer -= dt
            if actor.roam_timer <= 0:
                actor.roam_leg += 1
                spots = len(self.plan.kitchen_spots) + len(self.plan.wander_spots)
                actor.roam_spot = self.rng.randrange(spots)
        elif actor.roam_leg % 2 == 1:
            actor.roam_leg += 1  # called back to work: the next idle spell starts at the desk

    def motion(self) -> Motion:
        """How much the picture changes now, for the frame rate: "busy" (someone at work types, walks
        or eases into a pose; a marker fades), "calm" (a slow sway, a bobbing marker, or idle people
        strolling to the kitchen: ambient, drawn at a few frames a second) or "still" (nothing moves).
        """
        calm = False
        for actor in self.actors.values():
            moving = bool(actor.path) or not _near(actor.pose, actor.target) or _turning(actor)
            moving = moving or any(actor.target[j] for j in _FAST)
            if actor.errand is not None or actor.leaving or _easing(actor):
                return "busy"
            if moving and actor.status != "idle":
                return "busy"
            calm = calm or moving or bool(actor.target[SWAY]) or actor.marker is not None
        return "calm" if calm else "still"

    def settle(self) -> None:
        """Put every actor at its goal in its final pose at once (snapshots and tests, not animation)."""
        leaving = [eid for eid, a in self.actors.items() if a.leaving]
        for eid in leaving:
            del self.actors[eid]
        if leaving:
            self._replan()
        for actor in self.actors.values():
            goal = self.desired_goal(actor)
            actor.goal, actor.path, actor.arrived = goal, [], True
            actor.x, actor.y, actor.heading = goal.spot.x, goal.spot.y, goal.spot.heading
            actor.pose = actor.target = POSES[goal.pose]
            actor.present = goal.key[0] != "away"
            actor.dim = 1.0 if BEHAVIOURS[actor.status].dim else 0.0
            actor.marker_level = 1.0 if actor.marker else 0.0
            actor.gauge = min(1.0, actor.spend_fraction or 0.0)
            actor.carrying = goal.carry
            actor.roam_timer = self.rng.uniform(2.0, 8.0)


Motion = Literal["still", "calm", "busy"]
_FAST = (TYPE_AMP, WALK_AMP, ARM_SWING, WAVE)  # oscillations that need every frame
_SETTLED = 1e-3  # closer than this to its target, a joint or a fade no longer shows any change


def _near(pose: Pose, target: Pose) -> bool:
    return all(abs(a - b) < _SETTLED for a, b in zip(pose, target, strict=True))


def _easing(actor: Actor) -> bool:
    """A fade still on its way: the lamp's dimming, the marker, the spend gauge."""
    dim = 1.0 if BEHAVIOURS[actor.status].dim else 0.0
    marker = 1.0 if actor.marker else 0.0
    gauge = min(1.0, actor.spend_fraction or 0.0)
    return (
        abs(actor.dim - dim) > _SETTLED
        or abs(actor.marker_level - marker) > _SETTLED
        or abs(actor.gauge - gauge) > _SETTLED
    )


def _turning(actor: Actor) -> bool:
    if actor.goal is None:
        return False
    gap = (actor.goal.spot.heading - actor.heading + 180.0) % 360.0 - 180.0
    return abs(gap) > 0.1


def _heading_to(a: Point, b: Point) -> float:
    return math.degrees(math.atan2(-(b[0] - a[0]), b[1] - a[1]))


def _turn(current: float, target: float, max_step: float) -> float:
    diff = (target - current + 180.0) % 360.0 - 180.0
    if abs(diff) <= max_step:
        return target
    return current + math.copysign(max_step, diff)
