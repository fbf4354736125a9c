"""Floor plan: team areas with desks and a meeting table, a kitchen corner, walls, walkable grid.

Pure data, deterministic for a given roster; the scene builds geometry from it and the actors walk
on its grid. World units are metres, Z is up, the back wall is at y = depth, the left wall at x = 0.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from app.office.paths import Grid, Point, Rect

DESK_DX = 2.1  # desk pitch within a row
DESK_DY = 3.4  # row pitch (room for the chair and an aisle behind it)
MAX_COLS = 10
LOUNGE_W = 6.5
AREA_GAP = 1.4
FRONT = 1.2  # walkway between the front edge of the floor and the first areas
MEETING_W = 3.8
SEAT_DY = 0.62  # the worker's seat, behind the desk
AISLE_DY = 1.5  # where a worker steps out into the aisle


@dataclass(frozen=True, slots=True)
class Desk:
    employee_id: str
    team: str
    x: float
    y: float

    @property
    def seat(self) -> Point:
        return (self.x, self.y + SEAT_DY)

    @property
    def aisle(self) -> Point:
        return (self.x, self.y + AISLE_DY)

    @property
    def visitor(self) -> Point:
        """Where a colleague stands to hand something over."""
        return (self.x + 0.55, self.y + AISLE_DY - 0.2)

    @property
    def footprint(self) -> Rect:
        return (self.x - 0.78, self.y - 0.42, self.x + 0.78, self.y + 1.0)


@dataclass(frozen=True, slots=True)
class Spot:
    """A place to stand or sit (`x`, `y`, facing `heading` degrees), reached via `approach`."""

    x: float
    y: float
    heading: float
    approach: Point
    seated: bool = False


@dataclass(frozen=True, slots=True)
class TeamArea:
    team: str
    label: str
    rect: Rect
    table: Point
    meeting_spots: tuple[Spot, ...]


@dataclass(frozen=True, slots=True)
class OfficePlan:
    width: float
    depth: float
    desks: Mapping[str, Desk]
    areas: tuple[TeamArea, ...]
    kitchen: Point  # front centre of the counter
    kitchen_spots: tuple[Spot, ...]
    lounge_table: Point
    wander_spots: tuple[Spot, ...]
    plants: tuple[tuple[float, float, bool], ...]
    shelves: tuple[Point, ...]
    door: Spot
    obstacles: tuple[Rect, ...]
    grid: Grid = field(repr=False)

    def area(self, team: str) -> TeamArea | None:
        return next((a for a in self.areas if a.team == team), None)


def team_key(team: str | None) -> str:
    return team or ""


def _meeting_spots(cx: float, cy: float) -> tuple[Spot, ...]:
    spots = []
    for side in (-1, 1):
        for dx in (-0.75, 0.0, 0.75):
            y = cy + side * 0.85
            heading = 0.0 if side < 0 else 180.0  # face the table
            spots.append(Spot(cx + dx, y, heading, (cx + dx, cy + side * 1.75), seated=True))
    # Latecomers stand around the table ends.
    for side in (-1, 1):
        for dy in (-0.5, 0.5):
            x = cx + side * 1.65
            spots.append(Spot(x, cy + dy, -90.0 if side < 0 else 90.0, (cx + side * 1.75, cy + dy)))
    for k in range(8):  # and then in a ring further out
        a = 2 * math.pi * k / 8
        x, y = cx + math.cos(a) * 2.1, cy + math.sin(a) * 1.85
        heading = math.degrees(math.atan2(-(cx - x), cy - y))
        spots.append(Spot(x, y, heading, (x, y)))
    return tuple(spots)


def plan_office(roster: Mapping[str, str | None]) -> OfficePlan:
    """Lay out desks for `roster` (employee id -> team, in hiring order), grouped by team."""
    teams: dict[str, list[str]] = {}
    for employee_id, team in roster.items():
        teams.setdefault(team_key(team), []).append(employee_id)
    if not teams:
        teams[""] = []

    sizes = []
    for members in teams.values():
        n = max(1, len(members))
        cols = max(2, min(n, MAX_COLS, math.ceil(math.sqrt(n * 1.5))))
        rows = math.ceil(n / cols)
        sizes.append((cols, rows, 1.0 + cols * DESK_DX + MEETING_W, 0.9 + rows * DESK_DY))
    per_row = max(1, math.ceil(math.sqrt(len(teams))))
    area_rows = [list(range(i, min(i + per_row, len(teams)))) for i in range(0, len(teams), per_row)]

    desks: dict[str, Desk] = {}
    areas: list[TeamArea] = []
    obstacles: list[Rect] = []
    plants: list[tuple[float, float, bool]] = []
    y = FRONT
    width = LOUNGE_W
    for row in area_rows:
        x = LOUNGE_W + 0.6
        row_depth = max(sizes[i][3] for i in row)
        for i in row:
            team, members = list(teams.items())[i]
            cols, rows, aw, _ = sizes[i]
            rect = (x, y, x + aw, y + row_depth)
            for k, employee_id in enumerate(members):
                r, c = divmod(k, cols)
                desk = Desk(employee_id, team, x + 1.0 + DESK_DX * (c + 0.5), y + 1.3 + r * DESK_DY)
                desks[employee_id] = desk
                obstacles.append(desk.footprint)
            table = (x + aw - MEETING_W / 2, y + row_depth / 2)
            obstacles.append((table[0] - 1.3, table[1] - 1.2, table[0] + 1.3, table[1] + 1.2))
            plants.append((x + 0.35, y + 0.35, False))
            obstacles.append((x + 0.1, y + 0.1, x + 0.6, y + 0.6))
            label = team if team else "Team"
            areas.append(TeamArea(team, label, rect, table, _meeting_spots(*table)))
            x += aw + AREA_GAP
        width = max(width, x)
        y += row_depth + AREA_GAP
    depth = max(y + 0.6, 9.0)
    width = max(width, LOUNGE_W + 8.0)

    # Lounge: kitchen along the back wall, a table, shelves, plants.
    kitchen = (2.7, depth - 0.78)
    obstacles.append((0.9, depth - 0.8, 4.9, depth))
    kitchen_spots = tuple(Spot(x, depth - 1.35, 0.0, (x, depth - 1.55)) for x in (1.5, 2.5, 3.4, 4.2))
    lounge = (2.6, depth - 4.0)
    obstacles.append((lounge[0] - 1.1, lounge[1] - 1.1, lounge[0] + 1.1, lounge[1] + 1.1))
    shelves = ((0.35, 3.2),)
    obstacles.append((0.0, 2.5, 0.55, 3.9))
    for px, py, tall in ((0.5, depth - 0.5, True), (5.6, depth - 0.5, True), (5.7, 1.0, False)):
        plants.append((px, py, tall))
        obstacles.append((px - 0.3, py - 0.3, px + 0.3, py + 0.3))
    wander = [
        Spot(lounge[0] + 1.3 * math.cos(a), lounge[1] + 1.3 * math.sin(a), math.degrees(a) + 90, (0, 0))
        for a in (0.3, 2.4, 4.4)
    ]
    wander = [Spot(s.x, s.y, s.heading, (s.x, s.y)) for s in wander]
    for wx in range(int(LOUNGE_W) + 3, int(width) - 2, 6):  # look out of the back windows
        wander.append(Spot(wx + 0.5, depth - 0.7, 0.0, (wx + 0.5, depth - 0.7)))
    door = Spot(0.5, 1.6, 90.0, (0.9, 1.6))
    walls: list[Rect] = [(-1.0, depth - 0.1, width + 1, depth + 1), (-1.0, -1.0, 0.1, depth + 1)]
    grid = Grid.build(width, depth, tuple(obstacles) + tuple(walls), cell=0.4, inflate=0.22)
    return OfficePlan(
        width=width,
        depth=depth,
        desks=desks,
        areas=tuple(areas),
        kitchen=kitchen,
        kitchen_spots=kitchen_spots,
        lounge_table=lounge,
        wander_spots=tuple(wander),
        plants=tuple(plants),
        shelves=shelves,
        door=door,
        obstacles=tuple(obstacles),
        grid=grid,
    )


def route(plan: OfficePlan, start: Point, start_exit: Point, goal_entry: Point, goal: Point) -> list[Point]:
    """Waypoints `start` -> `start_exit` -> grid path -> `goal_entry` -> `goal`."""
    middle = plan.grid.find_path(start_exit, goal_entry)
    points = [start, *middle, goal]
    out: list[Point] = []
    for p in points:
        if not out or math.dist(out[-1], p) > 1e-6:
            out.append(p)
    return out


def seats_in_order(spots: Sequence[Spot], count: int) -> list[Spot]:
    """The first `count` meeting spots, seats before standing places."""
    return list(spots[:count])
