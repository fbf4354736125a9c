"""The rehearsal model's way with email: read the inbox, draft a reply to the newest message, and send
it when the task asks for an answer (the owner approves first, as with any message going out).

Pure like the rest of the rehearsal: the arguments come only from the task and the inbox it read, so
a step computed again after a restart has the same arguments. The names are those of `engine.apps.email`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from email.utils import getaddresses
from typing import Any

from engine.llm.rehearsal_draft import Brief

EMAIL_TOOLS = ("read_inbox", "draft_email", "send_email")
NOT_CONNECTED = "no email account is connected"  # what the tools say without an account (engine.apps.email)
_ANSWER_WORDS = re.compile(r"\b(reply|replies|answer|answers|respond|responds|send|sends)\b", re.IGNORECASE)
_HEADER = re.compile(r"^(From|Subject|Message-ID): (.*)$")


def unavailable(name: str, result: str) -> bool:
    """An email tool that says no account is connected: the brief says to work from files instead."""
    return name in EMAIL_TOOLS and NOT_CONNECTED in result


def mail_steps(
    brief: Brief, task: str, results: Mapping[str, str], offered: Mapping[str, Any]
) -> list[tuple[str, dict[str, Any]]]:
    """The email steps of a task, in order; empty when no email tool is offered."""
    if "read_inbox" not in offered:
        return []
    steps: list[tuple[str, dict[str, Any]]] = [("read_inbox", {"limit": 5})]
    inbox = results.get("read_inbox")
    newest = first_message(inbox) if inbox else None
    if newest is None:
        return steps
    sender_name, sender = newest["from"]
    subject = newest["subject"] or "your message"
    reply = {
        "to": [sender],
        "subject": subject if subject.lower().startswith("re:") else f"Re: {subject}",
        "body": _reply_body(brief, sender_name, subject),
        "in_reply_to": newest["message_id"],
    }
    if "draft_email" in offered:
        steps.append(("draft_email", reply))
    if "send_email" in offered and _ANSWER_WORDS.search(task):
        steps.append(("send_email", reply))
    return steps


def first_message(inbox: str) -> dict[str, Any] | None:
    """From, Subject and Message-ID of the first message `read_inbox` listed, if any."""
    fields: dict[str, str] = {}
    started = False
    for line in inbox.splitlines():
        if line.startswith("--- message "):
            if started:
                break
            started = True
            continue
        match = _HEADER.match(line) if started else None
        if match and match.group(1) not in fields:
            fields[match.group(1)] = match.group(2).strip()
    addresses = getaddresses([fields.get("From", "")])
    if not addresses or "@" not in addresses[0][1]:
        return None
    name, address = addresses[0]
    return {"from": (name, address), "subject": fields.get("Subject", ""), "message_id": fields.get("Message-ID", "")}


def _reply_body(brief: Brief, name: str, subject: str) -> str:
    greeting = f"Hello {name.split()[0]}," if name.strip() else "Hello,"
    return (
        f"{greeting}\n\n"
        f"Thank you for your message about {subject.removeprefix('Re: ')}. "
        "I have passed it on and will come back to you with an answer shortly.\n\n"
        f"Kind regards,\n{brief.title}, on behalf of the owner\n"
    )
