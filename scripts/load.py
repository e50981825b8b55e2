#!/usr/bin/env python
"""`make load`: 200 concurrent conversations × 10 messages against the REST webhook.

Uses the bot on localhost:5005 when one answers there; otherwise starts the bot on free
loopback ports (tests/botserver.py), runs the load and stops what it started. `--start` always
starts a fresh bot. Other options are passed on to `python -m tools.load` (see --help there).
Exits non-zero when a message was lost or answered with an error.
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.botserver import BotServer, answers  # noqa: E402
from tools import load  # noqa: E402

LOCAL = "http://localhost:5005"


def main(argv: list[str]) -> int:
    fresh = "--start" in argv
    argv = [a for a in argv if a != "--start"]
    if "--url" in argv or (not fresh and answers(LOCAL + "/")):
        if "--url" not in argv:
            print(f"Använder boten som svarar på {LOCAL}")
            argv += ["--url", LOCAL + "/webhooks/rest/webhook"]
        return load.main(argv)
    with tempfile.TemporaryDirectory(prefix="stodlotsen-load-") as workdir:
        print("Startar boten på lediga portar för lasttestet …", flush=True)
        server = BotServer(Path(workdir)).start()
        try:
            return load.main(argv + ["--url", server.url])
        finally:
            server.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
