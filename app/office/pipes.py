"""Which graphics pipe the office would draw with here, asked without drawing (`headcount doctor`).

Follows the renderer's own choice (`pipe_order`, then software OpenGL swapped for Panda's faster
software rasteriser), so the answer is what the window would use.
"""

from __future__ import annotations

import os
from types import SimpleNamespace
from typing import Any

from panda3d.core import GraphicsEngine, loadPrcFileData

from app.office.renderer import _PRC, PIPE_ENV, _make_pipe, _software_gl, native_stderr, pipe_order

SOFTWARE_INTERFACES = ("TinyPanda",)  # Panda's own rasteriser names its interface so


def probe(preferred: str | None = None) -> dict[str, Any]:
    """{pipe, interface, software, tried}; raises RuntimeError when no pipe opens.

    What Panda3D's C++ prints meanwhile (two plugins that both carry the X11 window types each register
    them: "Attempt to register type x11GraphicsPipe more than once!") is kept from the doctor's report:
    under `native`, and in the error when no pipe opens."""
    with native_stderr() as said:
        try:
            found = _probe(preferred)
        except RuntimeError as exc:
            raise RuntimeError("; ".join([str(exc), *said])) from None
    return {**found, "native": said}


def _probe(preferred: str | None) -> dict[str, Any]:
    order = pipe_order(preferred)
    loadPrcFileData("headcount-office", _PRC)
    pipe = _make_pipe(order)
    found: dict[str, Any] = {"tried": order}
    if preferred is None and not os.environ.get(PIPE_ENV):
        base = SimpleNamespace(graphicsEngine=GraphicsEngine.getGlobalPtr())
        if _software_gl(base, pipe):  # the renderer swaps software OpenGL for p3tinydisplay, as here
            found["instead_of"] = pipe.getType().getName()
            pipe = _make_pipe(["p3tinydisplay"])
    interface = pipe.getInterfaceName()
    pipe_type = pipe.getType().getName()
    found.update(
        pipe=_module_of(pipe_type),
        interface=interface,
        pipe_type=pipe_type,
        software=interface in SOFTWARE_INTERFACES or "instead_of" in found,
        display=os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or None,
    )
    return found


def _module_of(pipe_type: str) -> str:
    """The plugin a pipe type comes from (TinyOffscreenGraphicsPipe -> p3tinydisplay, ...)."""
    if pipe_type.startswith("Tiny"):
        return "p3tinydisplay"
    if pipe_type.lower().startswith("egl"):
        return "p3headlessgl"
    return "pandagl"
