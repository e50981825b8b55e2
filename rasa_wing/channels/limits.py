"""Limits per client, per sender and for the whole bot, shared by the REST and Messenger channels (no Rasa).

`Limits.refusal(client, sender, text)` says whether a message may reach Rasa, or gives the reply it gets instead
(never passed to Rasa, never stored). In this order:

1. **Per client** (`client_rate_per_second`, default 5, after `client_burst`, default 40): the address a request
   comes from (`rasa_wing.client_address`; behind the proxy the address it passes on; none, and no per-client
   budget, when a trusted proxy passes none on, e.g. tools on loopback). Many senders from one
   client share this budget: 10 700 made-up conversation ids from one machine no longer get 10 700 answers.
   Over it: the short "wait a moment" reply with 112 and Bris (and 90101 for a crisis). Messenger is exempt (every
   call is signed and comes from Meta's servers); a school where many write behind one address still has room
   for five messages a second.
2. **New conversations**, a sender the channel has not seen recently: per client (`client_new_per_second`,
   default 0.5, after `client_new_burst`, default 30: a class that starts together still gets in), for the whole
   bot (`new_per_second`, default 20, after `new_burst`, default 200; one count for every channel together,
   `WHOLE_BOT`, with the REST channel's settings), and the store's growth cap
   (`rasa_wing.disk_growth`). Over any: the safe static reply (112 and Bris; 90101 for a crisis), not stored.
   A new conversation costs Rasa several times a later message (a session, a tracker, a first write).
3. **Per sender** (`rate_per_second`, default 2, after `rate_burst`, default 10): as before.

Each refusal kind writes at most one log line a minute, with a count and never an address or a sender.
"""
from __future__ import annotations

import logging
import time
from typing import Any, Callable, Dict, List

from bot import fallback
from rasa_wing import disk_growth
from rasa_wing.channels.inbound import SenderRate
from rasa_wing.channels.shared_rate import SharedSenderRate, sender_rate
from rasa_wing.client_address import MESSENGER

logger = logging.getLogger(__name__)

SETTINGS = ("rate_per_second", "rate_burst", "client_rate_per_second", "client_burst", "client_new_per_second",
            "client_new_burst", "new_per_second", "new_burst")


class RateLimitedLog:
    """A warning at most once per *every* seconds, saying how many times it happened since the last line."""

    def __init__(self, message: str, every: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.message, self.every, self._clock = message, every, clock
        self._last, self._count = -every, 0

    def __call__(self) -> None:
        self._count += 1
        now = self._clock()
        if now - self._last >= self.every:
            logger.warning(self.message, self._count)
            self._last, self._count = now, 0


#: New conversations in the whole Rasa process, every channel together (`Limits.from_credentials` sets the REST
#: channel's `new_per_second` and `new_burst` on it; the Messenger channel counts against it too).
NEW_PER_SECOND, NEW_BURST = 20.0, 200
#: Each sender's own allowance, unless credentials.yml says otherwise.
RATE_PER_SECOND, RATE_BURST = 2.0, 10
WHOLE_BOT = SenderRate(NEW_PER_SECOND, NEW_BURST, senders=1)


class Limits:
    def __init__(self, rate_per_second: float = RATE_PER_SECOND, rate_burst: int = RATE_BURST,
                 client_rate_per_second: float = 5.0, client_burst: int = 40, client_new_per_second: float = 0.5,
                 client_new_burst: int = 30,
                 new_per_second: float = NEW_PER_SECOND, new_burst: int = NEW_BURST,
                 growth: disk_growth.DiskGrowth | None = None, clock: Callable[[], float] = time.monotonic,
                 new: SenderRate | None = None, senders: SenderRate | SharedSenderRate | None = None) -> None:
        """*new*: the count of new conversations to share (`WHOLE_BOT` in the channels); else one of its own.
        *senders*: the per-sender allowance (`shared_rate.sender_rate`: in Redis for a cluster); else one of its own."""
        self.senders = senders if senders is not None else SenderRate(rate_per_second, rate_burst, clock=clock)
        self.clients = SenderRate(client_rate_per_second, client_burst, senders=50_000, clock=clock)
        self.client_new = SenderRate(client_new_per_second, client_new_burst, senders=50_000, clock=clock)
        self.new = new if new is not None else SenderRate(new_per_second, new_burst, senders=1, clock=clock)
        self.growth = growth or disk_growth.GROWTH
        self._logs = {
            "client": RateLimitedLog("Begränsning per klient: %d meddelanden fick vänta-svaret (klienten skickade för många)."),
            "client_new": RateLimitedLog("Begränsning per klient: %d nya samtal fick det inbyggda nödsvaret."),
            "new": RateLimitedLog("Begränsning av nya samtal: %d nya samtal fick det inbyggda nödsvaret (för många på en gång)."),
            "disk": RateLimitedLog("Databasens tillväxtgräns: %d nya samtal fick det inbyggda nödsvaret och sparades inte."),
        }

    @classmethod
    def from_credentials(cls, credentials: Dict[str, Any] | None) -> Limits:
        """The REST channel's limits; its `new_per_second` and `new_burst` are set on `WHOLE_BOT`, which it uses."""
        credentials = credentials or {}
        settings = {k: float(credentials[k]) if "second" in k else int(credentials[k])
                    for k in SETTINGS if credentials.get(k) is not None}
        WHOLE_BOT.per_second = float(settings.pop("new_per_second", NEW_PER_SECOND))
        WHOLE_BOT.burst = int(settings.pop("new_burst", NEW_BURST))
        rate = sender_rate(float(settings.pop("rate_per_second", RATE_PER_SECOND)), int(settings.pop("rate_burst", RATE_BURST)))
        return cls(**settings, new=WHOLE_BOT, senders=rate)

    def refusal(self, client: str | None, sender: str, text: str | None) -> List[Dict[str, Any]] | None:
        """None when the message may go to Rasa; else the messages to answer with instead."""
        if client is not None and client != MESSENGER and not self.clients.allow(client):
            self._logs["client"]()
            return fallback.too_fast_reply(text)
        if not self.senders.knows(sender):
            if client is not None and client != MESSENGER and not self.client_new.allow(client):
                self._logs["client_new"]()
                return fallback.static_reply(text)
            if self.growth.over():
                self._logs["disk"]()
                return fallback.static_reply(text)
            if not self.new.allow("*"):
                self._logs["new"]()
                return fallback.static_reply(text)
        if not self.senders.allow(sender):
            return fallback.too_fast_reply(text)
        return None
