"""Orbit camera as plain numbers: target on the floor, heading, pitch, distance."""

from __future__ import annotations

import math
from dataclasses import dataclass

from app.office.paths import Point, Rect

MIN_DISTANCE = 4.0
MAX_DISTANCE = 160.0
MIN_PITCH = 12.0
MAX_PITCH = 85.0


@dataclass(slots=True)
class CameraRig:
    """Looks at `target` from `distance` metres, `heading` degrees around Z, `pitch` degrees down."""

    target: tuple[float, float, float] = (0.0, 0.0, 0.0)
    heading: float = 16.0
    pitch: float = 42.0
    distance: float = 30.0
    fov: float = 40.0
    follow: str | None = None

    def eye(self) -> tuple[float, float, float]:
        h, p = math.radians(self.heading), math.radians(self.pitch)
        flat = self.distance * math.cos(p)
        tx, ty, tz = self.target
        return (tx + flat * math.sin(h), ty - flat * math.cos(h), tz + self.distance * math.sin(p))

    def orbit(self, d_heading: float, d_pitch: float) -> None:
        self.heading = (self.heading + d_heading) % 360.0
        self.pitch = min(MAX_PITCH, max(MIN_PITCH, self.pitch + d_pitch))

    def zoom(self, factor: float) -> None:
        """factor < 1 moves closer."""
        self.distance = min(MAX_DISTANCE, max(MIN_DISTANCE, self.distance * factor))

    def pan(self, right: float, forward: float) -> None:
        """Move the target in screen-aligned floor directions, in metres; stops following."""
        h = math.radians(self.heading)
        tx, ty, tz = self.target
        self.target = (
            tx + right * math.cos(h) - forward * math.sin(h),
            ty + right * math.sin(h) + forward * math.cos(h),
            tz,
        )
        self.follow = None

    def frame(self, rect: Rect, aspect: float) -> None:
        """Aim at `rect` (x0, y0, x1, y1 on the floor) and back off until it fits the view."""
        x0, y0, x1, y1 = rect
        self.target = ((x0 + x1) / 2, (y0 + y1) / 2 - (y1 - y0) * 0.04, 0.0)
        half_v = math.radians(self.fov) / 2
        half_h = math.atan(math.tan(half_v) * max(aspect, 0.1))
        w, d = x1 - x0, y1 - y0
        # The floor is seen foreshortened by the pitch; fit both directions.
        need_w = (w / 2) / math.tan(half_h)
        need_d = (d * math.sin(math.radians(self.pitch)) / 2 + 1.2) / math.tan(half_v)
        self.distance = min(MAX_DISTANCE, max(MIN_DISTANCE, max(need_w, need_d) * 1.02))

    def track(self, point: Point, dt: float) -> None:
        """Glide the target toward a followed employee."""
        k = 1.0 - math.exp(-4.0 * dt)
        tx, ty, tz = self.target
        self.target = (tx + (point[0] - tx) * k, ty + (point[1] - ty) * k, tz)
