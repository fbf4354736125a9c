"""Scene logic without rendering: state -> pose, layout, paths, wander, meetings, hand-offs, blends."""

from __future__ import annotations

import itertools
import math
import subprocess
import sys

from app.office.layout import plan_office
from app.office.poses import BEHAVIOURS, JOINTS, POSES
from app.office.state import WALK_SPEED, OfficeState
from engine.events import (
    STATUSES,
    ApprovalRequested,
    ApprovalResolved,
    EmployeeLeft,
    HandOff,
    MeetingEnded,
    MeetingStarted,
    SpendChanged,
    StatusChanged,
)
from tests.office.conftest import hire, office, three_teams

DT = 1 / 30


def run_until(state: OfficeState, done: object, max_seconds: float = 120.0, dt: float = DT) -> float:
    """Advance simulated time until `done()` holds; returns the simulated seconds it took."""
    assert callable(done)
    t = 0.0
    while not done():
        assert t < max_seconds, "condition never reached"
        state.advance(dt)
        t += dt
    return t


def at(state: OfficeState, eid: str, point: tuple[float, float], tol: float = 0.05) -> bool:
    a = state.actors[eid]
    return not a.path and math.dist((a.x, a.y), point) < tol


def test_every_status_has_a_behaviour_with_a_known_pose() -> None:
    assert set(BEHAVIOURS) == set(STATUSES)
    for behaviour in BEHAVIOURS.values():
        assert behaviour.pose in POSES
    assert all(len(p) == len(JOINTS) for p in POSES.values())


def test_status_sets_the_target_pose_at_the_desk() -> None:
    state = office([hire("ada"), StatusChanged(employee_id="ada", status="reading")])
    state.advance(DT)
    assert state.actors["ada"].target == POSES["sit_read"]
    state.apply(StatusChanged(employee_id="ada", status="typing", detail="Drafting"))
    state.advance(DT)
    actor = state.actors["ada"]
    assert actor.target == POSES["sit_type"]
    assert not actor.path  # same desk, new pose: no walk
    assert actor.action == "Drafting"


def test_markers_dimming_and_lamp_follow_the_engine() -> None:
    state = office([hire("ada"), StatusChanged(employee_id="ada", status="typing")])
    ada = state.actors["ada"]
    state.apply(
        ApprovalRequested(
            approval_id="a1", employee_id="ada", task_id="t", tool="send", arguments_json="{}", risk="high"
        )
    )
    assert ada.marker == "approval"
    state.apply(ApprovalResolved(approval_id="a1", employee_id="ada", decision="approved"))
    assert ada.marker is None
    state.apply(StatusChanged(employee_id="ada", status="blocked"))
    assert ada.marker == "blocked"
    state.apply(StatusChanged(employee_id="ada", status="over_budget"))
    state.apply(SpendChanged(employee_id="ada", today_usd=6.0, ceiling_usd=5.0))
    run_until(state, lambda: ada.dim > 0.99)
    assert ada.marker == "budget" and ada.gauge > 0.99
    state.apply(StatusChanged(employee_id="ada", status="awaiting_approval"))
    state.advance(DT)
    assert ada.marker == "approval" and ada.target == POSES["raise_hand"]
    state.apply(StatusChanged(employee_id="ada", status="off_duty"))
    assert not ada.lamp_on
    run_until(state, lambda: not ada.present)
    assert math.dist((ada.x, ada.y), (state.plan.door.x, state.plan.door.y)) < 0.05


def test_layout_grows_with_hires_and_groups_teams_in_labelled_areas() -> None:
    state = office(three_teams(3))
    plan = state.plan
    assert [a.label for a in plan.areas] == ["Engineering", "Sales", "Support"]
    for desk in plan.desks.values():
        x0, y0, x1, y1 = plan.area(desk.team).rect  # type: ignore[union-attr]
        assert x0 < desk.x < x1 and y0 < desk.y < y1
    rects = [a.rect for a in plan.areas]
    for i, a in enumerate(rects):
        for b in rects[i + 1 :]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], "areas overlap"
    version = state.layout_version
    state.apply(hire("new", "Sales"))
    assert len(state.plan.desks) == 10 and state.layout_version > version
    big = plan_office({f"e{i}": "Eng" for i in range(60)})
    assert big.width * big.depth > plan.width * plan.depth
    state.apply(EmployeeLeft(employee_id="new"))
    state.settle()  # they walk out first; once gone, their desk goes too
    assert "new" not in state.plan.desks


def _inside(p: tuple[float, float], rect: tuple[float, float, float, float]) -> bool:
    return rect[0] < p[0] < rect[2] and rect[1] < p[1] < rect[3]


def test_grid_paths_never_cross_furniture() -> None:
    plan = office(three_teams(5)).plan
    ends = [d.aisle for d in plan.desks.values()]
    ends += [s.approach for s in plan.kitchen_spots] + [plan.door.approach]
    ends += [s.approach for a in plan.areas for s in a.meeting_spots if s.seated]
    checked = 0
    for a in ends[::2]:
        for b in ends[1::3]:
            pts = plan.grid.find_path(a, b)
            for p, q in itertools.pairwise(pts):
                n = max(1, int(math.dist(p, q) / 0.05))
                for k in range(n + 1):
                    s = (p[0] + (q[0] - p[0]) * k / n, p[1] + (q[1] - p[1]) * k / n)
                    assert not any(_inside(s, r) for r in plan.obstacles), (a, b, s)
                    checked += 1
    assert checked > 1000


def test_idle_wander_visits_the_lounge_and_returns_deterministically() -> None:
    def trajectory(seed: int) -> list[tuple[float, float]]:
        state = office([hire("ada"), StatusChanged(employee_id="ada", status="idle")], seed=seed)
        ada = state.actors["ada"]
        desk = state.desk("ada").seat
        spots = {(s.x, s.y) for s in state.plan.kitchen_spots + state.plan.wander_spots}
        run_until(state, lambda: any(at(state, "ada", s) for s in spots))
        run_until(state, lambda: at(state, "ada", desk))
        points = []
        for _ in range(200):
            state.advance(DT)
            points.append((round(ada.x, 6), round(ada.y, 6)))
        return points

    assert trajectory(3) == trajectory(3)


def test_meeting_gathers_the_team_and_releases_it() -> None:
    state = office(three_teams(3))
    team = [eid for eid, a in state.actors.items() if a.team == "Sales"]
    state.apply(MeetingStarted(team="Sales", kind="standup"))
    area = state.plan.area("Sales")
    assert area is not None
    seats = [(s.x, s.y) for s in area.meeting_spots[: len(team)]]
    run_until(state, lambda: all(any(at(state, e, s) for s in seats) for e in team))
    assert all(state.actors[e].target == POSES["meeting"] for e in team)
    others = [eid for eid, a in state.actors.items() if a.team != "Sales"]
    assert all(at(state, e, state.desk(e).seat) for e in others)
    state.apply(MeetingEnded(team="Sales"))
    run_until(state, lambda: all(at(state, e, state.desk(e).seat) for e in team))


def test_hand_off_walks_to_the_teammate_carrying_a_document_and_back() -> None:
    state = office(three_teams(3))
    src, dst = "eng0", "eng2"
    actor = state.actors[src]
    state.apply(HandOff(from_employee=src, to_employee=dst, task_id="t1", title="Spec"))
    run_until(state, lambda: actor.carrying)
    run_until(state, lambda: at(state, src, state.desk(dst).visitor))
    assert not actor.carrying and actor.target == POSES["give"]
    run_until(state, lambda: actor.errand is None)
    run_until(state, lambda: at(state, src, state.desk(src).seat))
    assert not actor.carrying


def test_transitions_blend_without_jumps() -> None:
    state = office([hire("ada"), hire("bob")])
    ada = state.actors["ada"]
    dt = 1 / 60
    max_joint = 0.0
    max_step = 0.0
    for status in [*STATUSES, "typing", "idle", "awaiting_approval", "typing"]:
        state.apply(StatusChanged(employee_id="ada", status=status))  # type: ignore[arg-type]
        for _ in range(int(4 / dt)):
            before, pos = ada.pose, (ada.x, ada.y)
            state.advance(dt)
            max_joint = max(max_joint, *(abs(a - b) for a, b in zip(ada.pose, before, strict=True)))
            max_step = max(max_step, math.dist(pos, (ada.x, ada.y)))
    assert max_joint <= 400.0 * dt + 1e-9  # degrees per frame: a blend, not a pop
    assert max_step <= WALK_SPEED * dt + 1e-9


def test_scene_logic_runs_with_qt_and_panda_absent() -> None:
    code = (
        "import sys, random\n"
        "from app.office.state import OfficeState\n"
        "from engine.events import EmployeeHired\n"
        "s = OfficeState(random.Random(1))\n"
        "s.apply(EmployeeHired(employee_id='a', name='A', role='r', title='t', team=None))\n"
        "s.advance(0.1)\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'direct')]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_renderer_module_never_imports_qt() -> None:
    code = "import sys\nimport app.office.renderer, app.office.snapshot\nassert 'PySide6' not in sys.modules\n"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_someone_let_go_walks_out_through_the_door_then_is_gone() -> None:
    state = office([hire("ada"), hire("ben")])
    state.apply(EmployeeLeft(employee_id="ada"))
    assert "ada" in state.actors and state.actors["ada"].leaving  # no popping: they walk out first
    for _ in range(4000):
        state.advance(0.05)
        if "ada" not in state.actors:
            break
    assert "ada" not in state.actors and "ben" in state.actors
    assert "ada" not in state.plan.desks


def test_a_snapshot_never_shows_someone_who_left() -> None:
    state = office([hire("ada"), hire("ben")], settle=False)
    state.apply(EmployeeLeft(employee_id="ada"))
    state.settle()
    assert list(state.actors) == ["ben"]


def test_motion_says_how_much_the_picture_changes() -> None:
    """Work is drawn at full rate, an idle stroll or a sway at a few frames a second, a still office not at all."""
    state = office([hire("ada"), StatusChanged(employee_id="ada", status="typing")])
    state.advance(DT)
    assert state.motion() == "busy"  # typing at the desk
    state.apply(StatusChanged(employee_id="ada", status="off_duty"))
    state.advance(DT)
    assert state.motion() == "busy"  # on her way out: walking, easing out of the chair
    run_until(state, lambda: state.motion() == "still")
    assert not state.actors["ada"].present  # gone home: nothing on screen moves
    state.apply(StatusChanged(employee_id="ada", status="idle"))
    state.advance(DT)
    assert state.motion() == "calm"  # strolling back in, idle: ambient
    state.apply(StatusChanged(employee_id="ada", status="blocked"))
    state.advance(DT)
    assert state.motion() == "busy"  # back to work: the marker fades in, she walks to her desk
    run_until(state, lambda: state.motion() != "busy")
    assert state.motion() == "calm"  # slumped at her desk under a bobbing marker
