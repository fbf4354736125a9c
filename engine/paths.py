"""Where Headcount keeps its data: `--home`, else `HEADCOUNT_HOME`, else the platform's user data dir."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from engine.errors import OfficeError

APP_NAME = "Headcount"
SHIPPED_BRIEFS = Path(__file__).resolve().parent.parent / "briefs"


@dataclass(frozen=True, slots=True)
class Home:
    root: Path

    @classmethod
    def resolve(cls, explicit: str | os.PathLike[str] | None = None) -> Home:
        chosen = explicit or os.environ.get("HEADCOUNT_HOME") or platformdirs.user_data_dir(APP_NAME, False)
        root = Path(chosen).expanduser().resolve()
        try:
            root.mkdir(parents=True, exist_ok=True)
        except FileExistsError:
            raise OfficeError(
                f"the data folder {root} is a file; give a folder with --home or HEADCOUNT_HOME"
            ) from None
        except OSError as exc:  # a read-only or missing parent (/proc/x), no permission
            raise OfficeError(
                f"cannot use {root} as the data folder ({exc.strerror or exc}); give another with --home or "
                "HEADCOUNT_HOME"
            ) from None
        return cls(root)

    @property
    def database(self) -> Path:
        return self.root / "headcount.db"

    @property
    def backups(self) -> Path:
        return self.root / "backups"

    @property
    def briefs(self) -> Path:
        """The owner's own briefs; they override shipped ones with the same id."""
        return self.root / "briefs"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    def workspace(self, employee_id: str) -> Path:
        """An employee's private folder for files and notes."""
        path = self.root / "workspaces" / employee_id
        path.mkdir(parents=True, exist_ok=True)
        return path


def brief_file(brief_path: str, role: str, home_root: Path) -> Path:
    """The file an employee's brief is read from: where it was hired from, except for a catalog role hired
    from another install's catalog (an install moved or removed, a checkout and then the bundle).

    Such an employee follows this install's file of the same role, as an upgrade in place gives it: the
    other install's copy (or the copy stored at hiring, once that install is gone) may name tools that
    are apps now, and its tasks would wait for apps nobody connected. The owner's own role files are theirs.
    """
    path = Path(brief_path)
    if path.stem != role or path.parent.name != "roles" or path.parent.parent.name != "briefs":
        return path  # the owner's own brief file, wherever it is
    ours = SHIPPED_BRIEFS / "roles" / path.name
    if path.parent == home_root / "briefs" / "roles" or path == ours or not ours.is_file():
        return path
    return ours
