#!/usr/bin/env bash
# System packages the browser tests need, installed only when missing (idempotent):
# Debian's chromium (Playwright drives it; no browser is downloaded) and axe-core from npm
# (package.json / package-lock.json) into node_modules/.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_install() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "Behöver root för att installera $*: kör 'apt-get install -y --no-install-recommends $*' som root." >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q --no-install-recommends "$@" || { apt-get update -q && apt-get install -y -q --no-install-recommends "$@"; }
}

if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
  echo "== Installerar chromium (Debian-paketet) =="
  apt_install chromium
fi

if ! command -v npm >/dev/null 2>&1; then
  echo "== Installerar npm (Debian-paketet) =="
  apt_install npm
fi

if [ ! -f node_modules/axe-core/axe.min.js ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "== Installerar axe-core från npm (package-lock.json) =="
  npm ci --no-audit --no-fund --loglevel=error
fi
