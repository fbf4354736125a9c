"""The licence notices the bundle carries (packaging/notices.py), traced from files of this venv and
system, with no build: whose each file is, and which licence texts go in for it."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import notices
import PySide6
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_each_file_is_traced_to_its_distribution_python_or_debian_package_with_the_licence_texts(
    tmp_path: Path,
) -> None:
    system_file = Path(shutil.which("dpkg") or "/usr/bin/dpkg")
    sources = [
        Path(yaml.__file__),  # a distribution that ships its licence file
        Path(PySide6.__file__).parent / "QtCore.abi3.so",  # one that ships none (LGPL-3 for Qt and PySide6)
        Path(json.__file__),  # the standard library: Python's licence
        ROOT / "engine" / "__init__.py",  # ours
        system_file,  # a system file, as PyInstaller copies system libraries in
    ]
    components, untraced = notices.traced(sources, own=ROOT)
    found = {c.name: c for c in components}
    assert "PyYAML" in found and any(name.startswith("LICENSE") for name in found["PyYAML"].texts)
    assert found["PyYAML"].licence == "MIT"
    pyside = found["PySide6_Essentials"]
    assert pyside.licence.startswith("LGPL-3.0-only")
    if notices.COMMON_LICENSES.is_dir():
        assert "LGPL-3" in pyside.texts and "common-licenses" in pyside.note
    assert "LICENSE.txt" in found["Python"].texts and found["Python"].version == sys.version.split()[0]
    assert not any(name.lower().startswith("headcount") for name in found), "the app's own code is not third-party"
    if shutil.which("dpkg"):
        assert found["dpkg"].kind == "Debian package" and "copyright" in found["dpkg"].texts
        assert untraced == []
    else:
        assert untraced == [system_file.resolve()]

    files = dict(notices.write(components, tmp_path / "licenses"))
    index = (tmp_path / "licenses" / "THIRD_PARTY_NOTICES.txt").read_text()
    for component in components:
        assert f"{component.name} {component.version}" in index
        for text in component.texts:
            assert f"licenses/{component.folder}/{text}" in files
    assert all(source.is_file() for source in files.values())
    assert {c["name"] for c in json.loads((tmp_path / "licenses" / "components.json").read_text())} == set(found)


def test_a_build_that_names_a_file_of_unknown_origin_says_so(tmp_path: Path) -> None:
    stray = tmp_path / "libstray.so"
    stray.write_bytes(b"\x7fELF")
    components, untraced = notices.traced([stray], own=ROOT)
    assert components == [] and untraced == [stray.resolve()]


@pytest.mark.parametrize("stated", ["OSI Approved :: Apache Software License", "Apache-2.0"])
def test_a_licence_named_in_any_of_metadatas_ways_finds_its_text(stated: str) -> None:
    if not notices.COMMON_LICENSES.is_dir():
        pytest.skip(f"no {notices.COMMON_LICENSES} on this system")

    class Meta(dict[str, str]):
        def get_all(self, name: str) -> list[str]:
            return [self[name]] if name in self else []

    class Dist:
        metadata = Meta({"Name": "x", "Version": "1", "License-Expression": stated})
        files = ()

    component = notices._python_package(Dist())  # type: ignore[arg-type]
    assert list(component.texts) == ["Apache-2.0"]
