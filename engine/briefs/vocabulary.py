"""The catalog's tool and connection vocabulary, in one place.

`TOOLS` are the names a brief may grant that the engine itself provides: the workspace tools,
`web_fetch` (limited to the brief's `allowed_domains`), `ask_owner`, the email tools on the
office's email account (`read_inbox`, `draft_email`, `send_email`; `email:NAME.*` names one of
several), and the calendar and GitHub tools of the app granted to the employee (engine.apps). Any
other tool comes from a connection or an MCP server and is named with its namespace
(`mcp:crm.search_contacts`, `mcp:crm.*`). `APP_TOOLS` are the catalog's names for apps reached
through an MCP server: `crm_lookup` grants every tool of the server the owner connected as `crm`
(`mcp:crm.*`); while none is, naming it is an error that says how to connect one, never a silent drop.
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
    # built-in: memory across days (engine.memory.tools); memory is also given as context without them
    "remember": ToolInfo("Remember a fact or decision for later days.", "internal_write"),
    "recall": ToolInfo("Search what you remember.", "read_only"),
    "correct": ToolInfo("Replace a remembered fact that is wrong.", "internal_write"),
    # built-in: the owner, and the public web as far as the brief allows
    "ask_owner": ToolInfo("Ask the owner a question; the task waits for the answer.", "read_only"),
    "web_fetch": ToolInfo("Fetch a web page, from the domains the brief allows, as text.", "read_only", "web"),
    # the office's email account (engine.apps.email; `headcount connect email`), or email:NAME.* for one of several
    "read_inbox": ToolInfo("Read or search the owner's mailbox.", "read_only", "email"),
    "draft_email": ToolInfo("Save an email in the owner's Drafts folder.", "internal_write", "email"),
    "send_email": ToolInfo("Send an email (recipients outside your domains need approval).", "external_comm", "email"),
    # connected apps (engine.apps): on an employee's belt only while the owner grants it such an app
    "calendar_list": ToolInfo("List calendar events and busy times in a range.", "read_only", "calendar"),
    "calendar_create": ToolInfo("Book an event, inviting attendees.", "internal_write", "calendar"),
    "github_issues": ToolInfo("List a repository's issues.", "read_only", "github"),
    "github_issue_create": ToolInfo("Open an issue.", "internal_write", "github"),
    "github_comment": ToolInfo("Comment on an issue or pull request.", "internal_write", "github"),
    "github_pulls": ToolInfo("List a repository's pull requests.", "read_only", "github"),
}

# The workspace tools: every catalog role works with these alone, offline and in rehearsal.
BUILTIN_TOOLS: frozenset[str] = frozenset(
    ("list_files", "read_file", "write_file", "save_note", "search_notes", "use_skill")
)

# Apps the catalog's roles reach through an MCP server the owner connects under the app's name: the tool
# name grants that server's tools (`as_mcp_grant`). Email is engine.apps' (issue 13); README lists servers.
APP_TOOLS: dict[str, str] = {
    "web_search": "search",
    "crm_lookup": "crm",
    "crm_update": "crm",
    "ticket_list": "helpdesk",
    "ticket_update": "helpdesk",
    "ticket_reply": "helpdesk",
    "social_schedule": "social",
    "ledger_read": "accounting",
    "ledger_categorize": "accounting",
    "invoice_create": "accounting",
    "doc_read": "drive",
    "chat_post": "chat",
}

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


def as_mcp_grant(name: str) -> str | None:
    """`mcp:crm.*` for `crm_lookup`: what a catalog app tool name grants; None for any other name."""
    app = APP_TOOLS.get(name)
    return f"mcp:{app}.*" if app else None


def missing_tools(tools: Sequence[str], installed: Collection[str]) -> list[str]:
    """The tools a brief names that this office has not installed, in the brief's order."""
    return [name for name in tools if name not in installed]


def not_provided(name: str, installed: Collection[str]) -> str | None:
    """Why nothing provides a tool name whose source Headcount knows of (an app, an MCP server), else None.

    `installed` holds `mcp:<server>.*` for each connected MCP server.
    """
    connect = "`headcount connect mcp {0} -- COMMAND ARGS…` (or `--url URL`)"
    if name in APP_TOOLS:
        app = APP_TOOLS[name]
        return (
            f"tool '{name}' needs the {app} app's MCP server, which is not connected: connect one with "
            f"{connect.format(app)} (the README lists servers that fit); '{name}' then grants all its tools"
        )
    namespace, dot, _ = name.partition(".")
    if dot and namespace.startswith("email:"):
        account = namespace.removeprefix("email:")
        accounts = sorted(n.removeprefix("email:").removesuffix(".*") for n in installed if n.startswith("email:"))
        known = f" (connected: {', '.join(accounts)})" if accounts else " (none is connected)"
        return (
            f"'{name}' names the email account '{account}', which is not connected{known}: "
            f"`headcount connect email {account} --imap-host HOST --smtp-host HOST --user USER`"
        )
    if dot and namespace.startswith("mcp:"):
        server = namespace.removeprefix("mcp:")
        servers = sorted(n.removeprefix("mcp:").removesuffix(".*") for n in installed if n.startswith("mcp:"))
        known = f" (connected: {', '.join(servers)})" if servers else " (none is connected)"
        return f"'{name}' names the MCP server '{server}', which is not connected{known}: {connect.format(server)}"
    return None
