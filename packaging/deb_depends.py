"""The `.deb`'s Depends and Recommends: the system libraries the bundle leaves to the system, found with ldd.

Every ELF file of the bundle goes through `ldd` (with `_internal/` on the library path, as the bootloader
sets it); each library it resolves outside the bundle, or cannot find anywhere, is the system's to
provide. A resolved one is named by the Debian package that owns it (`dpkg -S`); one this machine lacks
(the build machine need not have Wayland's libraries) by Debian's naming rule for library packages
(`libwayland-cursor.so.0` → libwayland-cursor0), checked against the package lists when apt has them.

Depends: what the app's own code loads: the executable, Python's extension modules, Panda3D, and the Qt
libraries they link. Recommends: what only Qt's plugins need (Qt loads one platform plugin per session by
name: Wayland's, or X11's; image formats, input methods…), and Mesa's drivers, which libglvnd loads by
name (no ldd sees them). libc6 gets the newest `GLIBC_` symbol version any file asks for.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from notices import debian_packages

GL_DRIVERS = ("libegl-mesa0", "libgl1-mesa-dri")
ONLY_BY_NAME = ("PySide6/Qt/",)  # Qt's libraries and plugins: they count only when the app's own code links them
LDD_LINE = re.compile(r"^\s*(?P<name>\S+)\s+=>\s+(?:(?P<path>/\S+)|not found)")


@dataclass(frozen=True, slots=True)
class Relationships:
    depends: list[str]
    recommends: list[str]

    def control(self) -> str:
        return f"Depends: {', '.join(self.depends)}\nRecommends: {', '.join(self.recommends)}\n"


def elf_files(bundle: Path) -> list[Path]:
    found = []
    for path in sorted(bundle.rglob("*")):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as head:
                if head.read(4) == b"\x7fELF":
                    found.append(path)
    return found


def parse_ldd(listing: str) -> dict[str, str | None]:
    """ldd's answer: each needed library's name → where it resolved (None: not found)."""
    return {m["name"]: m["path"] for line in listing.splitlines() if (m := LDD_LINE.match(line))}


def system_needs(bundle: Path) -> dict[Path, dict[str, str | None]]:
    """For each ELF file of the bundle (relative to it), the libraries it needs from outside the bundle."""
    internal = bundle / "_internal"
    carried = {path.name for path in bundle.rglob("*.so*")}
    needs = {}
    for path in elf_files(bundle):
        env = {"LD_LIBRARY_PATH": str(internal), "PATH": "/usr/bin:/bin"}
        listing = subprocess.run(["ldd", str(path)], capture_output=True, text=True, env=env).stdout
        outside = {
            name: where
            for name, where in parse_ldd(listing).items()
            if (where is None and name not in carried) or (where is not None and not Path(where).is_relative_to(bundle))
        }
        needs[path.relative_to(bundle)] = outside
    return needs


def debian_name(soname: str) -> str:
    """Debian's name for a shared library's package (Policy 8.1): libfoo.so.1 → libfoo1, libfoo2.so.0 → libfoo2-0."""
    found = re.fullmatch(r"(?P<base>.+?)\.so\.(?P<major>\d+)(?:\.\d+)*", soname)
    if found is None:
        raise ValueError(f"not a shared library's name: {soname}")
    base = found["base"].lower().replace("_", "-")
    return f"{base}-{found['major']}" if base[-1].isdigit() else f"{base}{found['major']}"


def relationships(
    needs: dict[Path, dict[str, str | None]], packages: dict[str, str], glibc: str | None
) -> Relationships:
    """Depends and Recommends from each file's system libraries, named by `packages` (library → package)."""
    core: set[str] = set()
    optional: set[str] = set()
    for path, libraries in needs.items():
        named = {packages[name] for name in libraries}
        (optional if path.as_posix().startswith(tuple(f"_internal/{p}" for p in ONLY_BY_NAME)) else core).update(named)
    depends = sorted(f"{p} (>= {glibc})" if p == "libc6" and glibc else p for p in core)
    return Relationships(depends=depends, recommends=sorted((optional - core) | set(GL_DRIVERS)))


def newest_glibc(files: Iterable[Path]) -> str | None:
    """The newest GLIBC_ symbol version the files ask for (libc6 must be at least that)."""
    versions = []
    for path in files:
        listing = subprocess.run(["objdump", "-p", str(path)], capture_output=True, text=True).stdout
        versions += [tuple(map(int, v.split("."))) for v in re.findall(r"\bGLIBC_(\d+(?:\.\d+)+)\b", listing)]
    return ".".join(map(str, max(versions))) if versions else None


def of_bundle(bundle: Path) -> Relationships:
    """The `.deb`'s relationships for the bundle folder (needs ldd, objdump and, to name packages, dpkg)."""
    bundle = bundle.resolve()  # ldd answers with absolute paths
    needs = system_needs(bundle)
    everything = {name: where for libraries in needs.values() for name, where in libraries.items()}
    resolved = {Path(where): name for name, where in everything.items() if where is not None}
    owners = debian_packages(sorted(resolved))
    packages = {resolved[path]: package for path, package in owners.items()}
    for name in everything:
        if name not in packages:
            packages[name] = _checked(debian_name(name), name)
    return relationships(needs, packages, newest_glibc(bundle / path for path in needs))


def _checked(package: str, library: str) -> str:
    """`package` if apt's lists know it (or apt has no lists here); else the build stops rather than guess."""
    if shutil.which("apt-cache") and _apt_has_lists():
        shown = subprocess.run(["apt-cache", "show", "--no-all-versions", package], capture_output=True, text=True)
        if shown.returncode != 0 or not shown.stdout.strip():
            raise SystemExit(f"the bundle needs {library}, which is not on this machine, and apt knows no {package}")
    return package


def _apt_has_lists() -> bool:
    return subprocess.run(["apt-cache", "show", "libc6"], capture_output=True).returncode == 0
