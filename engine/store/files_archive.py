"""The office's files in a backup: one zip archive beside each database copy, with the same stem.

The files are the work itself: `workspaces/` (each employee's drafts and deliverables), `teams/` (the teams'
shared folders, sprint files and their kept versions) and `briefs/` (the owner's own briefs). Not `backups/`
(backups of backups) nor `logs/`. Only folders and regular files are kept: a link could point anywhere on the
machine, so it is left out rather than followed.

The archive is read back before it counts (every member's CRC), as a database copy is checked before it counts.
Reading it for a restore refuses anything a Headcount backup never holds: a path that is absolute, climbs out
with `..` or lies outside those folders, a link, a device. Zip rather than tar: each member's size and CRC are
of the bytes actually read, so a file an employee is writing meanwhile is kept as it was read, never as a
header that promises more bytes than follow.
"""

from __future__ import annotations

import calendar
import contextlib
import logging
import os
import shutil
import stat
import time
import zipfile
import zlib
from pathlib import Path, PurePosixPath, PureWindowsPath

log = logging.getLogger(__name__)

FOLDERS = ("workspaces", "teams", "briefs")  # under the data folder; see engine.paths.Home and engine.office.teamwork
SUFFIX = ".zip"
_ZIP64_FROM = 1 << 30  # bytes: a file this big may grow past zip's 4 GB limit while it is read
_EARLIEST = (1980, 1, 1, 0, 0, 0)  # zip cannot date a file earlier
_LATEST = (2107, 12, 31, 23, 59, 58)  # nor later
_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError, RuntimeError)


class ArchiveError(Exception):
    """A files archive is damaged, or holds what no Headcount backup holds; nothing was unpacked."""


def archive_for(database_copy: Path) -> Path:
    """The files archive that pairs with a database copy: its name with `.zip` for `.db`."""
    return database_copy.with_suffix(SUFFIX)


def write_archive(root: Path, target: Path) -> int:
    """Archive the office's files under `root` into `target`, read back and synced; its size in bytes.

    A file that vanishes or cannot be read meanwhile is left out (logged); any other error removes `target` and
    is raised (OSError, ArchiveError).
    """
    try:
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for folder in FOLDERS:
                _add_tree(archive, root, root / folder)
        with target.open("rb+") as handle:
            os.fsync(handle.fileno())
        check_archive(target)
        return target.stat().st_size
    except BaseException:
        target.unlink(missing_ok=True)
        raise


def check_archive(path: Path) -> list[zipfile.ZipInfo]:
    """Its members, each checked to be one a Headcount backup holds and to read back whole. Raises ArchiveError."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            for member in members:
                _check_member(path, member)
            broken = archive.testzip()
    except _READ_ERRORS as exc:
        raise ArchiveError(f"the files archive {path} is damaged ({exc or type(exc).__name__})") from None
    if broken is not None:
        raise ArchiveError(f"the files archive {path} is damaged ({broken} in it does not read back as written)")
    return members


def unpack_archive(path: Path, into: Path) -> None:
    """Unpack the checked archive into the new folder `into`. Raises ArchiveError (and leaves `into` to the caller)."""
    members = check_archive(path)
    into.mkdir(parents=True)
    base = into.resolve()
    try:
        with zipfile.ZipFile(path) as archive:
            for member in members:
                dest = into / member.filename
                if not dest.resolve().is_relative_to(base):  # checked above; never write outside, whatever slipped by
                    raise ArchiveError(f"{path} holds {member.filename!r}, which lies outside the data folder")
                if member.is_dir():
                    dest.mkdir(parents=True, exist_ok=True)
                    continue
                dest.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(member) as src, dest.open("xb") as out:  # "x": a name twice is no backup of ours
                    shutil.copyfileobj(src, out, 1 << 20)
                mode = (member.external_attr >> 16) & 0o777
                if mode:
                    dest.chmod(mode | stat.S_IRUSR | stat.S_IWUSR)
                stamp = calendar.timegm((*member.date_time, 0, 0, 0))
                os.utime(dest, (stamp, stamp))
    except ArchiveError:
        raise
    except _READ_ERRORS as exc:
        raise ArchiveError(f"the files archive {path} cannot be unpacked ({exc or type(exc).__name__})") from None


def same_files(left: Path, right: Path) -> bool:
    """Whether the office's files under the data folders `left` and `right` are the same folders and bytes."""
    a, b = _listing(left), _listing(right)
    if a != b:
        return False
    return all(_same_bytes(left / name, right / name) for name, kind in a.items() if kind == "file")


def _add_tree(archive: zipfile.ZipFile, root: Path, top: Path) -> None:
    def refuse(exc: OSError) -> None:
        if not isinstance(exc, FileNotFoundError):  # a folder removed meanwhile is simply not there
            log.warning("the backup leaves out %s: %s", exc.filename, exc.strerror or exc)

    if not top.is_dir() or top.is_symlink():
        return
    for folder, dirs, files in os.walk(top, onerror=refuse):
        here = Path(folder)
        dirs.sort()
        dirs[:] = [d for d in dirs if not (here / d).is_symlink()]  # a link to a folder is not followed
        archive.writestr(_dir_info(here.relative_to(root)), b"")
        for name in sorted(files):
            _add_file(archive, here / name, (here / name).relative_to(root).as_posix())


def _add_file(archive: zipfile.ZipFile, path: Path, name: str) -> None:
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        if not stat.S_ISREG(path.lstat().st_mode):
            return  # a link, a pipe, a socket: not a file an employee wrote
        fd = os.open(path, flags)
    except FileNotFoundError:
        return  # removed meanwhile: it is not part of the office any more
    except OSError as exc:  # unreadable (permissions), or swapped for a link since: kept out, never fatal
        log.warning("the backup leaves out %s: %s", path, exc.strerror or exc)
        return
    with os.fdopen(fd, "rb") as src:
        info = os.fstat(src.fileno())
        if not stat.S_ISREG(info.st_mode):
            return
        member = zipfile.ZipInfo(name, _date_time(info.st_mtime))
        member.external_attr = (info.st_mode & 0xFFFF) << 16
        member.compress_type = zipfile.ZIP_DEFLATED
        member.file_size = info.st_size
        with archive.open(member, "w", force_zip64=info.st_size >= _ZIP64_FROM) as dest:
            shutil.copyfileobj(src, dest, 1 << 20)


def _dir_info(relative: Path) -> zipfile.ZipInfo:
    member = zipfile.ZipInfo(relative.as_posix() + "/", _EARLIEST)
    member.external_attr = (stat.S_IFDIR | 0o755) << 16 | 0x10  # 0x10: the MS-DOS directory flag
    return member


def _date_time(mtime: float) -> tuple[int, int, int, int, int, int]:
    when = time.gmtime(max(mtime, 0))  # the file's own time, kept in UTC so a restore anywhere gives it back
    parts = (when.tm_year, when.tm_mon, when.tm_mday, when.tm_hour, when.tm_min, when.tm_sec)
    return min(max(parts, _EARLIEST), _LATEST)


def _check_member(path: Path, member: zipfile.ZipInfo) -> None:
    name = member.filename
    parts = name.rstrip("/").split("/")
    kind = stat.S_IFMT(member.external_attr >> 16)
    reason = ""
    if name.startswith(("/", "\\")) or PurePosixPath(name).is_absolute() or PureWindowsPath(name).drive:
        reason = "is an absolute path"
    elif "\\" in name or any(part in ("", ".", "..") for part in parts):
        reason = "climbs out of its folder"
    elif parts[0] not in FOLDERS:
        reason = f"lies outside {', '.join(FOLDERS)}"
    elif kind == stat.S_IFLNK:
        reason = "is a link"
    elif kind not in (0, stat.S_IFREG, stat.S_IFDIR):
        reason = "is neither a file nor a folder"
    elif member.flag_bits & 0x1:
        reason = "is encrypted"
    if reason:
        raise ArchiveError(f"the files archive {path} holds {name!r}, which {reason}: no Headcount backup holds that")


def _listing(root: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for folder in FOLDERS:
        top = root / folder
        if not top.is_dir() or top.is_symlink():
            continue
        for here_name, dirs, files in os.walk(top):
            here = Path(here_name)
            dirs[:] = [d for d in dirs if not (here / d).is_symlink()]
            found[here.relative_to(root).as_posix()] = "folder"
            for name in files:
                with contextlib.suppress(OSError):
                    if stat.S_ISREG((here / name).lstat().st_mode):
                        found[(here / name).relative_to(root).as_posix()] = "file"
    return found


def _same_bytes(a: Path, b: Path) -> bool:
    try:
        if a.stat().st_size != b.stat().st_size:
            return False
        with a.open("rb") as left, b.open("rb") as right:
            while True:
                chunk = left.read(1 << 20)
                if chunk != right.read(1 << 20):
                    return False
                if not chunk:
                    return True
    except OSError:
        return False
