#!/usr/bin/env bash
# Make sure the PostgreSQL server programs (initdb, pg_ctl) are installed, for the tests that run
# the tracker store against a real, throw-away PostgreSQL server. Installs only when missing.
set -euo pipefail
if compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "PostgreSQL saknas. Installera paketet 'postgresql' (apt-get install postgresql) som root." >&2
  exit 1
fi
echo "== Installerar PostgreSQL (för testerna av samtalslagringen) =="
# The tests start their own server in a temporary directory: no default cluster on port 5432.
if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
  mkdir -p /etc/postgresql-common
  echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.conf
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends -o Dpkg::Options::=--force-confold postgresql >/dev/null
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null
