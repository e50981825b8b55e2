#!/usr/bin/env bash
# Start the action server (127.0.0.1:5055) and Rasa (localhost:5005, REST channel at
# /webhooks/rest/webhook, SQLite tracker store). Ctrl-C stops both.
set -uo pipefail
cd "$(dirname "$0")/.."
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

pids=()
stop() {
  trap - INT TERM EXIT
  echo "Stoppar Stödlotsen …"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  wait 2>/dev/null
}
trap stop INT TERM EXIT

echo "Startar action-servern på 127.0.0.1:${ACTIONS_PORT} …"
.venv/bin/python -m bot.adapters.action_server --actions actions --port "$ACTIONS_PORT" &
pids+=($!)

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
.venv/bin/python -m bot.adapters.serve run --model "$MODEL" --endpoints "$ENDPOINTS" --credentials credentials.yml \
  --interface "$RASA_INTERFACE" --port "$RASA_PORT" "${rasa_extra[@]}" &
pids+=($!)

if [ "$WEB_PORT" != "0" ]; then
  echo "Startar demosidan med chattwidgeten på http://localhost:${WEB_PORT}/ …"
  .venv/bin/python -m tools.webserver --host 127.0.0.1 --port "$WEB_PORT" --rasa-url "http://localhost:${RASA_PORT}" &
  pids+=($!)
fi

start=$(date +%s)
for _ in $(seq 1 180); do
  if curl -fsS "http://127.0.0.1:${RASA_PORT}/" >/dev/null 2>&1 && curl -fsS "http://127.0.0.1:${ACTIONS_PORT}/health" >/dev/null 2>&1; then
    echo "Stödlotsen svarar efter $(( $(date +%s) - start )) s: POST http://localhost:${RASA_PORT}/webhooks/rest/webhook  (Ctrl-C stoppar)"
    break
  fi
  for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null || { echo "En process avslutades under starten, se loggen ovan." >&2; exit 1; }; done
  sleep 1
done
wait -n "${pids[@]}"
rc=$?
# Ctrl-C reaches both servers too; they exit 0 or by the signal (>= 128): a normal stop.
if [ "$rc" -eq 0 ] || [ "$rc" -ge 128 ]; then exit 0; fi
echo "En av processerna avslutades med kod $rc; stoppar den andra. Se loggen ovan." >&2
exit 1
