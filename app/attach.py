"""The window works the office, or watches it while another process does, and takes over when that one stops.

One process works an office at a time (the run lock). A window opened while `headcount run
--background` (or another window) works the office does not fail: it shows the office as the
journal has it, refreshed every few seconds, and the owner's actions are recorded for the working
process to pick up (as any command's are, within 3 seconds). When the lock frees, this window
starts working the office itself, from the last saved step.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from engine.errors import OfficeError
from engine.runlock import lock_holder

if TYPE_CHECKING:
    from engine.office import Office

WATCH_S = 3.0  # as often as a working office polls the journal for other processes' decisions


def watching_text(holder: str) -> str:
    return (
        f"Watching: this office is at work in {holder} (`headcount run` or another window). "
        "What you do here reaches it within seconds; this window takes over when it stops."
    )


async def work_or_watch(
    office: Office,
    *,
    watching: Callable[[str], None],
    working: Callable[[], None],
    reload: Callable[[], Awaitable[None]],
    pause: Callable[[float], Awaitable[None]] | None = None,
) -> None:
    """Work the office until cancelled; while another process holds the run lock, watch and wait for it."""
    lock = office.home.root / "run.lock"
    wait = pause or office.clock.sleep
    while True:
        holder = lock_holder(lock)
        if holder is None:
            working()
            try:
                await office.run(until_idle=False)
                return
            except OfficeError:
                holder = lock_holder(lock)
                if holder is None:  # a real failure, not a lost race for the lock
                    raise
        watching(holder)
        await reload()
        await wait(WATCH_S)
