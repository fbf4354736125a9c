"""OfficeRenderer: ShowBase with no window, an offscreen buffer, the office scene, camera and picking.

The caller steps it (`render_frame`); nothing here runs a loop of its own or touches Qt. Only one
renderer can exist per process (ShowBase is a singleton); `close()` releases it.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from panda3d.core import (
    CollisionHandlerQueue,
    CollisionNode,
    CollisionRay,
    CollisionTraverser,
    FrameBufferProperties,
    GraphicsOutput,
    GraphicsPipe,
    GraphicsPipeSelection,
    LPoint2f,
    LPoint3f,
    PNMImage,
    Texture,
    WindowProperties,
    loadPrcFileData,
)

from app.office.camera import CameraRig
from app.office.scene import PICK_MASK, ModelLibrary, OfficeScene
from app.office.state import Motion, OfficeState
from models3d import palette as pal

log = logging.getLogger(__name__)

PIPE_ENV = "HEADCOUNT_PANDA_PIPE"
PIPES = ("pandagl", "p3headlessgl", "p3tinydisplay")
_PIPE_FAMILY = {
    "p3tinydisplay": ("Tiny",),
    "p3headlessgl": ("egl",),
    "pandagl": ("glx", "wgl", "Cocoa", "egl"),
}
_PRC = """
audio-library-name null
window-type none
sync-video false
framebuffer-multisample 0
notify-level-display error
notify-level-x11display fatal
notify-level-device fatal
notify-level-glgsg fatal
default-directnotify-level warning
model-cache-dir
# The models are .bam files: do not scan every installed package for Python model loaders at start-up.
loader-support-entry-points false
# Shapes text (joined Arabic letters, right-to-left names) with the HarfBuzz Panda3D's wheels carry.
text-use-harfbuzz true
"""


def pipe_order(preferred: str | None = None) -> list[str]:
    """Pipes to try: the argument, else $HEADCOUNT_PANDA_PIPE, then the default fallback chain."""
    first = preferred or os.environ.get(PIPE_ENV)
    chain = list(PIPES)
    if sys.platform.startswith("linux") and not os.environ.get("DISPLAY"):
        chain.remove("pandagl")  # needs an X server: trying it only prints "Could not open display"
    if first is None:
        return chain
    return [first, *(p for p in chain if p != first)]


@contextlib.contextmanager
def native_stderr() -> Iterator[list[str]]:
    """Collect what native code writes to file descriptor 2 meanwhile (its lines, once the block ends).

    Python's own `sys.stderr` cannot see C++'s writes; the descriptor is pointed at a temporary file
    for the block (wurlitzer does this with pipes and threads, but not on Windows)."""
    said: list[str] = []
    fd = 2  # C++'s std::cerr, whatever Python's sys.stderr is
    try:
        saved = os.dup(fd)
    except OSError:  # no descriptor 2 at all (a windowed app on Windows): nothing to collect
        yield said
        return
    if sys.stderr is not None:
        sys.stderr.flush()
    with tempfile.TemporaryFile() as caught:
        os.dup2(caught.fileno(), fd)
        try:
            yield said
        finally:
            os.dup2(saved, fd)
            os.close(saved)
            caught.seek(0)
            said += [line for line in caught.read().decode(errors="replace").splitlines() if line.strip()]


def _make_pipe(order: list[str]) -> GraphicsPipe:
    selection = GraphicsPipeSelection.getGlobalPtr()
    for module in order:
        pipe = selection.makeModulePipe(module)
        if pipe is not None and pipe.isValid():
            return pipe
        # A module's first pipe type may need a display (TinyXGraphicsPipe); try its others.
        for i in range(selection.getNumPipeTypes()):
            kind = selection.getPipeType(i)
            if kind.getName().startswith(_PIPE_FAMILY.get(module, ())):
                pipe = selection.makePipe(kind)
                if pipe is not None and pipe.isValid():
                    return pipe
    raise RuntimeError(f"no usable Panda3D graphics pipe among {order}")


SOFTWARE_RENDERERS = ("llvmpipe", "softpipe", "swrast", "software rasterizer")


def _software_gl(base: Any, pipe: GraphicsPipe) -> bool:
    """Whether an OpenGL pipe is really a software rasteriser (no GPU), probed with a 1x1 buffer."""
    if pipe.getInterfaceName() != "OpenGL":
        return False
    fb = FrameBufferProperties()
    fb.setRgbColor(True)
    flags = GraphicsPipe.BFRefuseWindow | GraphicsPipe.BFFbPropsOptional
    probe = base.graphicsEngine.makeOutput(pipe, "gl-probe", -200, fb, WindowProperties.size(1, 1), flags)
    if probe is None:
        return False
    try:
        base.graphicsEngine.openWindows()
        gsg = probe.getGsg()
        renderer = (gsg.getDriverRenderer() if gsg is not None else "").lower()
    finally:
        base.graphicsEngine.removeWindow(probe)
    return any(name in renderer for name in SOFTWARE_RENDERERS)


@dataclass(frozen=True, slots=True)
class Frame:
    """One rendered frame: `bgra` holds 4 bytes per pixel, rows bottom-up (Panda's own order)."""

    width: int
    height: int
    bgra: bytes

    def pixel(self, x: int, y: int) -> tuple[int, int, int]:
        """(r, g, b) at (x, y) with the origin at the top-left, as a widget sees it."""
        row = self.height - 1 - y
        i = (row * self.width + x) * 4
        b, g, r = self.bgra[i], self.bgra[i + 1], self.bgra[i + 2]
        return (r, g, b)


class OfficeRenderer:
    """Renders an OfficeState offscreen; see the module docstring for the threading rule."""

    def __init__(
        self,
        state: OfficeState | None = None,
        size: tuple[int, int] = (1280, 720),
        pipe: str | None = None,
        models_dir: Path | None = None,
    ) -> None:
        order = pipe_order(pipe)
        loadPrcFileData("headcount-office", _PRC)
        from direct.showbase.ShowBase import ShowBase  # after the PRC, which it reads on import

        self.base = ShowBase(windowType="none")
        self.base.disableMouse()
        self.base.pipe = _make_pipe(order)
        if pipe is None and not os.environ.get(PIPE_ENV) and _software_gl(self.base, self.base.pipe):
            # Mesa's llvmpipe draws this scene slower than Panda's own software rasteriser (FINDINGS:
            # 67 vs 100+ fps at 50 employees), and every frame holds the event loop: use the faster one.
            with native_stderr() as said:  # both plugins carry the X11 window types: each registers them
                self.base.pipe = _make_pipe(["p3tinydisplay"])
            for line in said:
                (log.debug if "more than once" in line else log.warning)("Panda3D: %s", line)
        self.pipe_name = self.base.pipe.getInterfaceName()
        self.size = (max(1, size[0]), max(1, size[1]))
        self._texture = Texture("office-color")
        self._open_buffer(*self.size)
        self.models = ModelLibrary(models_dir)
        self.camera = CameraRig()
        self.state = state if state is not None else OfficeState()
        self.scene = OfficeScene(self.base.render, self.state, self.models)
        self._picker = CollisionTraverser("picker")
        self._pick_queue = CollisionHandlerQueue()
        self._ray = CollisionRay()
        ray_node = CollisionNode("pick-ray")
        ray_node.addSolid(self._ray)
        ray_node.setFromCollideMask(PICK_MASK)
        ray_node.setIntoCollideMask(0)
        self._picker.addCollider(self.base.camera.attachNewNode(ray_node), self._pick_queue)
        self.frames = 0
        self.frame_all()

    # ------------------------------------------------------------------ buffer
    def _open_buffer(self, width: int, height: int) -> None:
        base = self.base
        fb = FrameBufferProperties()
        fb.setRgbColor(True)
        fb.setRgbaBits(8, 8, 8, 8)
        fb.setDepthBits(24)
        flags = GraphicsPipe.BFRefuseWindow | GraphicsPipe.BFResizeable | GraphicsPipe.BFFbPropsOptional
        props = WindowProperties.size(width, height)
        win = base.graphicsEngine.makeOutput(base.pipe, "office", 0, fb, props, flags)
        if win is None:
            # Under GLX a resizable buffer is an FBO that needs a host GSG (see FINDINGS).
            host_flags = GraphicsPipe.BFRefuseWindow | GraphicsPipe.BFFbPropsOptional
            host = base.graphicsEngine.makeOutput(
                base.pipe, "office-host", -100, fb, WindowProperties.size(1, 1), host_flags
            )
            if host is None:
                raise RuntimeError("could not create the offscreen host buffer")
            win = base.graphicsEngine.makeOutput(base.pipe, "office", 0, fb, props, flags, host.getGsg(), host)
        if win is None:
            raise RuntimeError("could not create the offscreen buffer")
        base.win = win
        base.winList.append(win)
        base.makeCamera(win)
        win.setClearColor(pal.SKY)
        win.addRenderTexture(self._texture, GraphicsOutput.RTMCopyRam, GraphicsOutput.RTPColor)
        base.camLens.setNearFar(1.0, 400.0)

    def resize(self, width: int, height: int) -> None:
        width, height = max(1, int(width)), max(1, int(height))
        if (width, height) == self.size:
            return
        self.size = (width, height)
        self.base.win.setSize(width, height)

    # ------------------------------------------------------------------ state
    def attach(self, state: OfficeState) -> None:
        """Show another OfficeState (replaces the scene)."""
        self.scene.root.removeNode()
        self.state = state
        self.scene = OfficeScene(self.base.render, state, self.models)
        self.frame_all()

    # ------------------------------------------------------------------ camera
    @property
    def aspect(self) -> float:
        return self.size[0] / self.size[1]

    def frame_all(self) -> None:
        plan = self.state.plan
        self.camera.frame((0.0, 0.0, plan.width, plan.depth), self.aspect)
        self.camera.follow = None

    def frame_team(self, team: str) -> None:
        area = self.state.plan.area(team)
        if area is None:
            raise KeyError(f"no team area {team!r}")
        self.camera.frame(area.rect, self.aspect)
        self.camera.follow = None

    def orbit(self, d_heading: float, d_pitch: float) -> None:
        self.camera.orbit(d_heading, d_pitch)

    def pan(self, dx_pixels: float, dy_pixels: float) -> None:
        """Drag the floor by a mouse movement in pixels."""
        metres_per_pixel = self.camera.distance * 1.1 / self.size[1]
        self.camera.pan(-dx_pixels * metres_per_pixel, dy_pixels * metres_per_pixel)

    def zoom(self, factor: float) -> None:
        self.camera.zoom(factor)

    def follow(self, employee_id: str | None) -> None:
        self.camera.follow = employee_id if employee_id in self.state.actors else None
        self.scene.show_bubble(self.camera.follow)

    def hover(self, x: float, y: float) -> str | None:
        """Show the speech bubble of the employee under (x, y), if any; returns its id."""
        employee_id = self.pick(x, y)
        self.scene.show_bubble(employee_id or self.camera.follow)
        return employee_id

    def _apply_camera(self, dt: float) -> None:
        rig = self.camera
        if rig.follow is not None:
            actor = self.state.actors.get(rig.follow)
            if actor is None:
                rig.follow = None
            else:
                rig.track((actor.x, actor.y), dt)
        self.base.camera.setPos(*rig.eye())
        self.base.camera.lookAt(*rig.target)
        vfov = math.radians(rig.fov)
        hfov = 2 * math.atan(math.tan(vfov / 2) * self.aspect)
        self.base.camLens.setFov(math.degrees(hfov), rig.fov)

    # ------------------------------------------------------------------ frames
    def motion(self) -> Motion:
        """How much the next frame would differ (see `OfficeState.motion`); following someone is busy,
        a speech bubble on screen at least calm (its text follows the employee)."""
        if self.camera.follow is not None:
            return "busy"
        motion = self.state.motion()
        return "calm" if motion == "still" and self.scene.bubble_for is not None else motion

    def advance(self, dt: float) -> None:
        """Move the simulation on without drawing (a still office: nothing on screen would change)."""
        if dt > 0:
            self.state.advance(dt)

    def render_frame(self, dt: float = 0.0) -> Frame:
        """Advance the office by `dt` seconds, draw, and return the pixels."""
        if dt > 0:
            self.state.advance(dt)
        self.scene.sync(dt)
        self._apply_camera(dt)
        self.base.graphicsEngine.renderFrame()
        self.frames += 1
        data = self._texture.getRamImageAs("BGRA")
        return Frame(self._texture.getXSize(), self._texture.getYSize(), bytes(data))

    def save_png(self, path: Path) -> None:
        """Write the last rendered frame to `path` (PNG by extension)."""
        image = PNMImage()
        if not self._texture.store(image):
            raise RuntimeError("nothing rendered yet")
        path.parent.mkdir(parents=True, exist_ok=True)
        if not image.write(str(path)):
            raise RuntimeError(f"could not write {path}")

    # ------------------------------------------------------------------ picking
    def pick(self, x: float, y: float) -> str | None:
        """Employee id under pixel (x, y) (origin top-left) — its figure or its desk — else None."""
        w, h = self.size
        self._apply_camera(0.0)
        self._ray.setFromLens(self.base.camNode, 2.0 * x / w - 1.0, 1.0 - 2.0 * y / h)
        self._picker.traverse(self.scene.root)
        if self._pick_queue.getNumEntries() == 0:
            return None
        self._pick_queue.sortEntries()
        tagged = self._pick_queue.getEntry(0).getIntoNodePath().getNetTag("employee_id")
        return tagged or None

    def project(self, employee_id: str, z: float = 1.1) -> tuple[float, float] | None:
        """Pixel (x, y) where an employee's body at height `z` appears, or None when off screen."""
        self._apply_camera(0.0)
        world = self.scene.anchor(employee_id, z)
        cam_point = self.base.cam.getRelativePoint(self.scene.root, LPoint3f(world))
        out = LPoint2f()
        if not self.base.camLens.project(cam_point, out):
            return None
        w, h = self.size
        return ((out.x + 1) / 2 * w, (1 - out.y) / 2 * h)

    def project_point(self, x: float, y: float, z: float) -> tuple[float, float] | None:
        """Pixel of a world point, or None when off screen."""
        self._apply_camera(0.0)
        cam_point = self.base.cam.getRelativePoint(self.base.render, LPoint3f(x, y, z))
        out = LPoint2f()
        if not self.base.camLens.project(cam_point, out):
            return None
        w, h = self.size
        return ((out.x + 1) / 2 * w, (1 - out.y) / 2 * h)

    def close(self) -> None:
        global _shared
        if _shared is self:
            _shared = None
        self.base.destroy()


_shared: OfficeRenderer | None = None
_shared_error: str | None = None


def shared_renderer(size: tuple[int, int] = (1280, 720), pipe: str | None = None) -> OfficeRenderer:
    """The process's one renderer (ShowBase is a singleton), made on first use and reused after.

    Later calls return the same renderer whatever `size` and `pipe` they ask for. Raises
    RuntimeError with the reason when no graphics pipe opens; the failure is remembered so a
    second caller does not pay for it again.
    """
    global _shared, _shared_error
    if _shared is not None:
        return _shared
    if _shared_error is not None:
        raise RuntimeError(_shared_error)
    try:
        _shared = OfficeRenderer(size=size, pipe=pipe)
    except Exception as exc:
        _shared_error = str(exc) or type(exc).__name__
        raise RuntimeError(_shared_error) from exc
    return _shared


def time_first_frame(renderer: OfficeRenderer) -> float:
    """Seconds to render one frame (used by the benchmark)."""
    t0 = time.perf_counter()
    renderer.render_frame(0.0)
    return time.perf_counter() - t0
