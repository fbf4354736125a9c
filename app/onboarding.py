"""The first hour: on a new office's first run, a small starter team is hired and given a first task.

Whatever the hour, they are called in for their first day, so the office visibly works from the start.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

from app.forms import RoleInfo
from app.state import OfficeState

if TYPE_CHECKING:
    from engine.office import Office

log = logging.getLogger(__name__)

STARTER_KEY = "shell.starter_team"
STARTER_ROLES = ("assistant",)
STARTER_TEAM = "marketing"  # hired too when the catalog has it
STARTER_MAX = 4
STARTER_TASKS: dict[str, str] = {
    "assistant": "Write me a short welcome note: what you can do for me, and three ideas for this week.",
}
STARTER_TASK = "Introduce yourself in a short note and draft a first plan for your role as {title}."
FIRST_DAY_HOURS = 8.0  # catalog roles keep office hours; on first run the starter team is called in


async def is_first_run(office: Office) -> bool:
    """A new office: the window never hired its starter team, and nobody was ever hired (an owner who
    staffed it from the terminal first gets no one they did not ask for)."""
    if await office.history.shell_setting(STARTER_KEY) is not None:
        return False
    return not await office.journal.employees(include_departed=True)


async def hire_starter_team(
    office: Office, state: OfficeState, roles: Sequence[RoleInfo], hire: Callable[[str, str | None], Awaitable[Any]]
) -> None:
    """Hire the assistant and (part of) the marketing team from `roles`, call them in, give each a task."""
    state.first_day = True  # the banner says they are called in, from the first hire on
    chosen = [r for r in roles if r.id in STARTER_ROLES]
    chosen += [r for r in roles if r.team == STARTER_TEAM and r.id not in STARTER_ROLES]
    if not chosen:
        chosen = [RoleInfo("assistant", "Personal assistant")]
    for role in chosen[:STARTER_MAX]:
        try:
            record = await hire(role.id, None)
            # Catalog roles keep office hours; whatever the hour, the first day starts now.
            await office.call_in(record.id, hours=FIRST_DAY_HOURS)
        except Exception as exc:
            log.warning("starter hire %s failed: %s", role.id, exc)
            state.tell(f"Could not hire a {role.title}: {exc}")
            continue
        text = STARTER_TASKS.get(role.id, STARTER_TASK.format(title=record.title.lower()))
        task = await office.assign(record.id, text)
        state.chat_sent(record.id, text, task.id)  # the first day's conversation shows in their chat
    await office.history.set_shell_setting(STARTER_KEY, "1")
    state.set_welcome(True)
