"""CLI commands for the owner's side: budgets, approvals, reviews, audit, hours, the belt ceiling."""

from __future__ import annotations

import argparse
import json
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine import cli_input
from engine.audit_text import KINDS, summarize, usd
from engine.briefs.limits import DEFAULT_MAX_TOOLS, HARD_MAX_TOOLS
from engine.errors import OwnerError
from engine.runlock import to_go_on

if TYPE_CHECKING:  # the office loads only for a command that changes it (issue 16: reading stays light)
    from engine.office import Office
    from engine.office.queries import Shift
    from engine.office.reading import Stored

Handler = Callable[["Office", argparse.Namespace], Awaitable[int]]


def add_commands(sub: Any) -> dict[str, Handler]:
    p = sub.add_parser("budget", help="spend and ceilings per employee, team and office")
    p.add_argument("--json", action="store_true")
    bsub = p.add_subparsers(dest="budget_action", metavar="ACTION")
    s = bsub.add_parser("set", help="set ceilings for good: EMPLOYEE, TEAM or office")
    s.add_argument("target")
    s.add_argument("--per-turn", type=cli_input.ceiling_usd, help="USD per turn, or 'none' to remove the ceiling")
    s.add_argument("--per-day", type=cli_input.ceiling_usd, help="USD per day, or 'none' to remove the ceiling")
    r = bsub.add_parser("raise", help="allow more spend today only")
    r.add_argument("target")
    r.add_argument("--once", type=cli_input.extra_usd, required=True, metavar="USD", help="extra dollars for today")
    m = bsub.add_parser("simulate", help="charge rehearsal at a real model's prices (shown as simulated)")
    m.add_argument("model", type=_model_name, help="a litellm model string, e.g. gpt-4o-mini; or 'off'")

    p = sub.add_parser("model", help="connect a real model (any litellm model, or a local server)")
    msub = p.add_subparsers(dest="model_action", metavar="ACTION")
    c = msub.add_parser("connect", help="switch rehearsing employees (or one) to a model")
    c.add_argument(
        "model", type=_model_name, help="e.g. anthropic/claude-sonnet-4-5, openai/gpt-4o-mini, ollama/llama3.1"
    )
    c.add_argument("--employee", help="only this employee")
    c.add_argument(
        "--api-base",
        type=cli_input.server_address,
        help="an OpenAI-compatible server, e.g. http://127.0.0.1:11434; with --key-name, https:// unless it is on "
        "this machine",
    )
    c.add_argument("--key-name", help="the keyring entry holding the API key (see `headcount key set`)")
    c.add_argument("--fallback", type=_model_name, help="a second model to try when the first keeps failing")
    price = cli_input.price_usd
    c.add_argument("--price-in", type=price, metavar="USD", help="USD per million input tokens (unknown models)")
    c.add_argument("--price-out", type=price, metavar="USD", help="USD per million output tokens")
    d = msub.add_parser("disconnect", help="back to rehearsal")
    d.add_argument("--employee", help="only this employee")

    p = sub.add_parser("key", help="API keys, kept in the OS keyring")
    ksub = p.add_subparsers(dest="key_action", metavar="ACTION", required=True)
    k = ksub.add_parser("set", help="store a key (read from the terminal, never echoed)")
    k.add_argument("name", type=_key_name, help="e.g. openai")
    ksub.add_parser("list", help="the names of stored keys (never the keys)")

    p = sub.add_parser("approvals", help="actions waiting for your approval")
    p.add_argument("--json", action="store_true")
    p.add_argument("--all", action="store_true", help="include decided ones")
    asub = p.add_subparsers(dest="approvals_action", metavar="ACTION")
    a = asub.add_parser("auto", help="let EMPLOYEE run TOOL without asking (audited); --off to ask again")
    a.add_argument("employee")
    a.add_argument("tool", type=_tool_name, help="the tool's name as the brief writes it, e.g. send_email")
    a.add_argument("--off", action="store_true")

    p = sub.add_parser("domains", help="your own domains: mail and invitations inside them need no approval")
    dsub = p.add_subparsers(dest="domains_action", metavar="ACTION")
    d = dsub.add_parser("add", help="add a domain, e.g. example.com (its subdomains count too)")
    d.add_argument("domain", type=cli_input.domain)
    d = dsub.add_parser("remove", help="remove a domain, e.g. example.com")
    d.add_argument("domain", type=lambda text: text.strip().lower().rstrip("."))  # one stored before the rule too
    p = sub.add_parser("approve", help="approve an action (optionally with edited arguments)")
    p.add_argument("id")
    p.add_argument("--edit", help="JSON object of the arguments to change (the others stay as proposed)")
    p = sub.add_parser("reject", help="reject an action; the employee hears your reason")
    p.add_argument("id")
    p.add_argument("--reason", required=True)

    p = sub.add_parser("review", help="deliverables waiting for your review")
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("accept", help="accept a deliverable")
    p.add_argument("id")
    p = sub.add_parser("revise", help="send a deliverable back with comments")
    p.add_argument("id")
    p.add_argument("--comment", required=True)
    p = sub.add_parser("probation", help="review an employee's next deliverables before they count")
    p.add_argument("employee")
    p.add_argument("--count", type=cli_input.count(1, 100), default=3, help="how many deliverables (default 3)")

    p = sub.add_parser("resume", help="let a parked task continue")
    p.add_argument("task")
    p.add_argument("--note", default="", help="a message for the employee")
    p = sub.add_parser("dismiss", help="let an employee go (open tasks are cancelled; the record is kept)")
    p.add_argument("employee")
    p.add_argument("--reason", default="")

    p = sub.add_parser(
        "hours", help="working hours: shows them, or sets them for everyone (or one employee) over the briefs'"
    )
    p.add_argument("employee", nargs="?", help="only this employee (default: everyone)")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--always", action="store_true", help="24/7")
    group.add_argument("--window", action="append", metavar="'mon-fri 09:00-17:30'", help="repeatable")
    group.add_argument("--brief", action="store_true", help="back to the hours in each brief")
    p.add_argument("--tz", help="IANA time zone for --window, e.g. Europe/London (required with --window)")

    p = sub.add_parser("call-in", help="bring an employee in outside its working hours (--end sends them home)")
    p.add_argument("employee")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--hours", type=cli_input.hours, default=2.0, help="how long, from now (default 2)")
    group.add_argument("--end", action="store_true", help="end a call-in now: back to their own working hours")

    p = sub.add_parser("belt-ceiling", help="the most tools one employee may have (shows it with no number)")
    p.add_argument("ceiling", nargs="?", type=int, help=f"1 to {HARD_MAX_TOOLS} (default {DEFAULT_MAX_TOOLS})")

    p = sub.add_parser("audit", help="the tamper-evident audit log")
    asub = p.add_subparsers(dest="audit_action", metavar="ACTION", required=True)
    asub.add_parser("verify", help="check that no row was edited, deleted or reordered")
    show = asub.add_parser("show", help="the newest rows, one readable line each")
    show.add_argument("employee", nargs="?", help="only this employee's rows")
    show.add_argument(
        "--kind", choices=sorted(KINDS), metavar="KIND", help="only rows of this kind, e.g. provider_overbilled"
    )
    show.add_argument("--limit", type=cli_input.count(1, 10_000), default=50, help="how many (default 50)")
    e = asub.add_parser("export", help="write the log for safekeeping")
    e.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    e.add_argument(
        "--out", type=cli_input.existing_folder_for, help="file to write (default: exports/ in the data folder)"
    )

    return {
        "budget": _budget,
        "approvals": _approvals,
        "domains": _domains,
        "approve": _approve,
        "reject": _reject,
        "review": _review,
        "accept": _accept,
        "revise": _revise,
        "probation": _probation,
        "resume": _resume,
        "call-in": _call_in,
        "hours": _hours,
        "belt-ceiling": _belt_ceiling,
        "dismiss": _dismiss,
        "audit": _audit,
        "model": _model,
    }


ShowHandler = Callable[["Stored", argparse.Namespace], Coroutine[Any, Any, int]]


def _money(value: float | None) -> str:
    return "—" if value is None else f"${value:,.4f}"


async def _budget(office: Office, args: argparse.Namespace) -> int:
    if args.budget_action == "set":
        if args.per_turn is None and args.per_day is None:
            raise SystemExit("headcount budget set: give --per-turn and/or --per-day")
        await office.set_ceiling(args.target, per_turn=args.per_turn, per_day=args.per_day)
        print(f"Ceilings for {args.target} set.")
        return 0
    if args.budget_action == "simulate":
        await office.simulate_prices(None if args.model == "off" else args.model)
        print(
            "Rehearsal spend is real $0 again."
            if args.model == "off"
            else f"Rehearsal spend is now simulated at {args.model} prices."
        )
        return 0
    if args.budget_action == "raise":
        await office.raise_once(args.target, args.once)
        print(f"{args.target} may spend {usd(args.once)} more today.")
        return 0
    return await _show_budget(office, args)


async def _show_budget(office: Stored, args: argparse.Namespace) -> int:
    report = await office.budget_report()
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"{'':<22}{'today':>12}{'week':>12}{'month':>12}{'per day':>12}{'per turn':>12}")
    rows = [(r["name"], r) for r in report["employees"]] + [(f"team {r['id']}", r) for r in report["teams"]]
    for label, row in [*rows, ("office", report["office"])]:
        mark = " (simulated)" if row["simulated"] else ""
        print(
            f"{label:<22}{_money(row['today']):>12}{_money(row['week']):>12}{_money(row['month']):>12}"
            f"{_money(row['per_day_usd']):>12}{_money(row['per_turn_usd']):>12}{mark}"
        )
    return 0


async def _domains(office: Office, args: argparse.Namespace) -> int:
    domains = set(await office.owner_domains())
    ignored = set(await office.ignored_domains())  # stored before the rule refused them; never used
    if args.domains_action == "add":
        domains.add(args.domain)
    elif args.domains_action == "remove":
        if args.domain not in domains | ignored:
            raise OwnerError(f"{args.domain!r} is not among your domains")
        domains.discard(args.domain)
    if args.domains_action:
        await office.set_domains(tuple(domains))  # drops the ignored ones too
        ignored = set()
    print("\n".join(sorted(domains)) or "no domains: every recipient counts as outside")
    for name in sorted(ignored):
        print(f"{name}: ignored, many owners share it (remove it: headcount domains remove {name})")
    return 0


async def _approvals(office: Office, args: argparse.Namespace) -> int:
    if args.approvals_action == "auto":
        await office.auto_approve(args.employee, args.tool, on=not args.off)
        state = "asks you again before" if args.off else "no longer asks before"
        print(f"{office.find(args.employee).record.name} {state} {args.tool}")
        return 0
    return await _show_approvals(office, args)


async def _show_approvals(office: Stored, args: argparse.Namespace) -> int:
    records = await office.approvals.list(None if args.all else "pending")
    names = await office.history.everyone()  # those let go included, like `tasks` and `log`
    rows = [
        {
            "id": r.id,
            "employee": names.get(r.employee_id, r.employee_id),
            "task_id": r.task_id,
            "tool": r.tool,
            "risk": r.risk,
            "arguments": json.loads(r.arguments),
            "status": r.status,
            "note": r.note,
            "created_at": r.created_at,
            "expires_at": r.expires_at,
        }
        for r in records
    ]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        print("Nothing waits for your approval.")
    for row in rows:
        print(f"{row['id']}  {row['employee']} wants to {row['tool']} ({row['risk']}): {json.dumps(row['arguments'])}")
    return 0


async def _approve(office: Office, args: argparse.Namespace) -> int:
    edit = None
    if args.edit:
        try:
            edit = json.loads(args.edit)
        except json.JSONDecodeError as exc:
            raise SystemExit(f"headcount approve: --edit is not valid JSON ({exc.msg})") from None
        if not isinstance(edit, dict):
            raise SystemExit("headcount approve: --edit must be a JSON object")
    record = await office.decide(args.id, approve=True, edit=edit)
    print(f"Approved {record.tool}{' with your edits' if edit else ''}. {to_go_on(office.home.root)}")
    return 0


async def _reject(office: Office, args: argparse.Namespace) -> int:
    record = await office.decide(args.id, approve=False, note=args.reason)
    print(f"Rejected {record.tool}; the employee will be told: {args.reason}")
    return 0


async def _review(office: Stored, args: argparse.Namespace) -> int:
    items = await office.reviews()
    names = await office.history.everyone()  # those let go included, like `approvals`
    rows: list[dict[str, Any]] = [
        {"id": d.id, "employee": names.get(d.employee_id, d.employee_id), "task_id": d.task_id,
         "round": d.round, "content": d.content, "created_at": d.created_at}
        for d in items
    ]  # fmt: skip
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        print("Nothing waits for your review.")
    for row in rows:
        body = "\n".join(f"  {line}" for line in row["content"].splitlines())
        print(f"{row['id']}  {row['employee']} (round {row['round']}):\n{body}\n")
    return 0


async def _accept(office: Office, args: argparse.Namespace) -> int:
    await office.accept(args.id)
    print("Accepted.")
    return 0


async def _revise(office: Office, args: argparse.Namespace) -> int:
    await office.revise(args.id, args.comment)
    print(f"Sent back for revision. {to_go_on(office.home.root, 'let them work on it')}")
    return 0


async def _probation(office: Office, args: argparse.Namespace) -> int:
    await office.put_on_probation(args.employee, args.count)
    print(f"The next {args.count} deliverables of {args.employee} come to you for review.")
    return 0


async def _resume(office: Office, args: argparse.Namespace) -> int:
    await office.resume(args.task, args.note)
    print(f"Back in the queue. {to_go_on(office.home.root)}")
    return 0


async def _dismiss(office: Office, args: argparse.Namespace) -> int:
    name = office.name_of(args.employee)
    cancelled = await office.dismiss(args.employee, args.reason)
    print(f"{name} has left. {cancelled} open task{'s' if cancelled != 1 else ''} cancelled; their log stays.")
    return 0


async def _hours(office: Office, args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from engine.briefs import WorkingHours
    from engine.errors import invalid_input

    if not (args.always or args.window or args.brief):
        if args.tz:
            raise SystemExit("headcount hours: --tz goes with --window, e.g. --window 'mon-fri 09:00-17:30' --tz …")
        for line in describe_shifts(office.shifts(args.employee)):
            print(line)
        return 0
    hours = None
    if args.always:
        hours = WorkingHours.model_validate("24/7")
    elif args.window:
        if not args.tz:
            raise SystemExit("headcount hours: say which time zone the window is in, e.g. --tz Europe/London")
        try:
            hours = WorkingHours.model_validate({"timezone": args.tz, "windows": args.window})
        except ValidationError as exc:
            raise SystemExit(f"headcount hours: {invalid_input(exc)}") from None
    await office.set_hours(args.employee, hours)
    for line in describe_shifts(office.shifts(args.employee)):  # what now applies: --brief may leave the office's
        print(line)
    return 0


_SET_BY = {"employee": "set by you for them", "everyone": "set by you for everyone", "brief": "from the brief"}


def describe_shifts(shifts: Sequence[Shift]) -> list[str]:
    """One line per employee: hours, whose they are, on or off duty and until when (in this machine's zone)."""
    if not shifts:
        return ["Nobody works here yet. Try: headcount hire assistant"]
    width = max(len(s.employee) for s in shifts)
    lines = []
    for s in shifts:
        until = f" until {s.change.astimezone():%a %d %b %H:%M %Z}" if s.change else ""
        now = ("on duty" if s.on_duty else "off duty") + until
        if s.called_in_until:
            now += " (called in)"
        lines.append(f"{s.employee:<{width}}  {s.hours}, {_SET_BY[s.set_by]}; {now}")
    return lines


async def _belt_ceiling(office: Office, args: argparse.Namespace) -> int:
    if args.ceiling is not None:
        await office.set_belt_ceiling(args.ceiling)
        print(f"Each employee may now have up to {args.ceiling} tools.")
        return 0
    print(f"Each employee may have up to {await office.belt_ceiling()} tools (at most {HARD_MAX_TOOLS}).")
    return 0


async def _call_in(office: Office, args: argparse.Namespace) -> int:
    if args.end:
        ended = await office.end_call_in(args.employee)
        (shift,) = office.shifts(args.employee)
        if not ended:
            print(f"{shift.employee} was not called in; their working hours stand.")
            return 0
        now = "on duty (their own hours)" if shift.on_duty else "off duty"
        until = f" until {shift.change.astimezone():%a %d %b %H:%M %Z}" if shift.change else ""
        print(f"Call-in ended: {shift.employee} is {now}{until}.")
        return 0
    asked = office.clock.now() + timedelta(hours=args.hours)
    kept = await office.call_in(args.employee, args.hours)
    (shift,) = office.shifts(args.employee)  # its own hours may run on past the call-in
    until = f"until {shift.change.astimezone():%a %d %b %H:%M %Z}" if shift.change else "with no end in sight"
    print(f"{shift.employee} is on duty {until}{' (called in)' if shift.called_in_until else ''}.")
    if kept > asked + timedelta(minutes=1):
        ends = f"{kept.astimezone():%a %d %b %H:%M %Z}"
        print(f"An earlier call-in runs to {ends}: it stands (to end it: headcount call-in {args.employee} --end).")
    return 0


async def _audit(office: Office, args: argparse.Namespace) -> int:
    audit = office.audit
    assert audit is not None
    if args.audit_action == "verify":
        report = await office.journal.read(audit.verify)
        if report.ok:
            print(f"Audit log intact: {report.rows} rows, every hash checks out.")
            return 0
        print("The audit log was tampered with:")
        for problem in report.problems:
            print(f"  - {problem}")
        return 1
    if args.audit_action == "show":
        employee_id = await office.history.whose(args.employee) if args.employee else None
        names = await office.history.everyone()
        rows = await office.history.audit_rows(
            employee_id=employee_id, kind=args.kind, since=None, until=None, limit=args.limit
        )
        for row in reversed(rows):  # oldest first, like a log
            who = names.get(row.employee_id, row.employee_id) if row.employee_id else "owner/office"
            print(f"{row.ts[:19]} {who:<12} {row.kind:<20} {summarize(row.kind, row.data)}")
        return 0
    out = args.out or _export_path(office, args.format)
    count = await office.journal.read(lambda conn: audit.export(conn, out, args.format))
    print(f"Wrote {count} rows to {out}")
    return 0


async def _model(office: Office, args: argparse.Namespace) -> int:
    from engine.llm.types import Price

    if args.model_action == "connect":
        price = None
        if args.price_in is not None or args.price_out is not None:
            price = Price(args.price_in or 0.0, args.price_out or 0.0)
        config = await office.connect_model(
            args.model,
            who=args.employee,
            api_base=args.api_base,
            api_key_name=args.key_name,
            price=price,
            fallback=args.fallback,
        )
        print(f"Connected {config.model} for {args.employee or 'everyone rehearsing'}.")
        return 0
    if args.model_action == "disconnect":
        await office.disconnect_model(args.employee)
        print(f"{args.employee or 'Everyone'} is back on rehearsal.")
        return 0
    print(f"Model: {office.model_mode()}")
    for employee in office.employees.values():
        mode = "rehearsal" if employee.config.is_rehearsal else employee.config.model
        print(f"  {employee.record.name:<10} {mode}")
    return 0


def _export_path(office: Office, fmt: str) -> Path:
    folder = office.home.root / "exports"
    folder.mkdir(exist_ok=True)
    return folder / f"audit-{office.clock.now():%Y%m%d-%H%M%S}.{fmt}"


def key_command(args: argparse.Namespace) -> int:
    """`headcount key set|list`: no office needed, and the key never touches the database."""
    from engine.paths import Home
    from engine.secrets import Secrets

    secrets = Secrets(home=Home.resolve().root)
    if args.key_action == "list":
        names = secrets.names()
        print("\n".join(names) if names else "No keys stored.")
        print(f"({secrets.backend_description()})")
        return 0
    value = cli_input.secret(f"API key for {args.name}: ")
    if not value:
        raise SystemExit("headcount key set: no key given")
    secrets.set(args.name, value)
    print(f"Stored the key {args.name!r} in {secrets.backend_description()}.")
    return 0


def _model_name(text: str) -> str:
    if not text.strip() or text != text.strip() or any(c.isspace() for c in text):
        raise argparse.ArgumentTypeError(f"expected a model like gpt-4o-mini (or 'off'), got {text!r}")
    if text.endswith("/"):
        raise argparse.ArgumentTypeError(f"expected a model after the provider, like {text}llama3.1; got {text!r}")
    return text


def _tool_name(text: str) -> str:
    from engine.tools.names import QUALIFIED

    if not QUALIFIED.match(text):
        raise argparse.ArgumentTypeError(f"expected a tool name like send_email, got {text!r}")
    return text


def _key_name(text: str) -> str:
    """A key's name as the keyring keeps it: checked before the key itself is asked for."""
    from engine.secrets import check_name

    try:
        return check_name(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{exc}: use a name like 'openai', with no spaces around it") from None


# What `budget`, `approvals` and `review` show, on either front (engine.cli.FROM_STORE).
SHOWN: dict[str, ShowHandler] = {"budget": _show_budget, "approvals": _show_approvals, "review": _review}
