#!/usr/bin/env bash
# Start the action server (127.0.0.1:5055), Rasa (localhost:5005, REST channel at
# /webhooks/rest/webhook, SQLite tracker store) and the demo page (127.0.0.1:8080), and keep them
# running: a process that dies is started again after a pause (1 s, doubled after each quick
# failure, at most 30 s) while the others go on serving. Ctrl-C stops everything.
set -uo pipefail
cd "$(dirname "$0")/.."
umask 077  # the database, its -wal/-shm files and any log file: readable by this user only
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 PYTHONUNBUFFERED=1
RASA_INTERFACE=${RASA_INTERFACE:-127.0.0.1}
RASA_PORT=${RASA_PORT:-5005}
ACTIONS_PORT=${ACTIONS_PORT:-5055}
MODEL=${MODEL:-models/stodlotsen.tar.gz}
ENDPOINTS=${ENDPOINTS:-endpoints.yml}
# The demo page with the chat widget (web/, tools/webserver.py) on 127.0.0.1:${WEB_PORT}; WEB_PORT=0 turns it off.
WEB_PORT=${WEB_PORT:-8080}
if [ "$WEB_PORT" != "0" ]; then
  STODLOTSEN_CORS=${STODLOTSEN_CORS-"http://localhost:${WEB_PORT} http://127.0.0.1:${WEB_PORT}"}
fi
RESTART_MAX_DELAY=${RESTART_MAX_DELAY:-30}
# endpoints.yml names the action server on port 5055: with another ACTIONS_PORT, Rasa gets a copy
# that names that port (removed again when run.sh stops).
endpoints_copy=""
if [ "$ACTIONS_PORT" != "5055" ] && grep -q "127.0.0.1:5055/webhook" "$ENDPOINTS"; then
  endpoints_copy=$(mktemp --suffix=.yml)
  sed "s#127.0.0.1:5055/webhook#127.0.0.1:${ACTIONS_PORT}/webhook#" "$ENDPOINTS" > "$endpoints_copy"
  ENDPOINTS=$endpoints_copy
fi

# supervise NAME COMMAND…: run COMMAND, and start it again whenever it exits, until stopped (TERM).
supervise() {
  local name=$1 child="" delay=1 started rc
  shift
  trap '[ -n "$child" ] && kill "$child" 2>/dev/null; wait "$child" 2>/dev/null; exit 0' TERM
  while true; do
    started=$SECONDS
    "$@" &
    child=$!
    wait "$child"
    rc=$?
    # A process that ran for a minute failed for a new reason: start the pauses from 1 s again.
    if (( SECONDS - started >= 60 )); then delay=1; fi
    echo "$(date '+%F %T') ${name} avslutades (kod ${rc}); startar om om ${delay} s." >&2
    sleep "$delay" &
    wait $!
    delay=$(( delay * 2 > RESTART_MAX_DELAY ? RESTART_MAX_DELAY : delay * 2 ))
  done
}

supervisors=()
stop() {
  trap - INT TERM EXIT
  echo "Stoppar Stödlotsen …"
  for pid in "${supervisors[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  wait 2>/dev/null
  if [ -n "$endpoints_copy" ]; then rm -f "$endpoints_copy"; fi
}
trap stop INT TERM EXIT

echo "Startar action-servern på 127.0.0.1:${ACTIONS_PORT} …"
# The action server counts every reply for the lägesbild, into the counters' database beside the tracker store
# that this endpoints file names (bot/count_store.py).
export STODLOTSEN_ENDPOINTS=${STODLOTSEN_ENDPOINTS:-$ENDPOINTS}
supervise action-servern .venv/bin/python -m rasa_wing.action_server --actions actions --port "$ACTIONS_PORT" &
supervisors+=($!)

echo "Startar Rasa på ${RASA_INTERFACE}:${RASA_PORT} med modellen ${MODEL} …"
# Rasa's HTTP API (/conversations, /model, ...) stays off unless STODLOTSEN_API_TOKEN is set; then
# only with that token. Browser origins allowed to call the REST channel: STODLOTSEN_CORS
# (space-separated, e.g. "https://www.kommun.se"); default the demo page's origins (none with WEB_PORT=0;
# STODLOTSEN_CORS="" allows none). See docs/drift.md.
rasa_extra=()
if [ -n "${STODLOTSEN_API_TOKEN:-}" ]; then
  rasa_extra+=(--enable-api --auth-token "$STODLOTSEN_API_TOKEN")
  echo "Rasas HTTP-API är på (med token)."
fi
if [ -n "${STODLOTSEN_CORS:-}" ]; then
  read -r -a cors_origins <<< "$STODLOTSEN_CORS"
  rasa_extra+=(--cors "${cors_origins[@]}")
fi
supervise Rasa .venv/bin/python -m rasa_wing.serve run --model "$MODEL" --endpoints "$ENDPOINTS" \
  --credentials credentials.yml --interface "$RASA_INTERFACE" --port "$RASA_PORT" "${rasa_extra[@]}" &
supervisors+=($!)

if [ "$WEB_PORT" != "0" ]; then
  echo "Startar demosidan med chattwidgeten på http://localhost:${WEB_PORT}/ …"
  supervise demosidan .venv/bin/python -m tools.webserver --host 127.0.0.1 --port "$WEB_PORT" \
    --rasa-url "http://localhost:${RASA_PORT}" &
  supervisors+=($!)
fi

start=$(date +%s)
for _ in $(seq 1 180); do
  if curl -fsS "http://127.0.0.1:${RASA_PORT}/" >/dev/null 2>&1 && curl -fsS "http://127.0.0.1:${ACTIONS_PORT}/health" >/dev/null 2>&1; then
    echo "Stödlotsen svarar efter $(( $(date +%s) - start )) s: POST http://localhost:${RASA_PORT}/webhooks/rest/webhook  (Ctrl-C stoppar)"
    break
  fi
  sleep 1
done
wait
