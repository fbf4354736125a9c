"""Logging for the app and the CLI: a rotating file in the home's logs folder, secrets masked."""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import sys
from pathlib import Path

from engine.redaction import RedactingFilter  # the same filter, without loading the keyring

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _FileHandler(logging.handlers.RotatingFileHandler):
    def handleError(self, record: logging.LogRecord) -> None:
        # A log the disk cannot take (full, read-only) must not print a traceback over the one line
        # that tells the owner what is wrong; that line comes from the command itself.
        if not isinstance(sys.exc_info()[1], OSError):
            super().handleError(record)
            return
        stream, self.stream = self.stream, None  # drop what could not be written; the next record reopens
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()


def setup_logging(folder: Path, level: int = logging.INFO) -> Path:
    """Log to `folder/headcount.log` (rotated at 5 MB, 3 kept). Every record passes the redactor."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "headcount.log"
    root = logging.getLogger()
    if any(getattr(h, "baseFilename", None) == str(path) for h in root.handlers):
        return path
    handler = _FileHandler(path, maxBytes=5_000_000, backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(RedactingFilter())
    root.addHandler(handler)
    root.setLevel(min(root.level or level, level))
    return path
