"""Run Rasa's own command line with Stödlotsen's hot-path fixes installed.

`python -m bot.adapters.serve run --model … --endpoints …` is exactly `rasa run …`, plus
`bot.adapters.speedups.install()` first. `make run`, the tests and the benchmark use it.
`STODLOTSEN_SPEEDUPS=0` runs stock Rasa instead (the benchmark's comparison; also a way to rule the
fixes out when something looks wrong).
"""
from __future__ import annotations

import os
import sys

SPEEDUPS_ENV = "STODLOTSEN_SPEEDUPS"


def speedups_wanted(environ: dict | None = None) -> bool:
    value = (environ if environ is not None else os.environ).get(SPEEDUPS_ENV, "1")
    return value.strip().lower() not in ("0", "false", "no", "off", "nej")


def main() -> None:
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    if speedups_wanted():
        from bot.adapters import speedups

        speedups.install()
    else:
        print(f"{SPEEDUPS_ENV}=0: Rasa körs utan Stödlotsens snabbare kodvägar (bot/adapters/speedups.py).", file=sys.stderr)
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
