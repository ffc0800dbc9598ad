#!/usr/bin/env bash
# Debian packages the test suite uses: Chromium (browser tests; never a downloaded browser),
# R with the survey and psych packages (statistics cross-check), zbar (QR decoding).
set -euo pipefail
PACKAGES=(chromium fonts-noto-core r-base-core r-cran-survey r-cran-psych zbar-tools)
missing=()
for package in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "all present: ${PACKAGES[*]}"
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=600 update -qq
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}"
