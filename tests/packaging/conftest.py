"""The packaging scripts (packaging/*.py) are a folder of scripts, not a package: their tests import them by name."""

from __future__ import annotations

import sys
from pathlib import Path

FOLDER = str(Path(__file__).resolve().parents[2] / "packaging")
if FOLDER not in sys.path:
    sys.path.append(FOLDER)  # after everything else: `packaging` the PyPI package stays what `import packaging` finds
