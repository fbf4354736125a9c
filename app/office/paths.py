"""Grid path finding (A* with 8 neighbours, no corner cutting, then string pulling)."""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field

Point = tuple[float, float]
Rect = tuple[float, float, float, float]  # x0, y0, x1, y1
Cell = tuple[int, int]

_SQRT2 = math.sqrt(2.0)
_NEIGHBOURS = (
    (1, 0, 1.0),
    (-1, 0, 1.0),
    (0, 1, 1.0),
    (0, -1, 1.0),
    (1, 1, _SQRT2),
    (1, -1, _SQRT2),
    (-1, 1, _SQRT2),
    (-1, -1, _SQRT2),
)


@dataclass(slots=True)
class Grid:
    """Walkable cells over [0, width] x [0, depth]; a cell is blocked if its centre is in an inflated rect."""

    cell: float
    cols: int
    rows: int
    blocked: frozenset[Cell]
    _cache: dict[tuple[Cell, Cell], list[Point]] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, width: float, depth: float, rects: tuple[Rect, ...], cell: float, inflate: float) -> Grid:
        cols, rows = math.ceil(width / cell), math.ceil(depth / cell)
        blocked: set[Cell] = set()
        for x0, y0, x1, y1 in rects:
            c0 = max(0, math.floor((x0 - inflate) / cell))
            c1 = min(cols - 1, math.floor((x1 + inflate) / cell))
            r0 = max(0, math.floor((y0 - inflate) / cell))
            r1 = min(rows - 1, math.floor((y1 + inflate) / cell))
            for c in range(c0, c1 + 1):
                cx = (c + 0.5) * cell
                if not x0 - inflate <= cx <= x1 + inflate:
                    continue
                for r in range(r0, r1 + 1):
                    cy = (r + 0.5) * cell
                    if y0 - inflate <= cy <= y1 + inflate:
                        blocked.add((c, r))
        return cls(cell, cols, rows, frozenset(blocked))

    def cell_of(self, p: Point) -> Cell:
        c = min(self.cols - 1, max(0, int(p[0] / self.cell)))
        r = min(self.rows - 1, max(0, int(p[1] / self.cell)))
        return (c, r)

    def center(self, cell: Cell) -> Point:
        return ((cell[0] + 0.5) * self.cell, (cell[1] + 0.5) * self.cell)

    def walkable(self, cell: Cell) -> bool:
        c, r = cell
        return 0 <= c < self.cols and 0 <= r < self.rows and cell not in self.blocked

    def nearest_walkable(self, cell: Cell) -> Cell:
        if self.walkable(cell):
            return cell
        for radius in range(1, max(self.cols, self.rows)):
            ring = [
                (cell[0] + dc, cell[1] + dr)
                for dc in range(-radius, radius + 1)
                for dr in range(-radius, radius + 1)
                if max(abs(dc), abs(dr)) == radius
            ]
            free = [c for c in ring if self.walkable(c)]
            if free:
                return min(free, key=lambda c: (math.dist(c, cell), c))
        raise ValueError("no walkable cell in the grid")

    def line_clear(self, a: Point, b: Point) -> bool:
        """True if the segment a-b crosses only walkable cells (sampled finer than a cell)."""
        steps = max(1, math.ceil(math.dist(a, b) / (self.cell * 0.25)))
        for i in range(steps + 1):
            t = i / steps
            if not self.walkable(self.cell_of((a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t))):
                return False
        return True

    def find_path(self, start: Point, goal: Point) -> list[Point]:
        """Waypoints from `start` to `goal` through walkable cells (ends included). Cached per cell pair."""
        s = self.nearest_walkable(self.cell_of(start))
        g = self.nearest_walkable(self.cell_of(goal))
        key = (s, g)
        if key not in self._cache:
            cells = self._astar(s, g)
            self._cache[key] = self._pull([self.center(c) for c in cells])
        inner = self._cache[key]
        return [start, *inner[1:-1], goal] if len(inner) >= 2 else [start, goal]

    def _astar(self, start: Cell, goal: Cell) -> list[Cell]:
        if start == goal:
            return [start, goal]
        frontier: list[tuple[float, float, Cell]] = [(0.0, 0.0, start)]
        came: dict[Cell, Cell] = {}
        cost: dict[Cell, float] = {start: 0.0}
        gx, gy = goal
        while frontier:
            _, g_cost, cur = heapq.heappop(frontier)
            if cur == goal:
                break
            if g_cost > cost[cur]:
                continue
            cx, cy = cur
            for dx, dy, step in _NEIGHBOURS:
                nxt = (cx + dx, cy + dy)
                if not self.walkable(nxt):
                    continue
                if dx and dy and not (self.walkable((cx + dx, cy)) and self.walkable((cx, cy + dy))):
                    continue  # never cut a corner of an obstacle
                new = g_cost + step
                if new < cost.get(nxt, math.inf):
                    cost[nxt] = new
                    came[nxt] = cur
                    h = math.hypot(nxt[0] - gx, nxt[1] - gy)
                    heapq.heappush(frontier, (new + h, new, nxt))
        if goal not in came:
            return [start, goal]  # unreachable: walk straight rather than freeze (the plan avoids this)
        path = [goal]
        while path[-1] != start:
            path.append(came[path[-1]])
        path.reverse()
        return path

    def _pull(self, pts: list[Point]) -> list[Point]:
        """Drop waypoints that have a clear line of sight past them."""
        if len(pts) <= 2:
            return pts
        out = [pts[0]]
        i = 0
        while i < len(pts) - 1:
            j = len(pts) - 1
            while j > i + 1 and not self.line_clear(pts[i], pts[j]):
                j -= 1
            out.append(pts[j])
            i = j
        return out
