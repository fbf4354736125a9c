"""The installed `headcount` binary: the app and its command line, plus `--smoke-test REPORT` for checks,
`--start-hidden` (open straight into the tray, for login items) and `--install-user FOLDER …`, which
install-user.sh runs to add the `.tar.gz`'s menu entry, unit and login entry (packaging/install_user.py).

PyInstaller starts here (packaging/headcount.spec). Everything else is `app.launcher.main`, the same
entry point `pip install` gives.
"""

from __future__ import annotations

import sys


def main() -> int:
    args = sys.argv[1:]  # `--start-hidden` is app.launcher's: the pip-installed command takes it too
    if args[:1] == ["--smoke-test"]:
        from app.smoke import main as smoke

        return smoke(args[1:])
    if args[:1] == ["--install-user"]:
        from install_user import main as install_user  # packaging/install_user.py, beside this file

        return install_user(args[1:])
    from app.launcher import main as launch

    return launch(args)


if __name__ == "__main__":
    raise SystemExit(main())
