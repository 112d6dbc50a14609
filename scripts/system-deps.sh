#!/bin/sh
# Optional system libraries, installed when this machine allows it (root with apt-get); never fatal.
# libharfbuzz-subset0 lets WeasyPrint subset fonts about twice as fast.
if ldconfig -p 2>/dev/null | grep -q 'libharfbuzz-subset\.so\.0'; then
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "note: libharfbuzz-subset0 not installed (optional; PDF rendering is slower without it)" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq --no-install-recommends libharfbuzz-subset0 >/dev/null 2>&1 \
  || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq --no-install-recommends libharfbuzz-subset0 >/dev/null 2>&1; } \
  || echo "note: could not install libharfbuzz-subset0 (optional; PDF rendering is slower without it)" >&2
exit 0
