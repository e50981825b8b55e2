"""Run Rasa's own command line with Stödlotsen's hot-path fixes installed.

`python -m rasa_wing.serve run --model … --endpoints …` is exactly `rasa run …`, plus
`rasa_wing.speedups.install()` first. `make run`, the tests and the benchmark use it.
With `STODLOTSEN_SPEEDUPS=0` every patch of Rasa's internals refuses (rasa_wing/compat.py):
stock Rasa with our components, the benchmark's comparison.

Installed whatever `STODLOTSEN_SPEEDUPS` says: `rasa_wing.log_guard` (no message text in the log),
`rasa_wing.hardening` (no version banner, CORS only for the widget, umask 077), `rasa_wing.retry_guard`
(a message the proxy sends again is handled once) and `rasa_wing.tracker_store.fail_loudly` (the safe
static reply, not an empty conversation, when the database does not answer), and Sanic's
`REQUEST_MAX_SIZE` (`SANIC_REQUEST_MAX_SIZE`, default `REQUEST_MAX_SIZE`).

`rasa_wing.semantic_hook` (the semantic neighbour of the crisis vote in a worker thread, off the
event loop) is installed like the speedups, through rasa_wing/compat.py.

`rasa_wing.metrics` serves the operations metrics on 127.0.0.1:`STODLOTSEN_METRICS_PORT` (default 9540, 0 = off).
"""
from __future__ import annotations

import os
import sys

# Sanic reads a request body up to REQUEST_MAX_SIZE (100 MB by default) before any channel can refuse it; the
# channels take 2 MB at most (rasa_wing/channels/inbound.py), so Sanic refuses more (413) before reading it.
REQUEST_MAX_SIZE = 2_100_000


def main() -> None:
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    os.environ.setdefault("SANIC_REQUEST_MAX_SIZE", str(REQUEST_MAX_SIZE))
    from rasa_wing import hardening, log_guard, metrics, retry_guard, semantic_hook, speedups, tracker_store

    log_guard.install()
    hardening.install()
    retry_guard.install()
    tracker_store.fail_loudly()
    speedups.install()
    semantic_hook.install()
    metrics.install()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
