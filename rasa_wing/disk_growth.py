"""How much the conversation store grew in the last hour, and a cap on it (no Rasa imports).

The tracker store reports the bytes of every turn it stores (`GROWTH.add`); the channels ask `GROWTH.over()`
before they let a new conversation in. Over the cap (`max_growth_mb_per_hour` in endpoints.yml, or
`STODLOTSEN_MAX_GROWTH_MB_PER_HOUR`; default 200 MB, 0 = no cap) a new conversation gets the safe static reply
(112 and Bris) and is not stored, conversations already going on are stored as before, and the log gets one
alert line (at most one every ten minutes while it lasts):

    LARM: samtalsdatabasen har vuxit med 201 MB den senaste timmen (gräns 200 MB). Nya samtal får det inbyggda
    nödsvaret och sparas inte …

A person writes a few kB an hour; hundreds of MB an hour is a flood (issue 27: 99 MB in 77 s).
"""
from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from typing import Callable

logger = logging.getLogger(__name__)

ENV_CAP = "STODLOTSEN_MAX_GROWTH_MB_PER_HOUR"
DEFAULT_CAP_MB = 200.0
WINDOW_S = 3600.0
SLOT_S = 60.0  # bytes are summed per minute
ALERT_EVERY_S = 600.0
MB = 1_000_000


def cap_mb(configured: object = None) -> float:
    raw = os.environ.get(ENV_CAP) or configured
    if raw in (None, ""):
        return DEFAULT_CAP_MB
    try:
        value = float(str(raw))
    except ValueError:
        raise ValueError(f"{ENV_CAP}/max_growth_mb_per_hour måste vara ett tal (MB per timme), inte {raw!r}.") from None
    if value < 0:
        raise ValueError(f"{ENV_CAP}/max_growth_mb_per_hour får inte vara negativt ({value}).")
    return value


class DiskGrowth:
    """Bytes stored per minute over the last hour; `over()` when their sum passes the cap."""

    def __init__(self, cap_mb: float = DEFAULT_CAP_MB, clock: Callable[[], float] = time.monotonic) -> None:
        self.cap_bytes = cap_mb * MB
        self._clock = clock
        self._slots: deque = deque()  # (minute, bytes)
        self._last_alert = -ALERT_EVERY_S
        self._lock = threading.Lock()

    def configure(self, cap_mb: float) -> None:
        self.cap_bytes = cap_mb * MB

    def add(self, nbytes: int) -> None:
        minute = int(self._clock() // SLOT_S)
        with self._lock:
            if self._slots and self._slots[-1][0] == minute:
                self._slots[-1] = (minute, self._slots[-1][1] + nbytes)
            else:
                self._slots.append((minute, nbytes))
        if self.over():
            self._alert()

    def last_hour(self) -> int:
        oldest = int((self._clock() - WINDOW_S) // SLOT_S)
        with self._lock:
            while self._slots and self._slots[0][0] <= oldest:
                self._slots.popleft()
            return sum(b for _, b in self._slots)

    def over(self) -> bool:
        return self.cap_bytes > 0 and self.last_hour() > self.cap_bytes

    def _alert(self) -> None:
        now = self._clock()
        if now - self._last_alert < ALERT_EVERY_S:
            return
        self._last_alert = now
        logger.error("LARM: samtalsdatabasen har vuxit med %d MB den senaste timmen (gräns %d MB). Nya samtal får det "
                     "inbyggda nödsvaret och sparas inte förrän tillväxten är under gränsen; pågående samtal sparas. "
                     "Kontrollera trafiken (docs/drift.md, \"Skydd mot missbruk\").",
                     self.last_hour() // MB, self.cap_bytes // MB)


#: The Rasa process's one meter: the tracker store adds to it, the channels ask it.
GROWTH = DiskGrowth()
