"""The agent loop of one employee on one task, and the guard it calls around every model and tool call.

`AgentLoop.run(work, history)` works a `TaskWork` from where its journal left off and returns an
`Outcome`; a `Guard` (the office's guardrails, or `OpenGuard` in tests of the bare loop) may stop it
by raising `Parked`.
"""

from engine.loop.agent import AgentLoop
from engine.loop.guard import Guard, OpenGuard
from engine.loop.work import Outcome, TaskWork
from engine.parked import Parked

__all__ = ["AgentLoop", "Guard", "OpenGuard", "Outcome", "Parked", "TaskWork"]
