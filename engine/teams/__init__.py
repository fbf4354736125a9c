"""Teams that work together: a shared board, hand-offs, sprints planned by the lead, stuck work, stand-ups.

Below the office: the office composes `Teams` with its collaborators (engine.office.teamwork) and gives
team members the `team_tools`; the CLI reaches it through `office.teams`.
"""

from engine.teams.board import COLUMNS, Card
from engine.teams.desk import Proposal, Settings, Teams
from engine.teams.errors import TeamError
from engine.teams.plan import Member, Plan, PlanError, PlannedTask, check_plan, find_cycle, rehearsal_plan
from engine.teams.tools import LEAD_TOOLS, TEAM_TOOLS, lead_tools, team_tools

__all__ = [
    "COLUMNS",
    "LEAD_TOOLS",
    "TEAM_TOOLS",
    "Card",
    "Member",
    "Plan",
    "PlanError",
    "PlannedTask",
    "Proposal",
    "Settings",
    "TeamError",
    "Teams",
    "check_plan",
    "find_cycle",
    "lead_tools",
    "rehearsal_plan",
    "team_tools",
]
