"""The catalog's tool and connection vocabulary, in one place.

Briefs may name any tool listed here even when it is not installed yet (connected apps and MCP
servers arrive in later issues); `missing_tools` tells the engine which ones an office lacks.
Every catalog role can work with the built-ins alone.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from engine.tools.base import Risk


@dataclass(frozen=True, slots=True)
class ToolInfo:
    description: str
    risk: Risk
    connection: str | None = None  # the connected app it needs; None for built-ins


TOOLS: dict[str, ToolInfo] = {
    # built-in: files and notes in the employee's own workspace
    "list_files": ToolInfo("List the files in your workspace.", "read_only"),
    "read_file": ToolInfo("Read a file from your workspace.", "read_only"),
    "write_file": ToolInfo("Write a file in your workspace (drafts, reports).", "internal_write"),
    "save_note": ToolInfo("Save a note for later.", "internal_write"),
    "search_notes": ToolInfo("Search your saved notes.", "read_only"),
    "use_skill": ToolInfo("Load the instructions of one of your skills.", "read_only"),
    # built-in: memory across days (engine.memory.tools)
    "remember": ToolInfo("Remember a fact or decision for later days.", "internal_write"),
    "recall": ToolInfo("Search what you remember.", "read_only"),
    "correct": ToolInfo("Replace a remembered fact that is wrong.", "internal_write"),
    # email
    "read_inbox": ToolInfo("List and read messages in the connected inbox.", "read_only", "email"),
    "draft_email": ToolInfo("Save an email draft for the owner to review.", "internal_write", "email"),
    "send_email": ToolInfo("Send an email.", "external_comm", "email"),
    # calendar
    "calendar_list": ToolInfo("List events in the connected calendar.", "read_only", "calendar"),
    "calendar_create": ToolInfo("Create or propose a calendar event.", "external_comm", "calendar"),
    # web
    "web_search": ToolInfo("Search the public web.", "read_only", "web"),
    "web_fetch": ToolInfo("Fetch a public web page as text.", "read_only", "web"),
    # CRM
    "crm_lookup": ToolInfo("Look up a contact, company or deal in the CRM.", "read_only", "crm"),
    "crm_update": ToolInfo("Update a contact, company or deal in the CRM.", "internal_write", "crm"),
    # help desk
    "ticket_list": ToolInfo("List support tickets.", "read_only", "helpdesk"),
    "ticket_update": ToolInfo("Tag, prioritise or assign a support ticket.", "internal_write", "helpdesk"),
    "ticket_reply": ToolInfo("Reply to a customer on a support ticket.", "external_comm", "helpdesk"),
    # social
    "social_schedule": ToolInfo("Schedule a social media post.", "external_comm", "social"),
    # accounting
    "ledger_read": ToolInfo("Read transactions from the accounting system.", "read_only", "accounting"),
    "ledger_categorize": ToolInfo("Categorise a transaction in the books.", "internal_write", "accounting"),
    "invoice_create": ToolInfo("Create an invoice in the accounting system.", "spends_money", "accounting"),
    # documents and code
    "doc_read": ToolInfo("Read a document from the connected drive.", "read_only", "drive"),
    "github_issues": ToolInfo("List and read GitHub issues.", "read_only", "github"),
    # chat with the team
    "chat_post": ToolInfo("Post a message in the team chat.", "external_comm", "chat"),
}

BUILTIN_TOOLS: frozenset[str] = frozenset(name for name, info in TOOLS.items() if info.connection is None)
MEMORY_TOOLS: frozenset[str] = frozenset({"remember", "recall", "correct"})  # built-in, and opt-in per brief

CONNECTIONS: dict[str, str] = {
    "email": "An email account (read, draft, send)",
    "calendar": "A calendar (read, create events)",
    "web": "The public web (search, fetch pages)",
    "crm": "A CRM (contacts, companies, deals)",
    "helpdesk": "A help desk (support tickets)",
    "social": "Social media accounts (schedule posts)",
    "accounting": "Bookkeeping software (transactions, invoices)",
    "drive": "A document drive",
    "github": "GitHub (issues, pull requests)",
    "chat": "A team chat (Slack, Teams, ...)",
}


def missing_tools(tools: Sequence[str], installed: Collection[str]) -> list[str]:
    """The tools a brief names that this office has not installed, in the brief's order."""
    return [name for name in tools if name not in installed]
