"""The per-sender rate limit, shared by every Rasa instance through Redis (`make cluster`).

`sender_rate(per_second, burst)` is what the channels use: with `STODLOTSEN_REDIS_URL` set (e.g.
`redis://127.0.0.1:6379/0`) a `SharedSenderRate`, else the in-memory `SenderRate` of one process.
Behind a load balancer the turns of one sender land on any instance, so an allowance kept in
each instance's memory would let a script send N times as fast with N instances.

`SharedSenderRate` keeps the same token bucket (`burst` at once, then `per_second`) in one Redis
hash per sender, changed by one Lua script (atomic, Redis's own clock, so the instances'
clocks do not matter) and dropped by Redis when the bucket would be full again. The key is the
sender's pseudonymous id (`bot.storage.hash_sender`), never the id the channel sent.

When Redis does not answer (within `TIMEOUT` s), the instance's own in-memory `SenderRate`
decides instead, so the limit still holds per instance and nobody is refused for our failure;
the log says so at most once a minute. No Rasa imports here.
"""
from __future__ import annotations

import logging
import os
import time

import redis

from bot import storage
from rasa_wing.channels.inbound import SenderRate

logger = logging.getLogger(__name__)

URL_ENV = "STODLOTSEN_REDIS_URL"
KEY_PREFIX = "stodlotsen:takt:"
TIMEOUT = 0.5
_QUIET_SECONDS = 60.0
# KEYS[1]: the bucket; ARGV: burst, per second. Returns 1 when the message is allowed.
_TAKE = """
local now = redis.call('TIME')
now = tonumber(now[1]) + tonumber(now[2]) / 1000000
local burst, rate = tonumber(ARGV[1]), tonumber(ARGV[2])
local stored = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(stored[1]) or burst
local at = tonumber(stored[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate * 1000) + 1000)
return allowed
"""


class SharedSenderRate:
    """`SenderRate` kept in Redis for every instance; the instance's own when Redis is away."""

    def __init__(self, url: str, per_second: float = 2.0, burst: int = 10, key: bytes | None = None) -> None:
        self.per_second, self.burst = float(per_second), int(burst)
        self.local = SenderRate(per_second, burst)
        self._key = key if key is not None else storage.load_key()
        self._redis = redis.Redis.from_url(url, socket_timeout=TIMEOUT, socket_connect_timeout=TIMEOUT)
        self._take = self._redis.register_script(_TAKE)
        self._complained = -_QUIET_SECONDS

    def knows(self, sender: str) -> bool:
        """Whether *sender* wrote recently, to this instance or (while its allowance is not full again) to another."""
        if self.local.knows(sender):
            return True
        try:
            return bool(self._redis.exists(KEY_PREFIX + storage.hash_sender(sender, self._key)))
        except redis.RedisError:
            return False

    def allow(self, sender: str) -> bool:
        """Take one message from *sender*'s allowance, shared by every instance; False when used up."""
        here = self.local.allow(sender)  # this instance remembers the sender too (`knows`), and decides when Redis is away
        try:
            return bool(self._take(keys=[KEY_PREFIX + storage.hash_sender(sender, self._key)],
                                   args=[self.burst, self.per_second]))
        except redis.RedisError as e:
            now = time.monotonic()
            if now - self._complained >= _QUIET_SECONDS:
                logger.warning("Redis svarar inte (%s): takten per avsändare räknas i den här instansen tills vidare.",
                               type(e).__name__)
                self._complained = now
            return here


def sender_rate(per_second: float = 2.0, burst: int = 10) -> SenderRate | SharedSenderRate:
    """The channels' per-sender rate limit: shared through Redis when `STODLOTSEN_REDIS_URL` is set."""
    url = os.environ.get(URL_ENV, "").strip()
    return SharedSenderRate(url, per_second, burst) if url else SenderRate(per_second, burst)
