"""Logging for the app and the CLI: a rotating file in the home's logs folder, secrets masked."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from engine.secrets import RedactingFilter

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def setup_logging(folder: Path, level: int = logging.INFO) -> Path:
    """Log to `folder/headcount.log` (rotated at 5 MB, 3 kept). Every record passes the redactor."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "headcount.log"
    root = logging.getLogger()
    if any(getattr(h, "baseFilename", None) == str(path) for h in root.handlers):
        return path
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=5_000_000, backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(RedactingFilter())
    root.addHandler(handler)
    root.setLevel(min(root.level or level, level))
    return path
