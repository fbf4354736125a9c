"""The installed `headcount` binary: the app and its command line, plus `--smoke-test REPORT` for checks.

PyInstaller starts here (packaging/headcount.spec). Everything else is `app.launcher.main`, the same
entry point `pip install` gives.
"""

from __future__ import annotations

import sys


def main() -> int:
    args = sys.argv[1:]
    if args[:1] == ["--smoke-test"]:
        from app.smoke import main as smoke

        return smoke(args[1:])
    from app.launcher import main as launch

    return launch(args)


if __name__ == "__main__":
    raise SystemExit(main())
