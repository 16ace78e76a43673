#!/usr/bin/env bash
# Set up wasserflow on a fresh Debian 12 machine. Idempotent: safe to run any number of times.
#  - Debian packages, installed only when missing: chromium (its SwiftShader Vulkan driver is the
#    default WebGPU adapter, and the browser for the page tests), libvulkan1 (the Vulkan loader Dawn
#    uses in Node), python3-torch and python3-pot (the peers in bench/), dataset-fashion-mnist (the real data set).
#  - npm ci (which also builds dist/ through the prepare script). Puppeteer downloads no browser.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(chromium libvulkan1 python3-torch python3-pot dataset-fashion-mnist)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "setup: Debian packages present: ${PACKAGES[*]}"
fi

export PUPPETEER_SKIP_DOWNLOAD=1
if [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] && [ "${WASSERFLOW_FORCE_NPM_CI:-}" != 1 ]; then
  echo "setup: node_modules up to date with package-lock.json; building"
  npm run --silent build >/dev/null
else
  echo "setup: npm ci"
  npm ci --no-audit --no-fund
fi
echo "setup: done"
