#!/usr/bin/env bash
# Make sure the programs `make cluster` runs are installed: Debian's postgresql (tools/ensure_postgres.sh),
# redis-server and nginx. Installs only what is missing (apt, as root). The cluster runs its own
# throw-away servers in a temporary directory on loopback, so the packages' own services are not
# started by the installation (a policy-rc.d that refuses, only while apt runs, when none exists).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/ensure_postgres.sh
missing=()
command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || missing+=(redis-server)
[ -x /usr/sbin/nginx ] || missing+=(nginx)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Saknas: ${missing[*]}. Installera med 'apt-get install -y --no-install-recommends ${missing[*]}' som root." >&2
  exit 1
fi
echo "== Installerar ${missing[*]} (för make cluster) =="
policy=/usr/sbin/policy-rc.d
made_policy=""
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod 755 "$policy" && made_policy=1
fi
trap '[ -n "$made_policy" ] && rm -f "$policy"' EXIT
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq --no-install-recommends -o Dpkg::Options::=--force-confold "${missing[@]}" >/dev/null \
  || { apt-get update -qq && apt-get install -y -qq --no-install-recommends -o Dpkg::Options::=--force-confold "${missing[@]}" >/dev/null; }
[ -x /usr/bin/redis-server ] && [ -x /usr/sbin/nginx ]
