"""Low-poly mesh building with light baked into vertex colours.

Lighting is computed once, here, from one rig (ambient + warm key + cool fill) instead of per vertex
every frame: the software pipe then draws unlit vertex colours, which is what keeps 200 animated
figures above 30 fps. Normals are still written so a GL pipe could light the same models.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from panda3d.core import Geom, GeomNode, GeomTriangles, GeomVertexData, GeomVertexFormat, GeomVertexWriter

Vec = tuple[float, float, float]
RGBA = tuple[float, float, float, float]

AMBIENT = (0.50, 0.52, 0.58)
KEY_DIR = (-0.35, -0.55, 0.76)  # from the front-left, high: matches the default camera
KEY = (0.50, 0.47, 0.40)
FILL_DIR = (0.6, 0.5, 0.35)
FILL = (0.14, 0.16, 0.22)


def _unit(v: Vec) -> Vec:
    n = math.sqrt(v[0] ** 2 + v[1] ** 2 + v[2] ** 2) or 1.0
    return (v[0] / n, v[1] / n, v[2] / n)


_KEY_N = _unit(KEY_DIR)
_FILL_N = _unit(FILL_DIR)


def shade(normal: Vec, color: RGBA, *, upright: bool = False, emissive: bool = False) -> RGBA:
    """Colour lit by the rig. `upright` uses only the normal's height, so it holds under any heading."""
    if emissive:
        return color
    if upright:
        up = normal[2]
        k = 0.55 + 0.45 * up if up >= 0 else 0.35 + 0.2 * up
        light = tuple(AMBIENT[i] * (0.9 + 0.1 * up) + KEY[i] * k for i in range(3))
    else:
        nk = max(0.0, sum(normal[i] * _KEY_N[i] for i in range(3)))
        nf = max(0.0, sum(normal[i] * _FILL_N[i] for i in range(3)))
        sky = 0.75 + 0.25 * normal[2]
        light = tuple(AMBIENT[i] * sky + KEY[i] * nk + FILL[i] * nf for i in range(3))
    return (
        min(1.0, color[0] * light[0] * 1.18),
        min(1.0, color[1] * light[1] * 1.18),
        min(1.0, color[2] * light[2] * 1.18),
        color[3],
    )


class MeshBuilder:
    """Accumulates coloured triangles and emits one Geom (one draw call)."""

    def __init__(self, name: str = "mesh", *, upright: bool = False) -> None:
        self.name = name
        self.upright = upright
        self.vdata = GeomVertexData(name, GeomVertexFormat.getV3n3c4(), Geom.UHStatic)
        self._pos = GeomVertexWriter(self.vdata, "vertex")
        self._nrm = GeomVertexWriter(self.vdata, "normal")
        self._col = GeomVertexWriter(self.vdata, "color")
        self._tris = GeomTriangles(Geom.UHStatic)
        self.count = 0

    def poly(self, pts: Sequence[Vec], normal: Vec, color: RGBA, *, emissive: bool = False) -> None:
        """A convex planar polygon, counter-clockwise seen from `normal`."""
        lit = shade(normal, color, upright=self.upright, emissive=emissive)
        for p in pts:
            self._pos.addData3(*p)
            self._nrm.addData3(*normal)
            self._col.addData4(*lit)
        for k in range(1, len(pts) - 1):
            self._tris.addVertices(self.count, self.count + k, self.count + k + 1)
        self.count += len(pts)

    def box(
        self,
        center: Vec,
        size: Vec,
        color: RGBA,
        *,
        emissive: bool = False,
        bottom: bool = False,
    ) -> None:
        """Axis-aligned box; the bottom face is skipped unless asked for (it is rarely seen)."""
        cx, cy, cz = center
        sx, sy, sz = (s / 2 for s in size)
        x0, x1, y0, y1, z0, z1 = cx - sx, cx + sx, cy - sy, cy + sy, cz - sz, cz + sz
        p, e = self.poly, emissive
        p([(x0, y0, z1), (x1, y0, z1), (x1, y1, z1), (x0, y1, z1)], (0, 0, 1), color, emissive=e)
        if bottom:
            p([(x0, y1, z0), (x1, y1, z0), (x1, y0, z0), (x0, y0, z0)], (0, 0, -1), color, emissive=e)
        p([(x0, y0, z0), (x1, y0, z0), (x1, y0, z1), (x0, y0, z1)], (0, -1, 0), color, emissive=e)
        p([(x1, y1, z0), (x0, y1, z0), (x0, y1, z1), (x1, y1, z1)], (0, 1, 0), color, emissive=e)
        p([(x0, y1, z0), (x0, y0, z0), (x0, y0, z1), (x0, y1, z1)], (-1, 0, 0), color, emissive=e)
        p([(x1, y0, z0), (x1, y1, z0), (x1, y1, z1), (x1, y0, z1)], (1, 0, 0), color, emissive=e)

    def cylinder(self, base: Vec, height: float, radius: float, color: RGBA, seg: int = 8) -> None:
        cx, cy, z0 = base
        z1 = z0 + height
        ring = [
            (cx + radius * math.cos(2 * math.pi * i / seg), cy + radius * math.sin(2 * math.pi * i / seg))
            for i in range(seg)
        ]
        for i in range(seg):
            a, b = ring[i], ring[(i + 1) % seg]
            mid = 2 * math.pi * (i + 0.5) / seg
            self.poly(
                [(a[0], a[1], z0), (b[0], b[1], z0), (b[0], b[1], z1), (a[0], a[1], z1)],
                (math.cos(mid), math.sin(mid), 0),
                color,
            )
        self.poly([(x, y, z1) for x, y in ring], (0, 0, 1), color)

    def disc(self, center: Vec, radius: float, color: RGBA, seg: int = 12, *, emissive: bool = False) -> None:
        cx, cy, cz = center
        pts = [
            (cx + radius * math.cos(2 * math.pi * i / seg), cy + radius * math.sin(2 * math.pi * i / seg), cz)
            for i in range(seg)
        ]
        self.poly(pts, (0, 0, 1), color, emissive=emissive)

    def cone(self, base: Vec, height: float, r0: float, r1: float, color: RGBA, seg: int = 8) -> None:
        """A frustum (r1 may be 0) with a top cap."""
        cx, cy, z0 = base
        z1 = z0 + height
        slope = (r0 - r1) / height if height else 0.0
        for i in range(seg):
            a0, a1 = 2 * math.pi * i / seg, 2 * math.pi * (i + 1) / seg
            mid = (a0 + a1) / 2
            n = _unit((math.cos(mid), math.sin(mid), slope))
            self.poly(
                [
                    (cx + r0 * math.cos(a0), cy + r0 * math.sin(a0), z0),
                    (cx + r0 * math.cos(a1), cy + r0 * math.sin(a1), z0),
                    (cx + r1 * math.cos(a1), cy + r1 * math.sin(a1), z1),
                    (cx + r1 * math.cos(a0), cy + r1 * math.sin(a0), z1),
                ],
                n,
                color,
            )
        if r1 > 0:
            self.disc((cx, cy, z1), r1, color, seg)

    def node(self) -> GeomNode:
        geom = Geom(self.vdata)
        geom.addPrimitive(self._tris)
        node = GeomNode(self.name)
        node.addGeom(geom)
        return node
