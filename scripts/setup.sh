#!/usr/bin/env bash
# Set up wasserflow on a fresh Debian 12 machine. Idempotent: safe to run any number of times.
#  - Debian packages, installed only when missing: chromium (its SwiftShader Vulkan driver: the page's
#    adapter and Node's fallback, and the browser for the page tests), libvulkan1 (the Vulkan loader Dawn
#    uses in Node), python3-torch and python3-pot (the peers in bench/), dataset-fashion-mnist (the real data set).
#  - Mesa's lavapipe Vulkan driver (mesa-vulkan-drivers >= 25 from bookworm-backports; Debian 12's
#    own 22.3 is refused by Dawn): 3–5× faster than SwiftShader on the same cores, so the engine picks
#    it by default when there is no hardware adapter. The backports source is added only when missing.
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

# lavapipe: Mesa 25 from bookworm-backports (DESIGN.md, "Facts measured").
LVP_ICD=/usr/share/vulkan/icd.d/lvp_icd.json
lvp_version=$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || true)
if [ -e "$LVP_ICD" ] && dpkg --compare-versions "${lvp_version:-0}" ge 25; then
  echo "setup: lavapipe present (mesa-vulkan-drivers $lvp_version)"
elif [ "${WASSERFLOW_SKIP_LAVAPIPE:-}" = 1 ]; then
  echo "setup: WASSERFLOW_SKIP_LAVAPIPE=1: not installing lavapipe (SwiftShader stays the adapter)"
else
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    echo "setup: adding bookworm-backports to apt's sources"
    echo 'deb http://deb.debian.org/debian bookworm-backports main' | $SUDO tee /etc/apt/sources.list.d/bookworm-backports.list >/dev/null
  fi
  echo "setup: installing lavapipe (mesa-vulkan-drivers from bookworm-backports)"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends -t bookworm-backports mesa-vulkan-drivers >/dev/null
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
