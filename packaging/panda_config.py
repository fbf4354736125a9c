"""Panda3D's configuration (etc/*.prc) as the bundle ships it: without the loaders the bundle leaves out.

The wheel's Confauto.prc names the model, audio and video loaders of the full wheel (`load-file-type
p3assimp`, `load-file-type egg pandaegg`, `load-audio-type * p3ffmpeg`, …). Panda3D loads a loader named
without a file extension as soon as its model loader starts, so every window and snapshot from the bundle
printed ":loader(warning): Unable to load libp3assimp.so" (and libp3ptloader.so); the others fail only
when a file of their type is opened, which the office never does (it loads its own .bam models). The spec
(packaging/headcount.spec) ships the files with each such line whose library is not in the bundle turned
into a comment that says so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

LOADER = re.compile(r"^\s*load-(?:file|audio|video)-type\s+(?:\S+\s+)*?(?P<library>\S+)\s*$")


def library_names(binaries: Iterable[str]) -> set[str]:
    """The names Panda3D would load the bundle's libraries by: `libp3assimp.so.1.10` → `libp3assimp`."""
    return {Path(binary).name.split(".")[0] for binary in binaries}


def without_missing_loaders(text: str, shipped: set[str]) -> str:
    """The prc `text` with every loader line whose library (`p3assimp` → libp3assimp) is not `shipped` commented out."""
    lines = []
    for line in text.splitlines(keepends=True):
        found = LOADER.match(line)
        library = found and found["library"]
        if library and not {library, f"lib{library}"} & shipped:
            line = f"# {line.rstrip()}    (left out of this bundle: it does not carry lib{library})\n"
        lines.append(line)
    return "".join(lines)
