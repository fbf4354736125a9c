#!/bin/sh
# Install the unpacked Headcount bundle for this user: a menu entry, the icon, the `headcount`
# command in ~/.local/bin, and (if you say so) start at login in the tray. Run it from the
# unpacked folder: ./install-user.sh [--autostart|--no-autostart]. Nothing is downloaded.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}
config=${XDG_CONFIG_HOME:-$HOME/.config}
mkdir -p "$HOME/.local/bin" "$data/applications" "$data/icons/hicolor/256x256/apps" "$data/icons/hicolor/64x64/apps"
ln -sf "$here/headcount" "$HOME/.local/bin/headcount"
cp "$here/share/icons/headcount-256.png" "$data/icons/hicolor/256x256/apps/headcount.png"
cp "$here/share/icons/headcount-64.png" "$data/icons/hicolor/64x64/apps/headcount.png"
sed "s|^Exec=headcount|Exec=$here/headcount|" "$here/share/headcount.desktop" > "$data/applications/headcount.desktop"
mkdir -p "$config/systemd/user"
sed "s|/usr/bin/headcount|$here/headcount|" "$here/share/headcount.service" > "$config/systemd/user/headcount.service"
echo "Installed: Headcount in your applications menu, and the command $HOME/.local/bin/headcount"
echo "To work with no window instead: systemctl --user enable --now headcount"

choice=${1:-}
if [ -z "$choice" ] && [ -t 0 ]; then
  printf "Start Headcount at login, in the tray, so your team keeps working? [y/N] "
  read -r answer
  case "$answer" in [yY]*) choice=--autostart ;; *) choice=--no-autostart ;; esac
fi
if [ "$choice" = "--autostart" ]; then
  mkdir -p "$config/autostart"
  sed "s|headcount$|$here/headcount|" "$here/share/headcount-autostart.desktop" > "$config/autostart/headcount.desktop"
  echo "Headcount starts at login, in the tray ($config/autostart/headcount.desktop; delete it to stop)."
else
  echo "To start at login later: ./install-user.sh --autostart"
fi
case ":$PATH:" in *":$HOME/.local/bin:"*) ;; *) echo "Add ~/.local/bin to your PATH to type: headcount doctor" ;; esac
