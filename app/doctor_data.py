"""The doctor page's data: the same checks as `headcount doctor`, with the graphics line from the pipe the
window draws with (not a probe that would open another). Qt-free; runs the engine's checks on a thread.
"""

from __future__ import annotations

import asyncio
from typing import Any

from app.forms import DoctorRow, Graphics

SOFTWARE_INTERFACES = ("TinyPanda",)


def graphics_in_use(view: object) -> dict[str, object] | None:
    """What the office view draws with: {pipe, interface, pipe_type, software}; None for the 2D floor plan."""
    renderer = getattr(view, "renderer", None)
    pipe = getattr(getattr(renderer, "base", None), "pipe", None)
    if pipe is None:
        return None
    pipe_type = str(pipe.getType().getName())
    interface = str(pipe.getInterfaceName())
    module = (
        "p3tinydisplay" if pipe_type.startswith("Tiny") else "p3headlessgl" if "egl" in pipe_type.lower() else "pandagl"
    )
    return {
        "pipe": module,
        "interface": interface,
        "pipe_type": pipe_type,
        "software": interface in SOFTWARE_INTERFACES,
    }


async def check_machine(home: Any, *, graphics: Graphics, online: bool) -> list[DoctorRow]:
    """Every check `headcount doctor` makes, for the office at `home` (an engine `Home`); `graphics` is
    the view's pipe (`graphics_in_use`) or why the window shows the 2D plan."""
    from engine.clock import SystemClock
    from engine.doctor import examine, graphics_check, no_graphics

    graphics_line = no_graphics(graphics) if isinstance(graphics, str) else graphics_check(dict(graphics))
    checks = await asyncio.to_thread(
        examine, home, now=SystemClock().now(), graphics=lambda: graphics_line, online=online
    )
    return [DoctorRow(c.name, c.status, c.summary, c.fix) for c in checks]
