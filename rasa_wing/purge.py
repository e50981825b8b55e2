"""`make purge`: delete stored conversations older than the retention time, now.

    python -m rasa_wing.purge [--endpoints endpoints.yml]

Reads the tracker store from endpoints.yml (SQLite or PostgreSQL) exactly as Rasa does.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
import warnings

STORE_TYPE = "rasa_wing.tracker_store.PrivateSQLTrackerStore"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m rasa_wing.purge", description="Radera samtal äldre än lagringstiden.")
    ap.add_argument("--endpoints", default=os.environ.get("ENDPOINTS", "endpoints.yml"), help="standard: endpoints.yml")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    warnings.filterwarnings("ignore")  # library deprecation noise; errors still stop with a message
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

    from rasa.utils.endpoints import read_endpoint_config

    from rasa_wing.tracker_store import PrivateSQLTrackerStore

    if not os.path.exists(args.endpoints):
        print(f"Hittar inte {args.endpoints}.", file=sys.stderr)
        return 2
    cfg = read_endpoint_config(args.endpoints, "tracker_store")
    if cfg is None or cfg.type != STORE_TYPE:
        print(f"{args.endpoints}: tracker_store måste ha type: {STORE_TYPE} för att gallras.", file=sys.stderr)
        return 2
    try:
        store = PrivateSQLTrackerStore(host=cfg.url, **{**cfg.kwargs, "writer_process": False})  # stores nothing
    except ValueError as e:
        print(e, file=sys.stderr)
        return 2
    events, conversations = store.last_purge
    store.close()
    print(f"Gallring klar: {conversations} samtal ({events} händelser) äldre än {store.retention_days} dagar raderades.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
