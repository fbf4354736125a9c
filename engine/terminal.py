"""What the command line prints is shown, never obeyed: control characters in a memory, a task or an email
(`ESC ]0;…`, `ESC [2J`) would retitle or clear the owner's terminal, or hide text. They print as `^[` and kin."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import Any, TextIO

# C0 controls but tab and newline, DEL, and the C1 controls some terminals also obey.
_SHOWN = {c: f"^{chr(c + 64)}" for c in range(32) if chr(c) not in "\t\n"} | {0x7F: "^?"}
_SHOWN |= {c: f"<U+{c:04X}>" for c in range(0x80, 0xA0)}


def printable(text: str) -> str:
    """`text` with every control character but tab and newline spelled out."""
    return text.translate(_SHOWN)


class _Printable:
    """A text stream that writes `printable` text; everything else is the stream's own."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(printable(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextlib.contextmanager
def printable_output() -> Iterator[None]:
    """Standard output and error print control characters as text while the block runs."""
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Printable(sys.stdout), _Printable(sys.stderr)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved
