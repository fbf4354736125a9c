"""Build the office's models from code into version-keyed `.bam` files.

`python -m models3d.build` writes everything to `models3d/out/<key>/`; the app calls
`ensure_models()` on start-up, which builds only what is missing (well under a second).
Figures are built per colour set on first use (`figure_path`). Z is up, a figure faces +Y.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from panda3d.core import NodePath, PandaSystem

from models3d import palette as pal
from models3d.mesh import MeshBuilder

OUT = Path(__file__).resolve().parent / "out"

# Joint pivots of a figure (x, y, z); the part geometry hangs from its pivot.
JOINTS: dict[str, tuple[float, float, float]] = {
    "l_arm": (-0.27, 0.0, 1.38),
    "r_arm": (0.27, 0.0, 1.38),
    "l_leg": (-0.1, 0.0, 0.84),
    "r_leg": (0.1, 0.0, 0.84),
}
SEAT_DROP = 0.37  # how far the body sinks when seated (chair seat top is at 0.47)


def _figure_parts(c: dict[str, pal.RGBA]) -> dict[str, MeshBuilder]:
    shirt, skin, hair, pants = c["shirt"], c["skin"], c["hair"], c["pants"]
    body = MeshBuilder("body", upright=True)
    body.box((0, 0, 1.12), (0.42, 0.24, 0.56), shirt)  # torso
    body.box((0, 0.121, 1.3), (0.12, 0.01, 0.14), pal.PAPER)  # collar
    body.box((0, 0, 0.86), (0.40, 0.23, 0.12), pants)  # hips
    body.box((0, 0, 1.44), (0.1, 0.1, 0.08), skin)  # neck
    body.box((0, 0.01, 1.62), (0.3, 0.28, 0.3), skin)  # head
    body.box((0, -0.02, 1.79), (0.32, 0.32, 0.08), hair)  # hair top
    body.box((0, -0.14, 1.66), (0.32, 0.06, 0.28), hair)  # hair back
    body.box((-0.07, 0.151, 1.64), (0.045, 0.01, 0.05), pal.DARK, emissive=True)  # eyes
    body.box((0.07, 0.151, 1.64), (0.045, 0.01, 0.05), pal.DARK, emissive=True)
    parts = {"body": body}
    for side in ("l_arm", "r_arm"):
        arm = MeshBuilder(side, upright=True)
        arm.box((0, 0, -0.17), (0.11, 0.12, 0.34), shirt)
        arm.box((0, 0, -0.43), (0.09, 0.1, 0.2), skin)
        parts[side] = arm
    for side in ("l_leg", "r_leg"):
        leg = MeshBuilder(side, upright=True)
        leg.box((0, 0, -0.38), (0.14, 0.15, 0.76), pants)
        leg.box((0, 0.04, -0.8), (0.14, 0.24, 0.08), pal.SHOE)
        parts[side] = leg
    return parts


def build_figure(colors: dict[str, pal.RGBA]) -> NodePath:
    """A figure: children body, l_arm, r_arm, l_leg, r_leg (limbs relative to their JOINTS pivot)."""
    root = NodePath("figure")
    for _name, mb in _figure_parts(colors).items():
        root.attachNewNode(mb.node())
    return root


def build_document() -> NodePath:
    mb = MeshBuilder("document", upright=True)
    mb.box((0, 0, 0), (0.26, 0.04, 0.34), pal.FOLDER)
    mb.box((0, 0.022, 0.02), (0.2, 0.005, 0.26), pal.PAPER)
    return NodePath(mb.node())


def build_desk() -> NodePath:
    """Desk centred on the origin; the worker sits at +Y and faces -Y."""
    mb = MeshBuilder("desk")
    mb.box((0, 0, 0.72), (1.5, 0.76, 0.05), pal.DESK_TOP)
    for x in (-0.72, 0.72):
        mb.box((x, 0, 0.35), (0.05, 0.7, 0.7), pal.WOOD)
    mb.box((0, -0.33, 0.45), (1.4, 0.03, 0.4), pal.WOOD)  # modesty panel
    mb.box((0, -0.22, 0.76), (0.22, 0.16, 0.03), pal.METAL)  # monitor foot
    mb.box((0, -0.24, 0.9), (0.06, 0.04, 0.28), pal.METAL)  # monitor neck
    mb.box((0, -0.22, 1.08), (0.74, 0.05, 0.44), pal.DARK)  # monitor frame
    mb.box((0, 0.12, 0.755), (0.46, 0.15, 0.02), pal.DARK)  # keyboard
    mb.box((0.36, 0.12, 0.755), (0.07, 0.11, 0.02), pal.DARK)  # mouse
    mb.box((-0.45, 0.05, 0.75), (0.22, 0.3, 0.01), pal.PAPER)  # papers
    mb.cylinder((0.55, -0.05, 0.745), 0.1, 0.04, pal.hex_rgba("#e86a5a"), seg=6)  # mug
    return NodePath(mb.node())


def _screen(color: pal.RGBA, lit: bool) -> NodePath:
    mb = MeshBuilder("screen")
    z0, z1, x = 0.88, 1.28, 0.34
    y = -0.194
    mb.poly([(-x, y, z0), (x, y, z0), (x, y, z1), (-x, y, z1)], (0, 1, 0), color, emissive=lit)
    if lit:  # a few text lines so a lit screen reads as work
        for i, w in enumerate((0.4, 0.5, 0.3, 0.45)):
            zz = z1 - 0.08 - i * 0.07
            mb.poly(
                [
                    (-x + 0.06, y + 0.002, zz - 0.02),
                    (-x + 0.06 + w, y + 0.002, zz - 0.02),
                    (-x + 0.06 + w, y + 0.002, zz),
                    (-x + 0.06, y + 0.002, zz),
                ],
                (0, 1, 0),
                pal.hex_rgba("#d6ecff"),
                emissive=True,
            )
    return NodePath(mb.node())


def build_chair() -> NodePath:
    """Office chair facing -Y (its back is at +Y)."""
    mb = MeshBuilder("chair")
    mb.box((0, 0, 0.44), (0.5, 0.48, 0.07), pal.CHAIR)
    mb.box((0, 0.24, 0.78), (0.48, 0.06, 0.56), pal.CHAIR)
    mb.box((0, 0, 0.22), (0.06, 0.06, 0.42), pal.METAL)
    mb.box((0, 0, 0.03), (0.5, 0.06, 0.04), pal.METAL)
    mb.box((0, 0, 0.03), (0.06, 0.5, 0.04), pal.METAL)
    return NodePath(mb.node())


def build_lamp() -> NodePath:
    mb = MeshBuilder("lamp")
    mb.cylinder((0, 0, 0.745), 0.03, 0.08, pal.DARK, seg=8)
    mb.box((0, 0, 0.95), (0.025, 0.025, 0.4), pal.DARK)
    mb.box((0, 0.07, 1.14), (0.025, 0.16, 0.025), pal.DARK)
    return NodePath(mb.node())


def _shade(lit: bool) -> NodePath:
    mb = MeshBuilder("shade")
    color = pal.LAMP_ON if lit else pal.LAMP_OFF
    mb.cone((0, 0.15, 1.02), 0.12, 0.12, 0.05, color, seg=8)
    if lit:
        mb.disc((0, 0.15, 1.021), 0.11, pal.hex_rgba("#fff3c4"), seg=8, emissive=True)
        mb.disc((0, 0.2, 0.749), 0.3, pal.hex_rgba("#f6e9c8"), seg=10, emissive=True)  # light pool
    return NodePath(mb.node())


def build_plant(tall: bool = False) -> NodePath:
    mb = MeshBuilder("plant")
    h = 0.42 if tall else 0.3
    mb.cone((0, 0, 0), h, 0.2, 0.26, pal.POT, seg=8)
    layers = ((0.8, 0.42), (1.25, 0.36), (1.62, 0.24)) if tall else ((0.55, 0.3), (0.85, 0.22))
    for i, (z, r) in enumerate(layers):
        mb.cone((0, 0, z - 0.32), 0.45, r, 0.02, pal.LEAF if i % 2 == 0 else pal.LEAF_DARK, seg=7)
    return NodePath(mb.node())


def build_meeting_table() -> NodePath:
    """A 2.4 x 1.2 table centred on the origin, six chairs around it."""
    mb = MeshBuilder("meeting_table")
    mb.box((0, 0, 0.72), (2.4, 1.2, 0.06), pal.WOOD)
    mb.box((0, 0, 0.36), (1.6, 0.2, 0.68), pal.WOOD_DARK)
    mb.box((0, 0, 0.02), (1.9, 0.7, 0.04), pal.WOOD_DARK)
    mb.cylinder((0.5, 0.15, 0.75), 0.03, 0.12, pal.PAPER, seg=6)
    for x, y, back in MEETING_CHAIRS:
        mb.box((x, y, 0.44), (0.46, 0.46, 0.07), pal.CHAIR)
        mb.box((x, y + back * 0.22, 0.72), (0.44, 0.06, 0.44), pal.CHAIR)
        mb.box((x, y, 0.21), (0.06, 0.06, 0.42), pal.METAL)
    return NodePath(mb.node())


MEETING_CHAIRS: tuple[tuple[float, float, int], ...] = tuple(
    (x, side * 0.9, side) for side in (-1, 1) for x in (-0.75, 0.0, 0.75)
)


def build_kitchen() -> NodePath:
    """Kitchen corner 4.4 wide, 0.7 deep, against a wall at +Y; origin at the counter front centre."""
    mb = MeshBuilder("kitchen")
    mb.box((0, 0.35, 0.45), (3.2, 0.7, 0.9), pal.CABINET)
    mb.box((0, 0.35, 0.92), (3.3, 0.74, 0.05), pal.COUNTER)
    for x in (-1.2, -0.4, 0.4, 1.2):
        mb.box((x, -0.005, 0.45), (0.72, 0.01, 0.78), pal.hex_rgba("#8fabb8"))
        mb.box((x, -0.015, 0.8), (0.2, 0.02, 0.03), pal.METAL)
    mb.box((-1.0, 0.6, 1.72), (1.8, 0.34, 0.6), pal.CABINET)  # wall cabinets
    mb.box((2.1, 0.38, 0.95), (0.8, 0.76, 1.9), pal.FRIDGE)  # fridge
    mb.box((1.76, 0.0, 1.2), (0.03, 0.02, 0.4), pal.METAL)
    mb.box((0.7, 0.45, 1.1), (0.32, 0.3, 0.32), pal.DARK)  # coffee machine
    mb.box((0.7, 0.33, 1.02), (0.1, 0.1, 0.05), pal.hex_rgba("#e86a5a"))
    mb.box((-0.5, 0.4, 0.95), (0.55, 0.4, 0.02), pal.METAL)  # sink
    mb.cylinder((-1.3, 0.4, 0.945), 0.12, 0.06, pal.PAPER, seg=6)
    return NodePath(mb.node())


def build_lounge_table() -> NodePath:
    mb = MeshBuilder("lounge_table")
    mb.cylinder((0, 0, 0), 0.7, 0.06, pal.METAL, seg=6)
    mb.cylinder((0, 0, 0.7), 0.04, 0.45, pal.WOOD, seg=10)
    for a in range(3):
        ang = a * 2 * math.pi / 3 + 0.5
        x, y = math.cos(ang) * 0.75, math.sin(ang) * 0.75
        mb.cylinder((x, y, 0), 0.45, 0.04, pal.METAL, seg=5)
        mb.cylinder((x, y, 0.45), 0.05, 0.18, pal.CHAIR, seg=8)
    return NodePath(mb.node())


def build_bookshelf() -> NodePath:
    mb = MeshBuilder("bookshelf")
    mb.box((0, 0, 0.9), (1.2, 0.36, 1.8), pal.WOOD)
    colors = ("#e86a5a", "#3b82f6", "#22a06b", "#e0a526", "#8b5cf6", "#f4f1ea")
    for shelf in range(4):
        z = 0.2 + shelf * 0.42
        mb.box((0, -0.181, z - 0.04), (1.1, 0.01, 0.02), pal.WOOD_DARK)
        for i in range(7):
            c = pal.hex_rgba(colors[(i * 3 + shelf) % len(colors)])
            mb.box((-0.45 + i * 0.14, -0.16, z + 0.14), (0.1, 0.06, 0.28 - (i % 3) * 0.04), c)
    return NodePath(mb.node())


def build_unit_quad(color: pal.RGBA, name: str) -> NodePath:
    """A 1 x 1 quad on the ground centred on the origin (scaled for floors and rugs)."""
    mb = MeshBuilder(name)
    mb.poly([(-0.5, -0.5, 0), (0.5, -0.5, 0), (0.5, 0.5, 0), (-0.5, 0.5, 0)], (0, 0, 1), color)
    return NodePath(mb.node())


def build_wall() -> NodePath:
    """A 1 m long wall segment along X, 2.6 m high, 0.15 thick, facing -Y, with a window band."""
    mb = MeshBuilder("wall")
    mb.box((0, 0, 1.3), (1.0, 0.15, 2.6), pal.WALL)
    mb.box((0, -0.08, 0.06), (1.0, 0.02, 0.12), pal.WALL_TRIM)
    return NodePath(mb.node())


def build_window() -> NodePath:
    mb = MeshBuilder("window")
    mb.box((0, -0.085, 1.55), (1.6, 0.02, 1.1), pal.WINDOW, emissive=True)
    mb.box((0, -0.095, 1.55), (0.05, 0.02, 1.1), pal.WALL_TRIM)
    mb.box((0, -0.1, 0.98), (1.7, 0.06, 0.05), pal.WALL_TRIM)
    return NodePath(mb.node())


def build_gauge(fill: bool) -> NodePath:
    """Budget gauge on the desk front: a dark slot, or a white 1 m fill bar from x=0 (scaled, tinted)."""
    mb = MeshBuilder("gauge")
    if fill:
        mb.box((0.5, 0, 0), (1.0, 0.02, 0.07), (1, 1, 1, 1), emissive=True)
    else:
        mb.box((0, 0, 0), (1.08, 0.02, 0.13), pal.GAUGE_BG, emissive=True)
    return NodePath(mb.node())


def build_marker(color: pal.RGBA) -> NodePath:
    """A round sign facing -Y with a white rim and a point below: it hangs over a desk."""
    mb = MeshBuilder("marker")
    seg = 16

    def ring(r: float, y: float, c: pal.RGBA) -> None:
        pts = [(r * math.cos(-2 * math.pi * i / seg), y, r * math.sin(-2 * math.pi * i / seg)) for i in range(seg)]
        mb.poly(pts[::-1], (0, -1, 0), c, emissive=True)

    mb.poly(
        [(-0.16, 0.01, -0.25), (0.16, 0.01, -0.25), (0, 0.01, -0.5)][::-1],
        (0, -1, 0),
        (1, 1, 1, 1),
        emissive=True,
    )
    ring(0.36, 0.005, (1, 1, 1, 1))
    ring(0.3, 0.0, color)
    return NodePath(mb.node())


BUILDERS: dict[str, Callable[[], NodePath]] = {
    "gauge_bg": lambda: build_gauge(False),
    "gauge_fill": lambda: build_gauge(True),
    "marker_approval": lambda: build_marker(pal.APPROVAL),
    "marker_blocked": lambda: build_marker(pal.BLOCKED),
    "marker_budget": lambda: build_marker(pal.BUDGET),
    "desk": build_desk,
    "screen_on": lambda: _screen(pal.SCREEN_ON, True),
    "screen_off": lambda: _screen(pal.SCREEN_OFF, False),
    "chair": build_chair,
    "lamp": build_lamp,
    "shade_on": lambda: _shade(True),
    "shade_off": lambda: _shade(False),
    "plant": build_plant,
    "plant_tall": lambda: build_plant(tall=True),
    "meeting_table": build_meeting_table,
    "kitchen": build_kitchen,
    "lounge_table": build_lounge_table,
    "bookshelf": build_bookshelf,
    "floor": lambda: build_unit_quad(pal.FLOOR, "floor"),
    "rug": lambda: build_unit_quad((1.0, 1.0, 1.0, 1.0), "rug"),
    "wall": build_wall,
    "window": build_window,
    "document": build_document,
}


def models_key() -> str:
    """Directory name for this Panda3D version and this builder code (.bam files depend on both)."""
    src = b"".join(Path(m).read_bytes() for m in (__file__, pal.__file__, Path(__file__).with_name("mesh.py")))
    return f"panda{PandaSystem.getVersionString()}-{hashlib.sha1(src).hexdigest()[:10]}"


def models_dir(base: Path | None = None) -> Path:
    """The writable model directory: `models3d/out/<key>`, else the data folder's `models/` (read-only installs)."""
    for root in _roots(base):
        path = root / models_key()
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if os.access(path, os.W_OK):
            return path
    raise RuntimeError("no writable directory for the office models")


def _write(node: NodePath, path: Path) -> None:
    tmp = path.with_suffix(".tmp.bam")
    if not node.writeBamFile(str(tmp)):
        raise RuntimeError(f"could not write {path}")
    tmp.replace(path)  # atomic, so a crash never leaves a half-written model


def ensure_models(base: Path | None = None) -> Path:
    """Build any missing furniture model and return the directory that holds them."""
    path = models_dir(base)
    for name, build in BUILDERS.items():
        target = path / f"{name}.bam"
        if not target.exists() and not _copy_shipped(target):
            _write(build(), target)
    return path


def _roots(base: Path | None) -> Iterator[Path]:
    if base is not None:
        yield base
    if not getattr(sys, "frozen", False):  # an installed bundle never writes into its own folder
        yield OUT
    yield _data_folder_models()


def _data_folder_models() -> Path:
    from engine.paths import Home  # the owner's data folder: the one place an install writes to

    return Home.resolve().root / "models"


def _copy_shipped(target: Path) -> bool:
    """Copy a model the build made (an installed bundle's read-only copy) instead of building it again."""
    shipped = OUT / target.parent.name / target.name
    if shipped == target or not shipped.is_file():
        return False
    tmp = target.with_suffix(".tmp.bam")
    shutil.copyfile(shipped, tmp)
    tmp.replace(target)
    return True


def figure_path(colors: dict[str, pal.RGBA], base: Path | None = None) -> Path:
    """The .bam of a figure in these colours, built on first use."""
    digest = hashlib.sha1(repr(sorted(colors.items())).encode()).hexdigest()[:12]
    target = models_dir(base) / f"figure-{digest}.bam"
    if not target.exists() and not _copy_shipped(target):
        _write(build_figure(colors), target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the office models into .bam files.")
    parser.add_argument("--out", type=Path, default=None, help="base directory (default models3d/out)")
    args = parser.parse_args(argv)
    path = ensure_models(args.out)
    for color in pal.ROLE_COLORS:
        for skin in pal.SKINS[:2]:
            figure_path({"shirt": color, "skin": skin, "hair": pal.HAIRS[0], "pants": pal.PANTS}, args.out)
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
