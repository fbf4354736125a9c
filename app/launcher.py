"""The `headcount` command: the desktop app with no command, the headless CLI with one.

Lives in `app/` because only the app may import both; `engine/` never imports the UI.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from engine.cli import build_parser
from engine.cli import main as engine_main


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    parsed = build_parser().parse_args(args)
    if parsed.command is not None:
        return engine_main(args)
    if parsed.home:
        os.environ["HEADCOUNT_HOME"] = str(Path(parsed.home).expanduser().resolve())
    from app.main import main as app_main  # Qt is imported only when the window is wanted

    return int(app_main())


if __name__ == "__main__":
    raise SystemExit(main())
