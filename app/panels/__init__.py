"""Plain widgets: each takes data through `set_*` methods and reports actions through callbacks."""

from app.forms import AuditRow, BriefProblem, CustomRole, RoleInfo, SettingsValues
from app.panels.audit import AuditPanel
from app.panels.employee import EmployeePanel
from app.panels.hire import HireDialog
from app.panels.inbox import InboxCallbacks, InboxPanel
from app.panels.roster import RosterPanel
from app.panels.settings import SettingsDialog
from app.panels.tasks import TasksPanel

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
