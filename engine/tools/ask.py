"""`ask_owner`: a question that waits, durably, for the owner's answer.

The tool parks its task with the question as the reason (kept in the database like any parked
task, so it survives restarts). The owner answers with `headcount answer TASK "text"`, which is
`resume` with the answer as the owner's message: the employee reads it and carries on.
"""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel, Field

from engine.guards import Parked
from engine.journal import Journal
from engine.office_parts import OwnerError
from engine.tools.base import FunctionTool, Tool, ToolContext

QUESTION = "asks you: "  # how the reason of a task parked by ask_owner begins
DESCRIPTION = (
    "Ask the owner something only they can tell you (a preference, a decision, a missing fact). "
    "Your task pauses until they reply; their answer comes as a message."
)


class AskArgs(BaseModel):
    model_config = {"extra": "forbid"}
    question: str = Field(min_length=1, max_length=2000, description="One clear question, with what you need it for")


async def _ask(ctx: ToolContext, args: AskArgs) -> str:
    raise Parked("parked", f"{QUESTION}{' '.join(args.question.split())}", "blocked")


def ask_owner_tool() -> Tool:
    # Idempotent: no intent is journaled, so the parked call leaves nothing half done behind it.
    return FunctionTool("ask_owner", DESCRIPTION, AskArgs, _ask)


def question_of(reason: str) -> str | None:
    """The question a parked task's reason holds, or None when it is parked for something else."""
    return reason.removeprefix(QUESTION) if reason.startswith(QUESTION) else None


class _Resumes(Protocol):
    journal: Journal

    async def resume(self, task_id: str, note: str = "") -> None: ...


async def answer(office: _Resumes, task_id: str, text: str) -> None:
    """Answer the question a task waits on; it goes back in the queue with the answer. Raises OwnerError."""
    text = text.strip()
    if not text:
        raise OwnerError("an answer needs some text")
    task = await office.journal.task(task_id)
    if task is None:
        raise OwnerError(f"no task {task_id!r}")
    question = question_of(task.reason) if task.status == "parked" else None
    if question is None:
        raise OwnerError(
            f"task {task_id} is not waiting for an answer (it is {task.status}); "
            f"to let a parked task go on with a message, use `headcount resume {task_id} --note TEXT`"
        )
    await office.resume(task_id, f"The owner answered your question ({question}): {text}")
