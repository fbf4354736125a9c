"""`headcount`: the desktop app with no arguments, a headless office with a command."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import threading
import unicodedata
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine import cli_input
from engine.cli_passphrase import ask_passphrase
from engine.paths import Home
from engine.terminal import printable_output

if TYPE_CHECKING:  # the office and its parts load only for the command that runs (a reading command is fast)
    import asyncio

    from engine.events import Event
    from engine.office import Held, Office
    from engine.office.reading import Stored

Shows = Callable[["Stored", argparse.Namespace], Coroutine[Any, Any, int]]  # a command on either front

# Which module adds which commands: a command's grammar and handler load only when it runs, so a
# read-only command does not pay for importing every other command's implementation (HTTP clients,
# the keyring, e-mail, calendars). tests/engine/test_cli.py checks this table against the modules.
COMMAND_MODULES: dict[str, tuple[str, ...]] = {
    "engine.cli_owner": (
        "accept", "approvals", "approve", "audit", "belt-ceiling", "budget", "call-in", "dismiss", "domains",
        "hours", "key", "model", "probation", "reject", "resume", "review", "revise",
    ),
    "engine.cli_connect": ("answer", "connect", "connections", "disconnect", "grant", "revoke"),  # issue 13
    "engine.cli_memory": ("forget", "memory", "remember"),  # memory hook
    "engine.cli_teams": ("board", "escalate", "reassign", "split", "sprint", "summary"),  # teams hook
    "engine.cli_store": ("backup", "restore"),
    "engine.doctor": ("doctor",),
}  # fmt: skip
LOG_LATEST = 200  # `log` shows an employee's latest steps; `--all` every one (a journal of months holds millions)
TASKS_CLOSED = 50  # `tasks` shows every open task and the last closed ones; `--all` every one
CORE_COMMANDS = ("hire", "hire-team", "catalog", "new-role", "roster", "assign", "run", "log", "tasks", "resolve")
# Modules whose commands need no office (their handlers take only the parsed arguments).
_WITHOUT_OFFICE_MODULES = ("engine.cli_store", "engine.doctor")


def command_of(argv: Sequence[str]) -> str | None:
    """The command word of `argv`, found without building the grammar; None for none, help or a typo
    (the full parser then says what is wrong)."""
    words = iter(argv)
    for word in words:
        if word == "--home":
            next(words, None)
        elif word.startswith("--home="):
            continue
        elif word.startswith("-"):
            return None
        else:
            known = word in CORE_COMMANDS or any(word in names for names in COMMAND_MODULES.values())
            return word if known else None
    return None


def build_parser(extra: Callable[[Any], None] | None = None, *, only: str | None = None) -> argparse.ArgumentParser:
    """The command-line grammar; `extra(subparsers)` lets the app add its own commands. With `only`,
    just the grammar that command needs: its own module's commands beside the core ones."""
    parser = argparse.ArgumentParser(
        prog="headcount",
        description="Hire AI employees and watch them work. With no command, opens the office window.",
    )
    parser.add_argument(
        "--home", type=cli_input.folder, help="data folder (default: $HEADCOUNT_HOME or the platform's data dir)"
    )
    parser.add_argument("--version", action=_Version, help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("hire", help="hire an employee from a catalog role id or a brief file")
    p.add_argument("role", help="role id (see `headcount catalog`) or path to a brief .md file")
    p.add_argument("--name", type=cli_input.person_name, help="the employee's name (default: the next free first name)")
    p.add_argument("--team", help="team id to seat them with")

    p = sub.add_parser("hire-team", help="hire a whole pre-built team (see `headcount catalog`)")
    p.add_argument("team", help="team id, e.g. marketing")

    p = sub.add_parser("catalog", help="the pre-built teams and roles you can hire")
    p.add_argument("--json", action="store_true")

    sub.add_parser("new-role", help="write a brief for a custom employee by answering a few questions")

    p = sub.add_parser("roster", help="who works here and what they are doing")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("assign", help="give an employee a task")
    p.add_argument("employee", help="name or id")
    given = p.add_mutually_exclusive_group(required=True)
    given.add_argument(
        "text", nargs="?", type=cli_input.task_text, help="what to do, in plain words; '-' reads it from stdin"
    )
    given.add_argument("--file", type=cli_input.task_file, help="read the task from this text file")

    p = sub.add_parser("run", help="let the office work")
    p.add_argument("--until-idle", action="store_true", help="stop when every queue is empty (the default)")
    p.add_argument("--for", dest="seconds", type=cli_input.seconds, help="keep working for this many seconds")
    p.add_argument("--background", action="store_true", help="keep working until stopped (a service, login autostart)")

    p = sub.add_parser("log", help=f"an employee's latest steps ({LOG_LATEST}), oldest first")
    p.add_argument("employee", help="name or id")
    shown = p.add_mutually_exclusive_group()
    latest = cli_input.count(1, 1_000_000)
    shown.add_argument("--latest", type=latest, default=LOG_LATEST, metavar="N", help="the N latest steps")
    shown.add_argument("--all", action="store_true", help="every step the employee ever took")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("tasks", help=f"open tasks and the {TASKS_CLOSED} last closed, with their status")
    p.add_argument("--employee", help="only this employee's tasks")
    shown = p.add_mutually_exclusive_group()
    closed = cli_input.count(0, 1_000_000)
    shown.add_argument("--closed", type=closed, default=TASKS_CLOSED, metavar="N", help="the N last closed")
    shown.add_argument("--all", action="store_true", help="every task the office ever had")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("resolve", help="say whether an action left uncertain (a crash, an unconfirmed send) happened")
    p.add_argument("task", help="task id")
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--happened", action="store_true", help="the interrupted action did happen; carry on")
    group.add_argument("--retry", action="store_true", help="it did not happen; run it again")
    for module_name, names in COMMAND_MODULES.items():
        if only is not None and only not in names:
            continue
        module = importlib.import_module(module_name)
        adder = getattr(module, "add_commands", None) or module.add_command
        handlers = adder(sub)
        if module_name in _WITHOUT_OFFICE_MODULES:
            WITHOUT_OFFICE.update(handlers)
        else:
            COMMANDS.update(handlers)
        if module_name == "engine.cli_owner":
            WITHOUT_OFFICE["key"] = module.key_command
            FROM_STORE.update(module.SHOWN)
    if extra is not None:
        extra(sub)
    cli_input.add_everywhere(
        parser, "--home", help="data folder (also accepted before the command)", type=cli_input.folder
    )
    cli_input.describe_json_options(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one headless command. (`headcount` with no command is the app: see app/launcher.py.)"""
    with printable_output():  # words from a model, an email or a memory are shown, never obeyed
        return _main(argv)


def _main(argv: Sequence[str] | None) -> int:
    words = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(only=command_of(words))
    args = parser.parse_args(words)
    if args.home:
        os.environ["HEADCOUNT_HOME"] = str(Path(args.home).expanduser().resolve())
    if args.command is None:
        parser.print_help()
        return 2
    try:
        ask_passphrase(Home.resolve().root, args.command)  # only where keys live in the encrypted file
        if args.command in WITHOUT_OFFICE:
            return WITHOUT_OFFICE[args.command](args)
        reading = _only_shows(args)
        shown = _from_store(FROM_STORE[args.command], args) if reading and args.command in FROM_STORE else None
        if shown is not None:
            return shown
        import asyncio  # the office's loop (a command answered from the stored rows needs none)

        return asyncio.run(_with_office(COMMANDS[args.command], args, reading=reading))
    except _expected_errors() as exc:  # looked up only when something went wrong
        print(f"headcount: {exc}", file=sys.stderr)
        return 1
    except EOFError:  # a question asked with nothing to answer it (stdin closed or piped empty)
        print(f"headcount {args.command}: no answer on standard input; run it in a terminal", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `headcount tasks --json | head`: the reader left; that is not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as exc:
        from engine.faults import environment_error, file_fault

        fault = environment_error(exc)
        if fault is None:
            raise
        print(f"headcount: {file_fault(fault)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _expected_errors() -> tuple[type[Exception], ...]:
    """Errors with a message meant for the owner: printed as one line, never as a traceback."""
    from keyring.errors import KeyringError

    from engine.briefs import BriefError
    from engine.errors import OfficeError, OwnerError
    from engine.llm.types import ModelError
    from engine.store.db import StoreError

    return (OfficeError, OwnerError, StoreError, BriefError, ModelError, KeyringError)


def _load_model_library() -> None:
    """Import litellm (seconds) on a thread of its own while the office opens and recovers; the first
    model call waits only for what is left of it.

    Started once the office's code is imported, not before: an import runs Python under the GIL, so
    importing both at once would only slow the office's path to its first step (the first reply
    comes no later, the CPU work being the same).
    """
    from engine.llm.provider import prewarm

    threading.Thread(target=prewarm, name="headcount-prewarm", daemon=True).start()


def _only_shows(args: argparse.Namespace) -> bool:
    """The command reads and prints, nothing more (`budget` and `approvals` with no action)."""
    if args.command in ("roster", "tasks", "log", "review"):
        return True
    return args.command in ("budget", "approvals") and getattr(args, f"{args.command}_action", None) is None


def _from_store(shows: Shows, args: argparse.Namespace) -> int | None:
    """Answer from the stored rows alone (engine.office.reading): no office, no event loop. None when
    they cannot: no database yet, one to migrate, a brief to parse again (the office answers then)."""
    from engine.office.reading import NotStored, Reading, settle

    stored = Reading.open(Home.resolve())
    if stored is None:
        return None
    try:
        return settle(shows(stored, args))
    except NotStored:
        return None
    finally:
        stored.close()


async def _with_office(
    handler: Callable[[Office, argparse.Namespace], Awaitable[int]], args: Any, *, reading: bool = False
) -> int:
    import asyncio
    import signal

    from engine.logs import setup_logging
    from engine.office import Office

    home = Home.resolve()
    setup_logging(home.logs)
    if args.command == "run":  # after the office's own imports, which would otherwise share the GIL with it
        _load_model_library()
    office = await Office.open(home, reading=reading, notice=_say_on_stderr)
    terminated = _stop_on_sigterm() if args.command == "run" else None
    try:
        return await handler(office, args)
    except asyncio.CancelledError:
        if terminated is None or not terminated.is_set():
            raise
        return 128 + signal.SIGTERM  # `kill PID`: stopped as Ctrl-C stops it, its work back in the queue
    finally:
        await office.close()


def _say_on_stderr(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _stop_on_sigterm() -> asyncio.Event | None:
    """`kill PID` (a service manager, a shell's job control) stops `run` as Ctrl-C does, never as a crash:
    the work in hand goes back in the queue. Set once it came; None where signals cannot be handled."""
    import asyncio
    import signal

    task = asyncio.current_task()
    came = asyncio.Event()

    def stop() -> None:
        came.set()
        if task is not None:
            task.cancel()

    try:
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop)
    except (NotImplementedError, RuntimeError):  # Windows' loops have no signal handlers
        return None
    return came


async def _hire(office: Office, args: argparse.Namespace) -> int:
    brief = office.brief_for(args.role)
    record = await office.hire(brief, name=args.name, team=args.team)
    mode = " (rehearsal)" if office.employees[record.id].config.is_rehearsal else ""
    print(f"Hired {record.name} as {record.title}{mode} [{record.id}]")
    return 0


async def _hire_team(office: Office, args: argparse.Namespace) -> int:
    from engine.errors import OfficeError

    catalog = office.catalog()
    if args.team not in catalog.teams:
        raise OfficeError(f"no team {args.team!r} in the catalog (teams: {', '.join(sorted(catalog.teams))})")
    working = sorted(e.record.name for e in office.employees.values() if e.record.team == args.team)
    if working:  # a second lead and a second of everyone: two plans for one board
        raise OfficeError(
            f"team {args.team} is already hired ({', '.join(working)}); to add to it: "
            f"`headcount hire ROLE --team {args.team}`"
        )
    missing = catalog.missing_roles(args.team)
    if missing:  # half a team would plan without some of its hands: nobody is hired
        raise OfficeError(f"team {args.team} cannot be hired until its roles load:\n" + "\n".join(missing))
    for brief in catalog.team_roles(args.team):
        record = await office.hire(brief, team=args.team)
        lead = " (lead)" if brief.id == catalog.teams[args.team].lead else ""
        print(f"Hired {record.name} as {record.title}{lead}")
    return 0


def _catalog(args: argparse.Namespace) -> int:
    from engine.briefs.catalog_cache import catalog_shown
    from engine.paths import SHIPPED_BRIEFS

    home = Home.resolve()
    data, errors = catalog_shown(SHIPPED_BRIEFS, home.briefs, home.root / "cache" / "catalog.json")
    if args.json:
        print(json.dumps(data, indent=2))
    else:
        for team in data["teams"]:
            print(f"{team['title']} [{team['id']}]")
            for role in team["roles"]:
                lead = "  (lead)" if role["id"] == team["lead"] else ""
                print(f"  {role['id']:<22} {role['title']}{lead}")
    for error in errors:
        print(f"warning: {error}", file=sys.stderr)
    return 0


def _new_role(args: argparse.Namespace) -> int:
    from engine.briefs.newrole import new_role_brief, prompt_new_role
    from engine.errors import OfficeError

    home = Home.resolve()
    taken = {p.stem for p in (home.briefs / "roles").glob("*.md")}
    answers = prompt_new_role(input, print, taken)
    try:
        path = new_role_brief(answers, home)
    except FileExistsError as exc:  # written meanwhile by another window or terminal
        raise OfficeError(str(exc)) from None
    print(f"Wrote {path}\nHire it with: headcount hire {answers.role_id}")
    return 0


async def _roster(office: Stored, args: argparse.Namespace) -> int:
    from engine.office.stopped import STOPPED, stopped_roster

    rows: list[dict[str, Any]] = await stopped_roster(office, await office.roster())
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        print("Nobody works here yet. Try: headcount hire assistant")
    for row in rows:
        if row["brief_error"] or not row["model"]:
            mode = "cannot work: see its brief"
        else:
            mode = "rehearsal" if row["rehearsal"] else row["model"]
        task = f" — {row['current_task']}" if row["current_task"] else ""
        print(f"{_cut(row['name'], 12)} {_cut(row['title'], 28)} {row['status']:<18} [{mode}]{task}")
        if row["status"] == STOPPED:  # the office was killed or lost power mid-task: say what becomes of it
            print(f"{'':<13}{row['detail']}")
        for line in (row["brief_error"] or "").splitlines():  # the file, line and field to fix
            print(f"{'':<13}{line}")
    return 0


def _cut(text: str, width: int) -> str:
    """`text` padded or cut to `width` columns, counting wide characters (emoji, CJK) as two."""
    out, used = "", 0
    for char in text:
        size = 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
        if used + size > width:
            break
        out, used = out + char, used + size
    return out + " " * (width - used)


async def _assign(office: Office, args: argparse.Namespace) -> int:
    from engine.errors import OfficeError

    try:
        text = cli_input.read_task(args.text) if args.text is not None else args.file
    except ValueError as exc:
        raise OfficeError(str(exc)) from None
    task = await office.assign(args.employee, text)
    print(f"Queued {task.id} for {office.find(args.employee).record.name}: {task.title}")
    return 0


async def _run(office: Office, args: argparse.Namespace) -> int:
    import asyncio

    from engine.errors import OfficeError
    from engine.events import TaskChanged
    from engine.office.recovery import STOPPED
    from engine.redaction import redact

    names = {e.id: e.record.name for e in office.employees.values()}
    rehearsal = {e.id for e in office.employees.values() if e.config.is_rehearsal}

    working: dict[str, str] = {}  # task id -> "Name: title", while it runs
    requeued: list[str] = []  # what the stopping office put back in the queue, said once at the end

    def show(event: Event) -> None:
        employee_id = getattr(event, "employee_id", "")
        if employee_id and employee_id not in names and employee_id in office.employees:  # hired since it began
            seated = office.employees[employee_id]
            names[employee_id] = seated.record.name
            if seated.config.is_rehearsal:
                rehearsal.add(employee_id)
        if isinstance(event, TaskChanged):
            if event.status == "queued" and event.reason == STOPPED:
                requeued.append(working.pop(event.task_id, event.title))
                return
            if event.status == "running":
                working[event.task_id] = f"{names.get(event.employee_id, event.employee_id)}: {event.title}"
            else:
                working.pop(event.task_id, None)
        line = _describe(event, names)
        if line:
            emp = getattr(event, "employee_id", "")
            print(("[rehearsal] " if emp in rehearsal else "") + redact(line), flush=True)  # stdout may be a log

    def stopped() -> str:
        if requeued:
            said = f"Back in the queue: {'; '.join(requeued)}"
        else:  # nothing was running, or the stop could not write (the next run recovers it then)
            said = f"In progress: {'; '.join(working.values()) or 'nothing'}"
        return f"\nStopped. {said}. The next `headcount run` goes on from the last saved step."

    office.bus.subscribe(show)
    # Replies stream, as in the window: the model's deadline is then an idle one (no word for 60 s), so a
    # long reply from a slow model (a local one on a laptop's CPU, say) is not cut off at a minute.
    office.stream = True
    if pace := os.environ.get("HEADCOUNT_REHEARSAL_PACE"):  # watch rehearsal at a person's pace (words/s)
        try:
            office.rehearsal_pace = max(float(pace), 0.0)
        except ValueError:
            raise OfficeError(f"HEADCOUNT_REHEARSAL_PACE must be words per second, like 25; not {pace!r}") from None
    until_idle = args.seconds is None and not args.background
    if not until_idle:  # a run that stops at once says who waits for a shift as it ends (explain_held)
        from engine.cli_duty import off_duty_notice

        for line in off_duty_notice(office.shifts()):
            print(line, flush=True)  # stdout may be a service's log
    try:
        await office.run(until_idle=until_idle, duration=args.seconds)
    except asyncio.CancelledError:  # Ctrl-C: say what stopped; every finished step is already saved
        print(stopped())
        raise
    if requeued:  # --for N seconds ran out mid-task
        print(stopped())
    held = await office.held_work()
    if held:
        print("\nWaiting, and what would let it go on:")
        for line in explain_held(held):
            print(f"  {line}")
    elif not await office.journal.tasks(statuses=["queued", "running"]):
        print('Every queue is empty. Give someone work with: headcount assign NAME "what to do"')
    return 0


def explain_held(held: Sequence[Held]) -> list[str]:
    """One line per held task: who, what holds it (times in this machine's zone), and the command."""
    import re

    from engine.guardrails.budget import NO_NEW_DAY
    from engine.parked import MODEL_DOWN
    from engine.tools.ask import question_of  # issue 13

    lines = []
    for h in held:
        if h.kind == "off_duty":
            when = f"until {h.until.astimezone():%a %d %b %H:%M %Z}" if h.until else "with no shift ahead"
            lines.append(
                f"{h.employee} is off duty {when}: {h.title}. "
                f"Call them in now: headcount call-in {_quoted(h.employee)} --hours 2 (or change: headcount hours)"
            )
        elif h.kind == "brief":
            lines.append(
                f"{h.employee} cannot work until their brief is fixed: {h.title}. {h.reason}. "
                f"Fix that file, or let them go: headcount dismiss {_quoted(h.employee)}"
            )
        elif h.kind == "waiting":
            lines.append(f"{h.employee} waits for your approval: {h.title}. See: headcount approvals")
        elif h.kind == "review":
            lines.append(
                f"{h.employee}'s deliverable waits for your review: {h.title}. "
                "See: headcount review (then accept or revise it)"
            )
        elif h.kind == "uncertain":
            lines.append(
                f"{h.employee}: {h.title} stopped mid-action; did it happen? "
                f"headcount resolve {h.task_id} --happened | --retry"
            )
        elif h.kind == "parked" and question_of(h.reason) is not None:  # issue 13: ask_owner
            lines.append(f'{h.employee} {h.reason} ({h.title}). Answer: headcount answer {h.task_id} "…"')
        elif h.kind == "over_budget" and (
            turn := re.search(r"this turn \((?:employee |team )?(.+?) per-turn\)", h.reason)
        ):
            lines.append(  # one turn costs more than its ceiling allows: a new day or a one-off raise never helps
                f"{h.employee} is {h.reason}. Raise that ceiling: headcount budget set {_quoted(turn.group(1))} "
                "--per-turn AMOUNT (the task goes back in the queue)"
            )
        elif h.kind == "over_budget" and NO_NEW_DAY in h.reason:
            day = re.search(r"today's (?:employee |team )?(.+?) ceiling", h.reason)
            lines.append(  # the ceiling itself is below one call: only a higher ceiling frees it
                f"{h.employee} is {h.reason}. Raise that ceiling: headcount budget set "
                f"{_quoted(day.group(1) if day else h.employee)} --per-day AMOUNT (the task goes back in the queue)"
            )
        elif h.kind == "over_budget":
            day = re.search(r"today's (?:employee |team )?(.+?) ceiling", h.reason)  # the team's or office's too
            lines.append(
                f"{h.employee} is {h.reason}. Raise it for today: headcount budget raise "
                f"{_quoted(day.group(1) if day else h.employee)} --once 1 (or headcount budget set); a running "
                "office retries it when a new budget day begins"
            )
        elif h.kind == "parked" and h.reason.startswith(MODEL_DOWN):
            lines.append(
                f"{h.employee}: {h.title} is parked ({h.reason}). A running office tries it again by itself once "
                f"the model's server answers (a hosted model: 15 minutes on); now: headcount resume {h.task_id}"
            )
        elif h.kind == "parked" and h.reason.startswith("the owner rejected"):  # a bare resume is no go-ahead
            lines.append(
                f'{h.employee}: {h.title} stopped: {h.reason}. Say how: headcount resume {h.task_id} --note "…"'
            )
        else:
            lines.append(f"{h.employee}: {h.title} is parked ({h.reason}). Let it go on: headcount resume {h.task_id}")
    return lines


def _quoted(name: str) -> str:
    return f'"{name}"' if " " in name else name


class _Version(argparse.Action):
    """`--version`, looked up only when asked for (reading package metadata is not free)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *args: Any) -> None:
        print(version_text())
        parser.exit()


def version_text() -> str:
    """`headcount 0.1.0`, as `--version` prints it."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("headcount")
    except PackageNotFoundError:  # run from a source tree that was never installed
        found = "(not installed)"
    return f"headcount {found}"


def _describe(event: Event, names: dict[str, str]) -> str | None:
    from engine.events import StatusChanged, StepFinished, TaskChanged

    if isinstance(event, TaskChanged):
        reason = f" ({event.reason})" if event.reason else ""
        return f"{names.get(event.employee_id, event.employee_id)}: task {event.status}: {event.title}{reason}"
    if isinstance(event, StepFinished) and event.kind == "tool":
        summary = " ".join(event.summary.split())[:100]
        return f"{names.get(event.employee_id, event.employee_id)}: {event.tool} -> {summary}"
    if isinstance(event, StatusChanged) and event.status == "blocked":
        return f"{names.get(event.employee_id, event.employee_id)}: blocked: {event.detail}"
    return None


async def _log(office: Stored, args: argparse.Namespace) -> int:
    from engine.audit_text import summarize

    employee_id = await office.history.whose(args.employee)  # also someone let go: their log is kept
    latest = None if args.all else args.latest
    steps = await office.history.steps(employee_id, None if latest is None else latest + 1)  # one more: any earlier?
    earlier = latest is not None and len(steps) > latest
    steps = steps[1:] if earlier else steps
    rows: list[dict[str, Any]] = [
        {
            "step_id": s.id,
            "task_id": s.task_id,
            "seq": s.seq,
            "kind": s.kind,
            "status": s.status,
            "attempt": s.attempt,
            "tool": s.tool,
            "model": s.model,
            "cost_usd": s.cost_usd,
            "rehearsal": s.rehearsal,
            "started_at": s.started_at,
            "summary": _step_summary(s.kind, s.tool, s.arguments, s.result),
        }
        for s in steps
    ]
    # What the steps cannot show: a call billed above its worst case (its scopes now count as spent).
    for row in await office.history.audit_rows(
        employee_id=employee_id, kind="provider_overbilled", since=None, until=None, limit=1000
    ):
        rows.append({"kind": "audit", "tool": None, "model": row.data.get("model"), "status": row.kind,
                     "rehearsal": False, "started_at": row.ts, "summary": summarize(row.kind, row.data)})  # fmt: skip
    rows.sort(key=lambda r: str(r["started_at"]))
    if earlier:  # audit rows older than the first step shown belong to the steps not shown
        rows = [r for r in rows if str(r["started_at"]) >= steps[0].started_at]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    if earlier:
        print(f"(the {latest} latest steps; earlier ones: --latest N, or --all)")
    if not rows:
        who = _quoted(args.employee)
        print(f'No steps yet: {args.employee} has not worked on anything. Try: headcount assign {who} "…"')
    for r in rows:
        label = " (rehearsal)" if r["rehearsal"] else ""
        what = r["tool"] if r["kind"] == "tool" else r["model"]
        print(f"{r['started_at'][:19]} {r['kind']:<5} {what or '':<22} {r['status']:<9} {r['summary']}{label}")
    return 0


def _step_summary(kind: str, tool: str | None, arguments: str | None, result: str | None) -> str:
    if kind == "tool":
        return (result or "")[:80].replace("\n", " ")
    try:
        message = json.loads(result or "{}")
    except json.JSONDecodeError:
        return ""
    calls = message.get("tool_calls") or []
    if calls:
        return "calls " + ", ".join(c["function"]["name"] for c in calls)
    return str(message.get("content") or "")[:80].replace("\n", " ")


async def _tasks(office: Stored, args: argparse.Namespace) -> int:
    from engine.office.stopped import stopped_tasks
    from engine.store.records import CLOSED_TASKS

    employee_id = await office.history.whose(args.employee) if args.employee else None
    if args.all:
        tasks = await office.journal.tasks(employee_id=employee_id)
    else:  # one more closed than shown: were any left out?
        tasks = await office.journal.recent_tasks(employee_id, closed=args.closed + 1)
        closed = sorted((t for t in tasks if t.status in CLOSED_TASKS), key=lambda t: (t.updated_at, t.id))
        if len(closed) > args.closed:
            tasks = [t for t in tasks if t is not closed[0]]
            if not args.json:
                shown = f"every open task and the last {args.closed} closed" if args.closed else "open tasks only"
                print(f"({shown}; the closed ones: --closed N, or --all)")
    names = await office.history.everyone()
    stopped = await stopped_tasks(office, tasks)  # stored as running, with no process at work
    rows = [
        {
            "id": t.id,
            "employee": names.get(t.employee_id, t.employee_id),
            "title": t.title,
            "status": stopped[t.id][0] if t.id in stopped else t.status,
            "reason": stopped[t.id][1] if t.id in stopped else t.reason,
        }
        for t in tasks
    ]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        print('No tasks yet. Give someone work with: headcount assign NAME "what to do"')
    for r in rows:
        reason = f" — {r['reason']}" if r["reason"] else ""
        print(f"{r['id']:<28} {r['employee']:<10} {r['status']:<10} {r['title']}{reason}")
    return 0


async def _resolve(office: Office, args: argparse.Namespace) -> int:
    await office.resolve(args.task, happened=args.happened)
    from engine.runlock import to_go_on

    print(f"{args.task}: {'carrying on' if args.happened else 'will retry'}. {to_go_on(office.home.root)}")
    return 0


WITHOUT_OFFICE: dict[str, Callable[[argparse.Namespace], int]] = {
    "catalog": _catalog,
    "new-role": _new_role,
}

COMMANDS: dict[str, Callable[[Office, argparse.Namespace], Awaitable[int]]] = {
    "hire": _hire,
    "hire-team": _hire_team,
    "roster": _roster,
    "assign": _assign,
    "run": _run,
    "log": _log,
    "tasks": _tasks,
    "resolve": _resolve,
}

# Commands that show stored rows alone: answered without building the office (engine.office.reading).
# engine.cli_owner adds `approvals` and `budget` (its SHOWN) when its grammar loads.
FROM_STORE: dict[str, Shows] = {
    "log": _log,
    "roster": _roster,
    "tasks": _tasks,
}

if __name__ == "__main__":
    raise SystemExit(main())
