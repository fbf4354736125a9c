"""Panda3D's configuration as the bundle ships it (packaging/panda_config.py), with no build: the loaders the
bundle leaves out are no longer named, so Panda3D's model loader starts without a warning."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import panda3d
import panda_config

ETC = Path(panda3d.__file__).parent / "etc"
# What the bundle carries of Panda3D's libraries: its core, and the display plugins of hooks/hook-panda3d.py.
SHIPPED = {"libpanda", "libpandaexpress", "libp3dtool", "libp3dtoolconfig", "libp3direct", "libp3interrogatedb"} | {
    "libpandagl",
    "libp3headlessgl",
    "libp3tinydisplay",
}


def active_loaders(text: str) -> list[str]:
    return [m["library"] for line in text.splitlines() if (m := panda_config.LOADER.match(line))]


def test_the_shipped_configuration_names_only_loaders_the_bundle_carries() -> None:
    original = (ETC / "Confauto.prc").read_text()
    assert {"p3assimp", "p3ptloader"} <= set(active_loaders(original))  # the wheel's, which warned at every start
    shipped = panda_config.without_missing_loaders(original, SHIPPED)
    assert active_loaders(shipped) == []
    assert len(shipped.splitlines()) == len(original.splitlines()), "only loader lines change"
    assert "# load-file-type p3assimp    (left out of this bundle" in shipped
    assert panda_config.without_missing_loaders("load-file-type egg pandaegg\n", {"libpandaegg"}) == (
        "load-file-type egg pandaegg\n"
    )


LOAD = r"""
import sys
from panda3d.core import Filename, Loader, LoaderOptions, load_prc_file_data
load_prc_file_data("", sys.stdin.read() + "\naudio-library-name null\n")
Loader.get_global_ptr().load_sync(Filename("/no/such/model.bam"), LoaderOptions(LoaderOptions.LF_no_cache))
"""


def test_panda3d_warns_of_a_loader_it_cannot_load_and_not_once_it_is_left_out() -> None:
    def warnings(config: str) -> list[str]:
        done = subprocess.run([sys.executable, "-c", LOAD], input=config, capture_output=True, text=True, timeout=60)
        return [line for line in done.stderr.splitlines() if ":loader(warning)" in line]

    named = "load-file-type p3notinthisbundle\n"
    assert warnings(named), "Panda3D no longer warns: this test no longer shows anything"
    assert warnings(panda_config.without_missing_loaders(named, SHIPPED)) == []
