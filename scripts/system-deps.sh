#!/usr/bin/env bash
# Installs the Debian packages Sterile Ledger's tests need, only those missing.
# Runs as root (CI, a fresh machine); as another user it only reports what is missing.
set -euo pipefail
need=()
have() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
for pkg in postgresql poppler-utils fonts-noto-core fonts-dejavu-core fonts-wqy-microhei libegl1 libxkbcommon0 \
           libfontconfig1 libglib2.0-0 libdbus-1-3 xvfb libxcb-cursor0 libxcb-icccm4 \
           libxcb-keysyms1 libxkbcommon-x11-0 libxcb-shape0 libxcb-render-util0 libxcb-image0; do
  have "$pkg" || need+=("$pkg")
done
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing Debian packages (install them as root): ${need[*]}" >&2
  exit 0
fi
echo "Installing: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
