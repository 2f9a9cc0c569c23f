#!/usr/bin/env bash
# The console's browser tests drive Debian's Chromium (never a browser a test tool
# downloads) and need a CJK font to render Chinese labels. Installs both when missing;
# does nothing when they are there. Needs root (CI runs as root).
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
fc-list 2>/dev/null | grep -qi "wenquanyi\|noto sans cjk" || missing+=(fonts-wqy-microhei)
if [ ${#missing[@]} -eq 0 ]; then
  echo "chromium and a CJK font are installed"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "missing ${missing[*]}: run this script as root (sudo bash deploy/ensure-chromium.sh)" >&2
  exit 1
fi
echo "installing ${missing[*]} (Debian packages)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
/usr/bin/chromium --version
