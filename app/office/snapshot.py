"""Render the office to a PNG without a window (`headcount snapshot`)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from app.office.renderer import OfficeRenderer
from app.office.state import OfficeState
from engine.events import Event

SETTLE_SECONDS = 1.5  # let blends and the first steps of any walk play out


def snapshot(
    events_or_state: Iterable[Event] | OfficeState,
    out_png: Path,
    size: tuple[int, int] = (1280, 720),
    team: str | None = None,
    *,
    renderer: OfficeRenderer | None = None,
    pipe: str | None = None,
) -> Path:
    """Render the office implied by `events_or_state` to `out_png`; frame only `team` when given.

    Events are replayed into a fresh OfficeState and everyone is put at their place. Pass an
    existing `renderer` to reuse it (one ShowBase per process); otherwise one is made and closed.
    """
    if isinstance(events_or_state, OfficeState):
        state = events_or_state
    else:
        state = OfficeState()
        state.apply_all(events_or_state)
        state.settle()
    own = renderer is None
    r = renderer if renderer is not None else OfficeRenderer(state, size=size, pipe=pipe)
    try:
        if not own:
            r.attach(state)
            r.resize(*size)
        if team is not None:
            r.frame_team(team)
        else:
            r.frame_all()
        steps = 6
        for _ in range(steps):
            r.render_frame(SETTLE_SECONDS / steps)
        r.save_png(out_png)
    finally:
        if own:
            r.close()
    return out_png


def snapshot_command(out: Path, size: tuple[int, int], team: str | None, events: Iterable[Event]) -> None:
    """Entry point for `headcount snapshot --out FILE.png [--size WxH] [--team T]`."""
    snapshot(list(events), out, size=size, team=team)


def parse_size(text: str) -> tuple[int, int]:
    """'1280x720' -> (1280, 720); raises ValueError with the accepted form."""
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise ValueError(f"size must look like 1280x720, got {text!r}") from None
    if not (16 <= w <= 8192 and 16 <= h <= 8192):
        raise ValueError(f"size out of range: {text!r}")
    return (w, h)
