"""The `.deb`'s Depends and Recommends (packaging/deb_depends.py), with no build: ldd's answers read, the
libraries named by their Debian packages, and split between what the app loads and what only Qt's plugins do."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import deb_depends
import panda3d
import pytest

LDD = """\
\tlinux-vdso.so.1 (0x00007ffd3c5f2000)
\tlibQt6WaylandClient.so.6 => /opt/headcount/_internal/libQt6WaylandClient.so.6 (0x00007f09c333c000)
\tlibwayland-client.so.0 => /lib/x86_64-linux-gnu/libwayland-client.so.0 (0x00007f09c3321000)
\tlibwayland-cursor.so.0 => not found
\t/lib64/ld-linux-x86-64.so.2 (0x00007f09c347e000)
"""


def test_ldd_is_read_as_each_library_and_where_it_resolved() -> None:
    assert deb_depends.parse_ldd(LDD) == {
        "libQt6WaylandClient.so.6": "/opt/headcount/_internal/libQt6WaylandClient.so.6",
        "libwayland-client.so.0": "/lib/x86_64-linux-gnu/libwayland-client.so.0",
        "libwayland-cursor.so.0": None,
    }


@pytest.mark.parametrize(
    ("soname", "package"),
    [
        ("libwayland-cursor.so.0", "libwayland-cursor0"),
        ("libwayland-egl.so.1", "libwayland-egl1"),
        ("libX11.so.6", "libx11-6"),
        ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"),
        ("libEGL.so.1", "libegl1"),
        ("libgcc_s.so.1", "libgcc-s1"),
        ("libxcb-cursor.so.0.0.0", "libxcb-cursor0"),
    ],
)
def test_a_library_this_machine_lacks_is_named_by_debians_rule(soname: str, package: str) -> None:
    assert deb_depends.debian_name(soname) == package


def test_what_only_qts_plugins_need_is_recommended_and_what_the_app_loads_is_depended_on() -> None:
    needs: dict[Path, dict[str, str | None]] = {
        Path("headcount"): {"libc.so.6": "/lib/x86_64-linux-gnu/libc.so.6"},
        Path("_internal/PySide6/QtGui.abi3.so"): {"libGL.so.1": "/lib/x86_64-linux-gnu/libGL.so.1"},
        Path("_internal/panda3d/libpandagl.so"): {"libGL.so.1": "/lib/x86_64-linux-gnu/libGL.so.1"},
        Path("_internal/PySide6/Qt/plugins/platforms/libqwayland.so"): {
            "libwayland-client.so.0": "/lib/x86_64-linux-gnu/libwayland-client.so.0",
            "libwayland-cursor.so.0": None,
            "libGL.so.1": "/lib/x86_64-linux-gnu/libGL.so.1",
        },
    }
    packages = {
        "libc.so.6": "libc6",
        "libGL.so.1": "libgl1",
        "libwayland-client.so.0": "libwayland-client0",
        "libwayland-cursor.so.0": "libwayland-cursor0",
    }
    found = deb_depends.relationships(needs, packages, "2.36")
    assert found.depends == ["libc6 (>= 2.36)", "libgl1"]
    assert found.recommends == sorted(["libwayland-client0", "libwayland-cursor0", *deb_depends.GL_DRIVERS])
    assert found.control().startswith("Depends: libc6 (>= 2.36), libgl1\nRecommends: libegl-mesa0")


@pytest.mark.skipif(not (shutil.which("dpkg") and shutil.which("objdump")), reason="needs dpkg and objdump")
def test_a_bundles_system_libraries_are_found_with_ldd_and_named_by_their_packages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle = tmp_path / "headcount"
    (bundle / "_internal" / "panda3d").mkdir(parents=True)
    for library in ("libp3dtoolconfig.so.1.10", "libp3dtool.so.1.10"):  # the first needs the second, beside it
        shutil.copy2(Path(panda3d.__file__).parent / library, bundle / "_internal" / "panda3d" / library)
    monkeypatch.chdir(tmp_path)  # `make package` names the bundle relative to the checkout
    found = deb_depends.of_bundle(Path("headcount"))
    assert [re.sub(r" \(.*", "", p) for p in found.depends] == ["libc6", "libgcc-s1", "libstdc++6"]
    assert re.fullmatch(r"libc6 \(>= 2\.\d+\)", found.depends[0]) and found.recommends == sorted(deb_depends.GL_DRIVERS)
