#!/bin/sh
# Headcount.app in a .dmg, on macOS. NOT RUN HERE: it needs macOS (hdiutil, codesign, notarytool)
# and the bundle built on a Mac; see packaging/README.md, "macOS". From the repository root:
#   python3.11 -m venv .venv && .venv/bin/pip install -e '.[dev]'
#   QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/icon.py build/package/icon
#   .venv/bin/pyinstaller --noconfirm --distpath build/package/dist --workpath build/package/work packaging/headcount.spec
#   build/package/dist/Headcount.app/Contents/MacOS/headcount-cli --smoke-test build/package/smoke.json
#   SIGN_ID="Developer ID Application: ..." NOTARY_PROFILE=headcount sh packaging/macos/make_dmg.sh
set -eu
version=$(sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml | head -1)
app=build/package/dist/Headcount.app
dmg=dist/headcount-$version-macos.dmg
[ -d "$app" ] || { echo "no $app: run pyinstaller packaging/headcount.spec on this Mac first" >&2; exit 1; }
mkdir -p dist
if [ -n "${SIGN_ID:-}" ]; then
  # Hardened runtime, every nested library signed: Gatekeeper refuses anything less for a download.
  codesign --deep --force --options runtime --timestamp --sign "$SIGN_ID" "$app"
fi
stage=$(mktemp -d)
cp -R "$app" "$stage/"
ln -s /Applications "$stage/Applications"   # drag the app onto it to install
cp packaging/macos/app.headcount.login.plist "$stage/"
hdiutil create -volname Headcount -srcfolder "$stage" -ov -format UDZO "$dmg"
rm -rf "$stage"
if [ -n "${SIGN_ID:-}" ] && [ -n "${NOTARY_PROFILE:-}" ]; then
  codesign --sign "$SIGN_ID" --timestamp "$dmg"
  xcrun notarytool submit "$dmg" --keychain-profile "$NOTARY_PROFILE" --wait
  xcrun stapler staple "$dmg"
fi
echo "$dmg"
