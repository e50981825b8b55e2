#!/usr/bin/env bash
# Print the path of a Python 3.10 interpreter (Rasa 3.6 runs on 3.8–3.10).
# Order: $PYTHON310, pyenv's 3.10.x, python3.10 on PATH.
set -euo pipefail
ok() { [ -n "$1" ] && "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; }
if [ -n "${PYTHON310:-}" ] && ok "$PYTHON310"; then echo "$PYTHON310"; exit 0; fi
if command -v pyenv >/dev/null 2>&1; then
  for p in $(ls -d "$(pyenv root)"/versions/3.10.*/bin/python3.10 2>/dev/null | sort -V -r); do
    if ok "$p"; then echo "$p"; exit 0; fi
  done
fi
for p in python3.10 /usr/bin/python3.10 /usr/local/bin/python3.10; do
  c=$(command -v "$p" 2>/dev/null || true)
  if ok "$c"; then echo "$c"; exit 0; fi
done
echo "Hittar ingen Python 3.10 (Rasa 3.6 kräver 3.8–3.10). Installera den, t.ex. 'pyenv install 3.10.13', eller ange PYTHON310=/sökväg/till/python3.10." >&2
exit 1
