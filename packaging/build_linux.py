"""Pack the PyInstaller folder into the Linux downloads: a `.tar.gz` and a `.deb` (dpkg-deb, no network).

    .venv/bin/python packaging/build_linux.py --bundle build/package/dist/headcount --out dist

`make package` runs the spec, the icon, then this. The bundle folder gets a `share/` folder (desktop
entries, icons, the systemd user unit) and `install-user.sh`, so the `.tar.gz` installs for one user
without root; the `.deb` puts the bundle in /opt/headcount and links /usr/bin/headcount.
Prints one JSON line with the sizes, also written to `<out>/package.json`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import time
import tomllib
from pathlib import Path

import deb_depends
from deb_depends import Relationships

ROOT = Path(__file__).resolve().parent.parent
LINUX = Path(__file__).resolve().parent / "linux"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def version() -> str:
    return str(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"])


def folder_size(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def add_share(bundle: Path, icons: Path) -> None:
    """Desktop entries, icons and the unit inside the bundle, so every download carries them."""
    share = bundle / "share"
    (share / "icons").mkdir(parents=True, exist_ok=True)
    for name in ("headcount.desktop", "headcount-autostart.desktop", "headcount.service"):
        shutil.copy2(LINUX / name, share / name)
    for size in ICON_SIZES:
        shutil.copy2(icons / f"headcount-{size}.png", share / "icons" / f"headcount-{size}.png")
    shutil.copy2(LINUX / "install-user.sh", bundle / "install-user.sh")


def make_tarball(bundle: Path, out: Path) -> Path:
    target = out / f"headcount-{version()}-linux-{platform.machine()}.tar.gz"
    with tarfile.open(target, "w:gz", compresslevel=6) as tar:
        tar.add(bundle, arcname="headcount")
    return target


def copyright_file(bundle: Path) -> str:
    """The `.deb`'s /usr/share/doc/headcount/copyright (Debian's machine-readable format), from the notices the
    spec gathered into the bundle (packaging/notices.py)."""
    listed = json.loads((bundle / "_internal" / "licenses" / "components.json").read_text())
    lines = [f" {c['name']} {c['version']} ({c['kind']}): {c['licence']}; licenses/{c['folder']}/" for c in listed]
    return (
        "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
        "Upstream-Name: Headcount\n"
        "\n"
        "Files: *\n"
        "Copyright: Headcount\n"
        "License: proprietary and third-party\n"
        " Headcount itself is proprietary. It carries the third-party components below in /opt/headcount,\n"
        " each under its own licence; their licence texts are in /opt/headcount/_internal/licenses/\n"
        " (THIRD_PARTY_NOTICES.txt there lists them, the same as below).\n"
        " .\n" + "\n".join(lines) + "\n"
    )


def make_deb(bundle: Path, out: Path, stage: Path, *, compress: str = "xz") -> tuple[Path, Relationships]:
    """The `.deb`, and its Depends and Recommends: what the bundle leaves to the system (deb_depends.py, ldd)."""
    relationships = deb_depends.of_bundle(bundle)
    arch = subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True, check=True).stdout.strip()
    root = stage / f"headcount_{version()}_{arch}"
    shutil.rmtree(root, ignore_errors=True)
    opt = root / "opt" / "headcount"
    shutil.copytree(bundle, opt, symlinks=True, copy_function=os.link)  # hard links: no second copy on disk
    (root / "usr" / "bin").mkdir(parents=True)
    (root / "usr" / "bin" / "headcount").symlink_to("/opt/headcount/headcount")
    apps = root / "usr" / "share" / "applications"
    apps.mkdir(parents=True)
    shutil.copy2(LINUX / "headcount.desktop", apps / "headcount.desktop")
    for size in ICON_SIZES:
        folder = root / "usr" / "share" / "icons" / "hicolor" / f"{size}x{size}" / "apps"
        folder.mkdir(parents=True)
        shutil.copy2(bundle / "share" / "icons" / f"headcount-{size}.png", folder / "headcount.png")
    units = root / "usr" / "lib" / "systemd" / "user"
    units.mkdir(parents=True)
    shutil.copy2(LINUX / "headcount.service", units / "headcount.service")
    doc = root / "usr" / "share" / "doc" / "headcount"
    doc.mkdir(parents=True)
    (doc / "copyright").write_text(copyright_file(bundle))
    offer = root / "usr" / "share" / "headcount"
    offer.mkdir(parents=True)
    shutil.copy2(LINUX / "headcount-autostart.desktop", offer / "headcount-autostart.desktop")
    debian = root / "DEBIAN"
    debian.mkdir()
    installed_kb = folder_size(root) // 1024
    (debian / "control").write_text(
        f"Package: headcount\nVersion: {version()}\nArchitecture: {arch}\nSection: utils\nPriority: optional\n"
        f"Maintainer: Headcount <support@headcount.invalid>\nInstalled-Size: {installed_kb}\n"
        f"{relationships.control()}"
        "Description: Hire AI employees and watch them work in a 3D office\n"
        " A desktop app where a small business hires AI employees: each owns one role, follows a brief,\n"
        " keeps working hours and cost ceilings, asks before risky actions and leaves an audit trail.\n"
        " Works offline in rehearsal mode; connect any model through litellm for real work.\n"
    )
    postinst = debian / "postinst"
    postinst.write_text(
        "#!/bin/sh\nset -e\n"
        "command -v update-desktop-database >/dev/null && update-desktop-database -q /usr/share/applications || true\n"
        "command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q /usr/share/icons/hicolor || true\n"
        'echo "Headcount is installed. To start it at login, in the tray:"\n'
        'echo "  mkdir -p ~/.config/autostart"\n'
        'echo "  cp /usr/share/headcount/headcount-autostart.desktop ~/.config/autostart/"\n'
        'echo "To keep the office working with no window: systemctl --user enable --now headcount"\n'
    )
    postinst.chmod(0o755)
    target = out / f"headcount_{version()}_{arch}.deb"
    level = "-z1" if compress == "gzip" else "-z6"
    subprocess.run(
        ["dpkg-deb", "--root-owner-group", f"-Z{compress}", level, "--build", str(root), str(target)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    shutil.rmtree(root)
    return target, relationships


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=ROOT / "build" / "package" / "dist" / "headcount")
    parser.add_argument("--icons", type=Path, default=ROOT / "build" / "package" / "icon")
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    parser.add_argument("--no-deb", action="store_true", help="only the .tar.gz (no dpkg-deb on this system)")
    parser.add_argument(
        "--compress",
        choices=("xz", "gzip"),
        default="xz",
        help="the .deb's compression: xz for downloads (~4 min on 2 cores), gzip -1 for a quick check (CI)",
    )
    args = parser.parse_args(argv)
    if not (args.bundle / "headcount").is_file():
        print(f"no bundle at {args.bundle}: run pyinstaller packaging/headcount.spec first", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    add_share(args.bundle, args.icons)
    report: dict[str, object] = {"version": version(), "bundle_bytes": folder_size(args.bundle)}
    started = time.monotonic()
    tarball = make_tarball(args.bundle, args.out)
    report.update(tar_gz=str(tarball), tar_gz_bytes=tarball.stat().st_size, tar_gz_s=round(time.monotonic() - started))
    if not args.no_deb and shutil.which("dpkg-deb"):
        started = time.monotonic()
        deb, needs = make_deb(args.bundle, args.out, ROOT / "build" / "package" / "deb", compress=args.compress)
        report.update(deb=str(deb), deb_bytes=deb.stat().st_size, deb_s=round(time.monotonic() - started))
        report.update(depends=needs.depends, recommends=needs.recommends)
    (args.out / "package.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
