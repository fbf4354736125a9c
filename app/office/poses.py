"""Poses, what each status looks like, and the blend that moves a pose toward its target.

A pose is a tuple of joint values (see JOINTS); the oscillating parts (typing, walking, waving,
swaying) are amplitudes, so switching activity blends the amplitude instead of popping a limb.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from engine.events import Status

JOINTS = ("sit", "arm_l", "arm_r", "lean", "legs", "type_amp", "walk_amp", "arm_swing", "wave", "sway")
Pose = tuple[float, ...]
SIT, ARM_L, ARM_R, LEAN, LEGS, TYPE_AMP, WALK_AMP, ARM_SWING, WAVE, SWAY = range(len(JOINTS))


def pose(**values: float) -> Pose:
    unknown = set(values) - set(JOINTS)
    if unknown:
        raise ValueError(f"unknown joints {sorted(unknown)}")
    return tuple(float(values.get(name, 0.0)) for name in JOINTS)


_SEATED = {"sit": 1.0, "legs": 82.0}
POSES: dict[str, Pose] = {
    "stand": pose(arm_l=4, arm_r=4),
    "walk": pose(walk_amp=26, arm_swing=22),
    "carry": pose(arm_l=48, arm_r=48, walk_amp=24),
    "give": pose(arm_l=20, arm_r=78),
    "sip": pose(arm_l=6, arm_r=112, sway=2),
    "sit_idle": pose(**_SEATED, arm_l=38, arm_r=38, lean=-4, sway=1.5),
    "sit_type": pose(**_SEATED, arm_l=64, arm_r=64, lean=8, type_amp=8),
    "sit_read": pose(**_SEATED, arm_l=58, arm_r=44, lean=-6, sway=2.5),
    "sit_think": pose(**_SEATED, arm_l=30, arm_r=128, lean=-10, sway=4),
    "raise_hand": pose(**_SEATED, arm_l=50, arm_r=172, lean=2, wave=10),
    "slump": pose(**_SEATED, arm_l=18, arm_r=18, lean=24),
    "lean_back": pose(**_SEATED, arm_l=24, arm_r=24, lean=-16),
    "meeting": pose(**_SEATED, arm_l=52, arm_r=52, lean=4, sway=2),
    "listen": pose(arm_l=12, arm_r=12, sway=2),
}

Place = Literal["desk", "roam", "away"]
Marker = Literal["approval", "blocked", "budget"]


@dataclass(frozen=True, slots=True)
class Behaviour:
    place: Place
    pose: str
    marker: Marker | None = None
    dim: bool = False


BEHAVIOURS: dict[Status, Behaviour] = {
    "idle": Behaviour("roam", "sit_idle"),
    "thinking": Behaviour("desk", "sit_think"),
    "typing": Behaviour("desk", "sit_type"),
    "tool": Behaviour("desk", "sit_type"),
    "reading": Behaviour("desk", "sit_read"),
    "awaiting_approval": Behaviour("desk", "raise_hand", marker="approval"),
    "blocked": Behaviour("desk", "slump", marker="blocked"),
    "over_budget": Behaviour("desk", "lean_back", marker="budget", dim=True),
    "off_duty": Behaviour("away", "stand"),
}

STATUS_LABELS: dict[Status, str] = {
    "idle": "Taking a break",
    "thinking": "Thinking…",
    "typing": "Writing",
    "tool": "Using a tool",
    "reading": "Reading",
    "awaiting_approval": "Waiting for your approval",
    "blocked": "Blocked: needs you",
    "over_budget": "Over today's budget",
    "off_duty": "Off duty",
}

BLEND_RATE = 7.0  # 1/s: about 95% of the way in 0.43 s


def blend_factor(dt: float, rate: float = BLEND_RATE) -> float:
    """Fraction of the remaining distance to cover in `dt` (frame-rate independent)."""
    return 1.0 - math.exp(-rate * max(0.0, dt))


# Top speed per joint (units/s): the exponential ease-out never moves a limb faster than this.
MAX_SPEED: Pose = (3.0, 400.0, 400.0, 160.0, 400.0, 60.0, 160.0, 160.0, 60.0, 30.0)


def blend(current: Pose, target: Pose, dt: float) -> Pose:
    """Ease `current` toward `target`: exponential, speed-capped per joint, so nothing pops."""
    k = blend_factor(dt)
    out = []
    for c, t, top in zip(current, target, MAX_SPEED, strict=True):
        step = (t - c) * k
        cap = top * dt
        out.append(c + (cap if step > cap else -cap if step < -cap else step))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Joints:
    """Concrete joint angles (degrees) and body drop for one frame, after the oscillations."""

    drop: float
    lean: float
    arm_l: float
    arm_r: float
    arm_roll: float
    leg_l: float
    leg_r: float
    bob: float


def evaluate(p: Pose, phase: float, seat_drop: float) -> Joints:
    """Apply the oscillating amplitudes of pose `p` at time `phase` (seconds, per actor)."""
    typing = math.sin(phase * 17.0) * p[TYPE_AMP]
    stride = math.sin(phase * 7.5)
    walk = stride * p[WALK_AMP]
    swing = stride * p[ARM_SWING]
    sway = math.sin(phase * 1.3) * p[SWAY]
    wave = math.sin(phase * 6.0) * p[WAVE]
    legs = p[LEGS] * p[SIT] + 0.0
    return Joints(
        drop=seat_drop * p[SIT],
        lean=p[LEAN] + sway,
        arm_l=p[ARM_L] + typing - swing,
        arm_r=p[ARM_R] - typing + swing,
        arm_roll=wave,
        leg_l=legs + walk,
        leg_r=legs - walk,
        bob=abs(stride) * 0.04 * (p[WALK_AMP] / 26.0),
    )
