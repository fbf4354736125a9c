"""The licence notices of everything the bundle carries, gathered at build time from this machine.

packaging/headcount.spec hands over the source path of every file that goes in; each is traced to what
it came from: a distribution of the venv (its RECORD lists the file), Python itself (its install
prefix), or, for a system library PyInstaller copied in, the Debian package that owns it (`dpkg -S`).
Each gets a folder in `licenses/` with its licence files: the distribution's own (`*.dist-info/`, its
License-File entries or files named like licences), Python's LICENSE.txt, the package's
/usr/share/doc/<package>/copyright. A distribution that ships no licence file gets the text of the licence
its METADATA names when /usr/share/common-licenses has it (PySide6's wheels carry none: LGPL-3, GPL-2,
GPL-3). `licenses/THIRD_PARTY_NOTICES.txt` lists them all; build_linux.py makes the `.deb`'s copyright
file from `licenses/components.json`. Nothing is downloaded.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib.metadata import Distribution, distributions
from pathlib import Path, PurePosixPath

COMMON_LICENSES = Path("/usr/share/common-licenses")  # Debian's base-files: full texts of the common licences
# SPDX identifiers (as METADATA states them) → the file in COMMON_LICENSES with that licence's text
SPDX_TEXTS = {
    "Apache-2.0": "Apache-2.0",
    "GPL-2.0": "GPL-2",
    "GPL-3.0": "GPL-3",
    "LGPL-2.0": "LGPL-2",
    "LGPL-2.1": "LGPL-2.1",
    "LGPL-3.0": "LGPL-3",
    "MPL-1.1": "MPL-1.1",
    "MPL-2.0": "MPL-2.0",
    "CC0-1.0": "CC0-1.0",
    "Apache Software License": "Apache-2.0",  # the trove classifier names no version; 2.0 is the one in use
}
LICENCE_NAME = re.compile(r"^(LICEN[CS]E|COPYING|NOTICE|COPYRIGHT|AUTHORS)", re.IGNORECASE)
OWN = "headcount"  # the app's own distribution (an editable install when building from a checkout)


@dataclass(slots=True, kw_only=True)
class Component:
    """One thing the bundle carries, with its licence as stated and the files that hold the texts."""

    name: str
    version: str
    kind: str  # "Python package", "Python", "Debian package"
    licence: str
    texts: dict[str, Path] = field(default_factory=dict)  # file name in its licenses/ folder → source
    note: str = ""

    @property
    def folder(self) -> str:
        return re.sub(r"[^A-Za-z0-9._+-]", "_", f"{self.name}-{self.version}")


def traced(sources: Iterable[str | Path], *, own: Path) -> tuple[list[Component], list[Path]]:
    """The components the files at `sources` came from, and the files traced to none (neither ours nor a
    distribution's, Python's or a Debian package's)."""
    owner: dict[Path, Distribution] = {}
    for dist in distributions():
        if (_field(dist, "Name") or "").lower() != OWN:
            for file in dist.files or ():
                owner.setdefault(Path(str(dist.locate_file(file))).resolve(), dist)
    prefix = Path(sys.base_prefix).resolve()
    venv = Path(sys.prefix).resolve()  # often inside the checkout (make venv's .venv): its files are not ours
    found: dict[str, Component] = {}
    system: list[Path] = []
    for source in {Path(s).resolve() for s in sources if s and Path(s).is_absolute()}:
        origin = owner.get(source)
        ours = source.is_relative_to(own.resolve()) and not source.is_relative_to(venv)
        if ours or re.fullmatch(rf"{OWN}-[^/]+\.dist-info", source.parent.name):
            continue  # ours: the checkout, what the build made from it, the app's own package record
        if origin is not None:
            if _field(origin, "Name") not in found:
                found[_field(origin, "Name") or "?"] = _python_package(origin)
        elif source.is_relative_to(prefix):
            if "Python" not in found:
                found["Python"] = _python(prefix)
        else:
            system.append(source)
    packages = debian_packages(system)
    for package in sorted(set(packages.values())):
        found[f"debian:{package}"] = _debian(package)
    untraced = sorted(source for source in system if source not in packages)
    return sorted(found.values(), key=lambda c: (c.kind, c.name.lower())), untraced


def write(components: list[Component], out: Path) -> list[tuple[str, Path]]:
    """Fill `out` with the notices; returns each file as (its path in the bundle, under licenses/; the file)."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    lines = [
        "Headcount carries the third-party components below. Each one's licence texts are in the folder",
        "named beside it, in this folder (licenses/). Licences as each component states them.",
        "",
    ]
    for component in components:
        folder = out / component.folder
        folder.mkdir()
        for name, source in component.texts.items():
            shutil.copyfile(source, folder / name)
        texts = ", ".join(sorted(component.texts)) or "no licence text found on the build machine"
        lines.append(f"{component.name} {component.version} ({component.kind}): {component.licence}")
        lines.append(f"    {component.folder}/: {texts}" + (f" ({component.note})" if component.note else ""))
    (out / "THIRD_PARTY_NOTICES.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    listed = [
        {"name": c.name, "version": c.version, "kind": c.kind, "licence": c.licence, "folder": c.folder}
        for c in components
    ]
    (out / "components.json").write_text(json.dumps(listed, indent=1) + "\n", encoding="utf-8")
    return [(str(PurePosixPath("licenses", *path.relative_to(out).parts)), path) for path in _files(out)]


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def _python_package(dist: Distribution) -> Component:
    meta = dist.metadata
    stated = (
        _field(dist, "License-Expression")
        or _short(_field(dist, "License"))
        or "; ".join(
            c.removeprefix("License :: ") for c in meta.get_all("Classifier") or () if c.startswith("License ::")
        )
    )
    texts: dict[str, Path] = {}
    for file in dist.files or ():
        parts = PurePosixPath(str(file)).parts
        in_info = parts[0].endswith(".dist-info")
        declared = in_info and len(parts) > 1 and (parts[1] == "licenses" or LICENCE_NAME.match(parts[-1]))
        if declared:
            texts["_".join(parts[1:]).removeprefix("licenses_")] = Path(str(dist.locate_file(file)))
    note = ""
    if not texts:  # the distribution ships no licence file: the text of the licence it names, if Debian has it
        named = [part.strip().removeprefix("OSI Approved :: ") for part in (stated or "").split(";")]
        for name in [*re.findall(r"[A-Za-z0-9.+-]+", stated or ""), *named]:
            text = SPDX_TEXTS.get(name.removesuffix("-only").removesuffix("-or-later").removesuffix("+"))
            if text and (COMMON_LICENSES / text).is_file():
                texts[text] = COMMON_LICENSES / text
        note = f"the distribution ships no licence file; texts from {COMMON_LICENSES}" if texts else ""
    return Component(
        name=meta["Name"],
        version=meta["Version"],
        kind="Python package",
        licence=stated or "not stated",
        texts=texts,
        note=note,
    )


def _field(dist: Distribution, name: str) -> str | None:
    """One METADATA field, or None (some finders' metadata raise KeyError for a missing field)."""
    values = dist.metadata.get_all(name)
    return str(values[0]) if values else None


def _short(licence: str | None) -> str:
    """METADATA's License field, unless it holds the whole licence text (then the files say it)."""
    return licence.strip() if licence and "\n" not in licence.strip() and len(licence) < 200 else ""


def _python(prefix: Path) -> Component:
    version = ".".join(map(str, sys.version_info[:3]))
    found = [*prefix.glob("lib/python3*/LICENSE.txt"), *prefix.glob("LICENSE.txt")]  # Linux/macOS, Windows
    texts = {"LICENSE.txt": found[0]} if found else {}
    return Component(name="Python", version=version, kind="Python", licence="PSF-2.0 (and others)", texts=texts)


def debian_packages(libraries: list[Path]) -> dict[Path, str]:
    """The Debian package that installed each library (merged /usr: dpkg may know it by its /lib path)."""
    if not libraries or not shutil.which("dpkg"):
        return {}
    asked: dict[Path, Path] = {}  # the path dpkg is asked about → the library
    for library in libraries:
        relative = library.relative_to("/")
        other = relative.relative_to("usr") if relative.parts[:1] == ("usr",) else Path("usr") / relative
        asked[library] = asked[Path("/") / other] = library
    listed = subprocess.run(["dpkg", "-S", *map(str, asked)], capture_output=True, text=True).stdout
    found: dict[Path, str] = {}
    for line in listed.splitlines():  # "libssl3:amd64: /usr/lib/x86_64-linux-gnu/libssl.so.3"
        package, _, path = line.partition(": ")
        if Path(path) in asked and not package.startswith("diversion"):
            found.setdefault(asked[Path(path)], package.split(":")[0].split(",")[0].strip())
    return found


def _debian(package: str) -> Component:
    version = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Version}", package], capture_output=True, text=True
    ).stdout.strip()
    copyright_file = Path("/usr/share/doc") / package / "copyright"
    texts = {"copyright": copyright_file} if copyright_file.is_file() else {}
    return Component(
        name=package, version=version or "?", kind="Debian package", licence="see its copyright file", texts=texts
    )
