"""A restore's files: the backup's archive checked and unpacked before anything changes, the current files archived
first, and the folders swapped in once the database is restored.

The backup's archive is unpacked whole into a hidden folder inside the data folder (on the same disk, so each
folder then moves into place with one rename): a damaged or unsafe archive is refused while nothing has changed.
The office's files replace the current ones folder by folder (`workspaces`, `teams`, `briefs`): a file the backup
does not hold is removed from them, as it was not there when the backup was taken. It is not lost: the current
files are archived before the restore, beside the copy of the database kept, so the printed undo brings back both.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from engine.store.backups import stage_files
from engine.store.files_archive import FOLDERS, archive_for, same_files, unpack_archive

log = logging.getLogger(__name__)

# What became of the office's files: put back from the backup's archive, already as it holds them, or left as they
# are because the backup holds the database only (one taken before backups kept the files).
FilesRestored = Literal["restored", "same", "database-only"]


class FilesStep:
    """The files' part of one restore. `prepare` before the database changes, then `settle` (or only `discard`)."""

    def __init__(self, source: Path, root: Path, folder: Path, now: datetime) -> None:
        self.archive: Path | None = archive_for(source) if archive_for(source).is_file() else None
        self._root, self._folder = root, folder
        stamp = f"{now.astimezone(UTC):%Y%m%dT%H%M%S%f}"
        self._stamp = stamp
        self._incoming = root / f".restoring-files-{stamp}"  # the backup's files, unpacked
        self._replaced = root / f".replaced-files-{stamp}"  # the current folders, once moved aside
        self._current: Path | None = None  # the current files' archive, staged until it is kept beside a copy
        self.same = True  # the current files are the backup's (or the backup holds none)

    def prepare(self) -> None:
        """Check and unpack the backup's archive; archive the current files. Raises ArchiveError, OSError."""
        if self.archive is not None:
            shutil.rmtree(self._incoming, ignore_errors=True)  # one a killed restore left at this very microsecond
            unpack_archive(self.archive, self._incoming)
            self.same = same_files(self._incoming, self._root)
        self._folder.mkdir(parents=True, exist_ok=True)
        self._current = stage_files(self._root, self._folder / f"headcount-files-{self._stamp}.db")

    def take_current(self) -> Path | None:
        """The staged archive of the current files, now the caller's to rename beside the database copy kept."""
        current, self._current = self._current, None
        return current

    def settle(self, kept: Path | None) -> tuple[FilesRestored, Path | None]:
        """Keep the current files (beside `kept`, the database as it was, when there is one), then put the backup's
        in place unless they are there already. What became of the files, and where the current ones are kept."""
        files_kept = self._keep(kept)
        if self.archive is None:
            return "database-only", files_kept
        if self.same:
            return "same", files_kept
        self._swap()
        log.info("restored the office's files in %s from %s", self._root, self.archive)
        return "restored", files_kept

    def discard(self) -> None:
        for leftover in (self._incoming, self._replaced):
            shutil.rmtree(leftover, ignore_errors=True)
        if self._current is not None:
            self._current.unlink(missing_ok=True)
            self._current = None

    def _keep(self, kept: Path | None) -> Path | None:
        current = self.take_current()
        if current is None:
            return archive_for(kept) if kept is not None and archive_for(kept).is_file() else None
        if kept is not None:
            target = archive_for(kept)
        elif not self.same:  # no copy of the database to pair with (it was empty or absent): the files on their own
            target = self._folder / f"files-{self._stamp}.zip"
        else:
            current.unlink(missing_ok=True)
            return None
        current.replace(target)
        return target

    def _swap(self) -> None:
        """Each current folder moved aside, the backup's moved in; on failure the renames are undone (OSError)."""
        self._replaced.mkdir()
        moved: list[tuple[Path, Path]] = []
        try:
            for name in FOLDERS:
                live, aside, incoming = self._root / name, self._replaced / name, self._incoming / name
                if live.exists() or live.is_symlink():
                    live.replace(aside)
                    moved.append((live, aside))
                if incoming.exists():
                    incoming.replace(live)
                    moved.append((incoming, live))
        except OSError:
            for before, after in reversed(moved):
                with contextlib.suppress(OSError):
                    after.replace(before)
            raise
