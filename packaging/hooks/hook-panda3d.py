"""PyInstaller hook for the Panda3D wheel: the display plugins and `etc/` it loads by name at run time.

Panda3D dlopen()s its graphics plugins by name (`load-display`, `aux-display` in etc/Config.prc,
or the pipe the renderer asks for), so neither import analysis nor ldd sees them. It finds the
plugins and etc/Config.prc beside libp3dtool, which PyInstaller puts in `_internal/panda3d/`.
Audio plugins are left out: the office runs with `audio-library-name null`.
"""

from __future__ import annotations

from pathlib import Path

from PyInstaller.utils.hooks import get_package_paths

_package = Path(get_package_paths("panda3d")[1])

# pandagl: OpenGL on X11/Windows/macOS; p3headlessgl: OpenGL through EGL, no X server;
# p3tinydisplay: Panda's own software rasteriser (needs only libX11.so.6 on Linux).
_PLUGINS = ("libpandagl", "libp3headlessgl", "libp3tinydisplay")
_SUFFIXES = (".so", ".dll", ".dylib")

binaries = [
    (str(_package / (name + suffix)), "panda3d")
    for name in _PLUGINS
    for suffix in _SUFFIXES
    if (_package / (name + suffix)).is_file()
]
datas = [(str(_package / "etc"), "panda3d/etc")]
# ShowBase and its loader are imported from strings inside direct.
hiddenimports = ["direct.showbase.ShowBase", "direct.showbase.Loader", "direct.task.Task"]
