"""The `headcount` command: the desktop app with no command, the headless CLI with one.

Lives in `app/` because only the app may import both; `engine/` never imports the UI. The app
adds the commands that need the renderer (`snapshot`).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from engine.cli import build_parser, command_of, version_text
from engine.cli import main as engine_main
from engine.cli_input import existing_folder_for

APP_COMMANDS = ("snapshot",)


def _add_app_commands(sub: Any) -> None:
    p = sub.add_parser("snapshot", help="render the office as it stands to a PNG (no window needed)")
    p.add_argument("--out", type=existing_folder_for, required=True, help="the PNG to write (its folder must exist)")
    p.add_argument("--size", default="1280x720", help="WxH, default 1280x720")
    p.add_argument("--team", help="frame only this team's area")


def window_home(args: Sequence[str]) -> str | bool | None:
    """For a plain launch (no arguments, or only `--home DIR`): the folder given, or None for the
    default. False for anything else, which the full grammar parses. A plain launch skips building
    the grammar, which imports most of the engine's command modules (a third of a second)."""
    if not args:
        return None
    if len(args) == 2 and args[0] == "--home" and args[1].strip() and not args[1].startswith("-"):
        return args[1]
    if len(args) == 1 and args[0].startswith("--home=") and args[0].removeprefix("--home=").strip():
        return args[0].removeprefix("--home=")
    return False


START_HIDDEN_FLAG = "--start-hidden"  # login entries: open straight into the tray (app/tray.py)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if START_HIDDEN_FLAG in args:  # a flag, not the environment: Windows and macOS shortcuts cannot set that
        args.remove(START_HIDDEN_FLAG)
        os.environ["HEADCOUNT_START_HIDDEN"] = "1"
    if args == ["--version"]:  # without the whole grammar (most of a second)
        print(version_text())
        return 0
    if command_of(args) is not None:  # a headless command: the engine parses it, loading only what it needs
        return engine_main(args)
    home = window_home(args)
    if home is not False:
        if isinstance(home, str):
            os.environ["HEADCOUNT_HOME"] = str(Path(home).expanduser().resolve())
        return _window()
    parsed = build_parser(_add_app_commands).parse_args(args)
    if parsed.home:
        os.environ["HEADCOUNT_HOME"] = str(Path(parsed.home).expanduser().resolve())
    if parsed.command in APP_COMMANDS:
        return _snapshot(parsed)
    if parsed.command is not None:
        return engine_main(args)
    return _window()


def _window() -> int:
    from app.main import main as app_main  # Qt is imported only when the window is wanted

    return int(app_main())


def _snapshot(args: argparse.Namespace) -> int:
    import asyncio  # not at the top: a read-only command runs without an event loop (issue 16)

    from app.office.snapshot import parse_size, snapshot_command
    from engine.events import EmployeeHired
    from engine.office import Office, OfficeError, StoreError
    from engine.paths import Home

    try:
        size = parse_size(args.size)
    except ValueError as exc:
        print(f"headcount snapshot: {exc}", file=sys.stderr)
        return 2

    async def collect() -> list[Any]:
        office = await Office.open(Home.resolve())
        try:
            return await office.scene_events()
        finally:
            await office.close()

    try:
        events = asyncio.run(collect())
    except (OfficeError, StoreError) as exc:
        print(f"headcount: {exc}", file=sys.stderr)
        return 1
    teams = sorted({e.team for e in events if isinstance(e, EmployeeHired) and e.team})
    if args.team is not None and args.team not in teams:
        print(f"headcount snapshot: no team {args.team!r} in this office (teams: {', '.join(teams) or 'none'})",
              file=sys.stderr)  # fmt: skip
        return 1
    snapshot_command(args.out, size, args.team, events)
    print(f"Wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
