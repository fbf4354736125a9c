"""Qt's ICU data library without the parts Qt never reads (Linux): 32 MB down to 16 MB.

PySide6's wheels carry ICU, whose data library (`libicudata.so.73`) holds all of ICU's data, 32 MB. Qt
calls four ICU services, as the ICU symbols its libraries import show (all of them link ICU; only
libQt6Core calls it): collation (`ucol_*`: coll/), code-page converters (`ucnv_*`: the .cnv tables),
calendars and time-zone names (`ucal_*`: zone/ and the locales' calendar data) and case mapping
(`u_strToUpper`/`Lower`, whose tables are compiled into ICU's code). The spec stops the build if any
binary in the bundle calls more. Left out: what only other ICU services read, the break iterators
(brkitr/), the names of units, currencies, languages and regions, transliterators, spelled-out numbers
and Unicode character names. tests/packaging/test_bundle.py checks that Qt's answers from the bundle's
library match the full one's.

Needs icupkg and genccode (Debian's icu-devtools) and as/ld (binutils). Run by packaging/headcount.spec.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

# Item folders (and files) of the ICU data package that Qt's four services never read.
UNUSED = ("brkitr/", "unit/", "curr/", "lang/", "region/", "translit/", "rbnf/", "unames.icu")
# The ICU symbols Qt may import for the services above; any other means Qt has started to use more of ICU.
QT_SERVICES = re.compile(r"^(ucol_|ucnv_|UCNV_|ucal_|u_strTo(Upper|Lower)$)")


def icu_calls(library: Path) -> list[str]:
    """The ICU functions (without their version suffix) that a library imports."""
    listed = subprocess.run(["nm", "-D", "--undefined-only", str(library)], check=True, capture_output=True, text=True)
    return sorted({m.group(1) for m in re.finditer(r"\s(\w+?)_\d+$", listed.stdout, re.MULTILINE)})


def trimmed(library: Path, work: Path) -> Path:
    """Build `work/<library's name>`: the same ICU data package without the UNUSED items."""
    version = re.fullmatch(r"libicudata\.so\.(\d+)", library.name)
    if version is None:
        raise ValueError(f"{library} is not ICU's data library")
    package, symbol = f"icudt{version[1]}l", f"icudt{version[1]}_dat"
    work.mkdir(parents=True, exist_ok=True)
    blob = _symbol_bytes(library, symbol)
    whole, small = work / "whole", work / "small"
    for folder in (whole, small):
        folder.mkdir(exist_ok=True)
    (whole / f"{package}.dat").write_bytes(blob)

    def run(*args: str) -> str:
        return subprocess.run(args, check=True, capture_output=True, text=True, cwd=work).stdout

    items = run("icupkg", "-l", str(whole / f"{package}.dat")).split()
    unused = [item for item in items if item.startswith(UNUSED)]
    (work / "unused.txt").write_text("\n".join(unused) + "\n")
    # icupkg names the package after the output file: it must keep the name ICU looks for
    run("icupkg", "-r", str(work / "unused.txt"), str(whole / f"{package}.dat"), str(small / f"{package}.dat"))
    run("genccode", "-q", "-a", "gcc", "-e", f"icudt{version[1]}", "-d", str(small), str(small / f"{package}.dat"))
    assembly = (small / f"{package}_dat.S").read_text()
    # genccode hides the symbol unless the C preprocessor says otherwise; as(1) has none, and ICU needs it exported
    (small / "data.s").write_text("".join(line for line in assembly.splitlines(keepends=True) if ".hidden" not in line))
    run("as", "-o", str(small / "data.o"), str(small / "data.s"))
    out = work / library.name
    run("ld", "-shared", "-soname", library.name, "-o", str(out), str(small / "data.o"))
    if symbol not in run("nm", "-D", str(out)):
        raise RuntimeError(f"{out} does not export {symbol}")
    return out


def _symbol_bytes(library: Path, symbol: str) -> bytes:
    """The bytes of one exported data symbol, found through the ELF tables (readelf)."""
    symbols = subprocess.run(["readelf", "-W", "--dyn-syms", str(library)], check=True, capture_output=True, text=True)
    found = re.search(
        rf"^\s*\d+:\s+([0-9a-f]+)\s+(0x[0-9a-f]+|\d+)\s+OBJECT\s+GLOBAL\s+\S+\s+(\d+)\s+{symbol}$",
        symbols.stdout,
        re.MULTILINE,
    )
    if found is None:
        raise RuntimeError(f"{library} exports no {symbol}")
    address, size = int(found[1], 16), int(found[2], 0)
    sections = subprocess.run(["readelf", "-W", "-S", str(library)], check=True, capture_output=True, text=True)
    for line in sections.stdout.splitlines():
        parts = re.match(r"^\s*\[\s*(\d+)\]\s+(\S+)\s+\S+\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)", line)
        if parts and parts[1] == found[3]:
            start = int(parts[4], 16) + address - int(parts[3], 16)
            return library.read_bytes()[start : start + size]
    raise RuntimeError(f"no section {found[3]} in {library}")
