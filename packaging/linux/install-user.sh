#!/bin/sh
# Install the unpacked Headcount bundle for this user: a menu entry, the icon, the `headcount` command in
# ~/.local/bin, the systemd user unit and (if you say so) start at login in the tray. Or take them away
# again, before you delete the folder. Run it from the unpacked folder; nothing is downloaded.
#   ./install-user.sh [--autostart|--no-autostart]    (neither, at a terminal: it asks about login)
#   ./install-user.sh --uninstall                      (removes the files it wrote; folders stay)
# The bundle's own binary writes the files (packaging/install_user.py), so a folder whose path has
# spaces, quotes, & or % in it is written as each file's format reads it.
set -eu
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
choice=${1:-}
case "$choice" in
  "" | --autostart | --no-autostart | --uninstall) ;;
  *) echo "usage: $0 [--autostart|--no-autostart|--uninstall]" >&2; exit 2 ;;
esac
if [ -z "$choice" ]; then
  choice=--no-autostart
  if [ -t 0 ]; then
    printf "Start Headcount at login, in the tray, so your team keeps working? [y/N] "
    read -r answer
    case "$answer" in [yY]*) choice=--autostart ;; esac
  fi
fi
exec "$here/headcount" --install-user "$here" "$choice"
