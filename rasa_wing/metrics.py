"""Operations metrics for municipal IT: a Prometheus `/metrics` endpoint in the Rasa process, on loopback only.

    STODLOTSEN_METRICS_PORT=9540   (the default; 0 turns it off)   →   http://127.0.0.1:9540/metrics

Served by the official `prometheus-client` from a thread of its own, on its own port, always bound to
127.0.0.1 (no setting changes that): never on Rasa's port or the widget's. Counts only – no text, no
conversation id, no municipality, need or other category of the lägesbild:

| metric | what |
|---|---|
| `stodlotsen_messages_total{channel}` | messages the channels took in |
| `stodlotsen_reply_seconds{channel}` | time from a message to its reply (histogram) |
| `stodlotsen_errors_total{where}` | a message Rasa failed on (`handler`) or did not answer in time (`timeout`) |
| `stodlotsen_static_replies_total{reason}` | safe static replies sent: `timeout`, `error`, `no_reply` (action server down) |
| `stodlotsen_rate_limited_total` | messages beyond a sender's rate limit (answered "vänta lite") |
| `stodlotsen_action_server_failures_total` | action calls that failed (the action server down, slow or erroring) |
| `stodlotsen_crisis_messages_total{kind}` | messages the crisis vote answered as a crisis, by kind |
| `stodlotsen_catalogue_reloads_total` | the catalogue re-read after an edit (as the Rasa process sees the file) |
| `stodlotsen_catalogue_reload_errors_total` | edits refused as broken |
| `stodlotsen_semantic_seconds` | the semantic neighbour's time per message it was asked (histogram) |

Why the Rasa process: the safe static reply is sent here, also while the action server is down – which is
when it matters. The catalogue is watched here too (the same file the action server reads).
"""
from __future__ import annotations

import logging
import os
import threading
from typing import Any, Dict, Iterator

from prometheus_client import REGISTRY, Counter, Histogram, start_http_server
from prometheus_client.core import CounterMetricFamily

from bot import catalogue_store
from rasa_wing import compat

logger = logging.getLogger(__name__)

HOST = "127.0.0.1"  # loopback only, whatever else is configured
PORT_ENV = "STODLOTSEN_METRICS_PORT"
DEFAULT_PORT = 9540
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

MESSAGES = Counter("stodlotsen_messages", "Meddelanden som kanalerna tog emot", ["channel"])
REPLY_SECONDS = Histogram("stodlotsen_reply_seconds", "Tid från meddelande till svar", ["channel"],
                          buckets=LATENCY_BUCKETS)
ERRORS = Counter("stodlotsen_errors", "Meddelanden som Rasa inte kunde hantera (handler) eller inte hann svara på (timeout)",
                 ["where"])
STATIC_REPLIES = Counter("stodlotsen_static_replies", "Inbyggda nödsvar som skickades", ["reason"])
RATE_LIMITED = Counter("stodlotsen_rate_limited", "Meddelanden över gränsen per samtal")
ACTION_FAILURES = Counter("stodlotsen_action_server_failures", "Anrop till action-servern som misslyckades")
CRISIS = Counter("stodlotsen_crisis_messages", "Meddelanden som krisomröstningen besvarade som kris, per slag", ["kind"])
SEMANTIC_SECONDS = Histogram("stodlotsen_semantic_seconds", "Den semantiska grannens tid per meddelande",
                             buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0))
STATIC_REASONS = ("timeout", "error", "no_reply")
for _reason in STATIC_REASONS:
    STATIC_REPLIES.labels(_reason)  # shown as 0 from the start, so an alert on "above zero" has a series
for _where in ("handler", "timeout"):
    ERRORS.labels(_where)

_state: Dict[str, Any] = {"server": None, "port": None}
_lock = threading.Lock()


class _CatalogueCollector:
    """The catalogue store's own counts (plain numbers in the domain) as Prometheus counters."""

    def collect(self) -> Iterator[CounterMetricFamily]:
        seen = catalogue_store.reload_counts()
        yield CounterMetricFamily("stodlotsen_catalogue_reloads", "Katalogen inläst på nytt efter en ändring",
                                  value=seen["reloads"])
        yield CounterMetricFamily("stodlotsen_catalogue_reload_errors", "Ändringar i katalogen som inte kunde användas",
                                  value=seen["errors"])


REGISTRY.register(_CatalogueCollector())


def crisis(parse_data: Dict[str, Any]) -> None:
    """Count a message the crisis vote answered as a crisis (its final parse data)."""
    kind = (parse_data.get("crisis") or {}).get("kind")
    if isinstance(kind, str) and kind:
        CRISIS.labels(kind).inc()


def port() -> int:
    """The metrics port from `STODLOTSEN_METRICS_PORT` (0 = off)."""
    raw = os.environ.get(PORT_ENV, "").strip()
    try:
        value = int(raw) if raw else DEFAULT_PORT
    except ValueError:
        logger.error("%s måste vara ett portnummer, inte %r; mätvärdena är avstängda.", PORT_ENV, raw)
        return 0
    return value if 0 <= value < 65536 else 0


def serve(on: int | None = None) -> int | None:
    """Start `/metrics` on 127.0.0.1 (once per process); the port, or None when off or taken."""
    wanted = port() if on is None else on
    with _lock:
        if _state["server"] is not None:
            return _state["port"]
        if not wanted:
            return None
        try:
            server, _thread = start_http_server(wanted, addr=HOST)
        except OSError as e:
            logger.error("Mätvärdena (/metrics) kunde inte starta på %s:%d (%s); boten svarar ändå.", HOST, wanted,
                         type(e).__name__)
            return None
        _state["server"], _state["port"] = server, server.server_address[1]
    logger.info("Mätvärden för drift: http://%s:%d/metrics", HOST, _state["port"])
    return _state["port"]


def _count_action_failures() -> None:
    """Count failed action calls: RemoteAction.run raises when the action server is down, slow or erroring."""
    from rasa.core.actions.action import RemoteAction

    target = compat.Target(RemoteAction, "run", ("self", "output_channel", "nlg", "tracker", "domain"))
    reason = compat.untested_version("rasa") or target.problem()
    if reason:
        compat.refuse("Räkningen av misslyckade anrop till action-servern (/metrics)", reason)
        return
    if getattr(RemoteAction.run, "_stodlotsen_counted", False):
        return
    original = RemoteAction.run

    async def run(self, output_channel, nlg, tracker, domain):  # noqa: ANN001, ANN202 - Rasa's signature
        try:
            return await original(self, output_channel, nlg, tracker, domain)
        except Exception:
            ACTION_FAILURES.inc()
            raise

    run._stodlotsen_counted = True  # type: ignore[attr-defined]
    RemoteAction.run = run


def install() -> int | None:
    """For `python -m rasa_wing.serve`: count failed action calls, watch the catalogue, serve `/metrics`."""
    _count_action_failures()
    try:
        catalogue_store.watch()
    except Exception as e:  # noqa: BLE001 - the channels say loudly when the catalogue cannot be read
        logger.error("Katalogen kunde inte bevakas för mätvärdena (%s).", type(e).__name__)
    return serve()
