#!/bin/sh
# Optional system packages, installed when this machine allows it (root with apt-get); never fatal.
#   libharfbuzz-subset0      lets WeasyPrint subset fonts about twice as fast (every target)
#   libreoffice-writer-nogui opens the DOCX as Word users' machines would (`test`: the LibreOffice check)
#   chromium                 the browser Playwright drives through the editors' page (`test`: test_serve_browser)
# Usage: system-deps.sh [test]
packages="libharfbuzz-subset0"
[ "$1" = test ] && packages="$packages libreoffice-writer-nogui chromium"

missing=""
for package in $packages; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing="$missing $package"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "note: not installed (optional):$missing" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null 2>&1 \
  || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq --no-install-recommends $missing >/dev/null 2>&1; } \
  || echo "note: could not install (optional):$missing" >&2
exit 0
