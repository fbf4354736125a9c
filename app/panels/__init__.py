"""Plain widgets: each takes data through `set_*` methods and reports actions through callbacks.

Re-exported on first use (PEP 562), so the window's start-up imports only the panels it shows.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.forms import AuditRow, BriefProblem, CustomRole, RoleInfo, SettingsValues
    from app.panels.audit import AuditPanel
    from app.panels.employee import EmployeePanel
    from app.panels.hire import HireDialog
    from app.panels.inbox import InboxCallbacks, InboxPanel
    from app.panels.roster import RosterPanel
    from app.panels.settings import SettingsDialog
    from app.panels.tasks import TasksPanel

_HOMES = {
    "AuditPanel": "app.panels.audit",
    "AuditRow": "app.forms",
    "BriefProblem": "app.forms",
    "CustomRole": "app.forms",
    "EmployeePanel": "app.panels.employee",
    "HireDialog": "app.panels.hire",
    "InboxCallbacks": "app.panels.inbox",
    "InboxPanel": "app.panels.inbox",
    "RoleInfo": "app.forms",
    "RosterPanel": "app.panels.roster",
    "SettingsDialog": "app.panels.settings",
    "SettingsValues": "app.forms",
    "TasksPanel": "app.panels.tasks",
}

__all__ = [
    "AuditPanel",
    "AuditRow",
    "BriefProblem",
    "CustomRole",
    "EmployeePanel",
    "HireDialog",
    "InboxCallbacks",
    "InboxPanel",
    "RoleInfo",
    "RosterPanel",
    "SettingsDialog",
    "SettingsValues",
    "TasksPanel",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
