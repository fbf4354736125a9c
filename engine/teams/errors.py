"""The teams' one error: a team command cannot be done (the message says why, for the owner or the employee)."""


class TeamError(Exception):
    """A team command cannot be done (the message says why, for the owner or the employee)."""
