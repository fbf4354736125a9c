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
