"""The client address: who sent the message being handled, one value for the whole wing (no Rasa imports).

The channels set it for each message (`handling(address)`), around the task Rasa handles the message in, so it
follows the message through every task Rasa starts for it (a context variable, like `rasa_wing.log_guard`). Any
part of the wing that budgets work per client reads it with `current()`: the channels' per-client budget
(`rasa_wing/channels/limits.py`) and the crisis reader's budget (issue 22) count the same clients.

What the address is:
- REST: the TCP peer; when the peer is a trusted proxy (`STODLOTSEN_TRUSTED_PROXIES`, addresses or networks,
  space- or comma-separated; default the loopback addresses, where the reverse proxy of docs/drift.md runs),
  the address the proxy passes on in `X-Forwarded-For` (the right-most one that is not itself a trusted proxy).
  A client that is not a trusted proxy cannot choose its address by sending the header. `STODLOTSEN_TRUSTED_PROXIES=""`
  trusts no proxy. A trusted proxy that passes no address on gives None: everyone behind a proxy that is not set
  up to forward the address (docs/drift.md) is not counted as one client (the proxy's own `limit_req` still
  counts them); so are tools talking to the bot on loopback (tests, `make load`, `make bench`), directly or
  through the proxy (every address in the header a trusted one: `make cluster-load`, the cluster's drills).
- Messenger: `MESSENGER` (every call comes from Meta and is signed; Meta's servers are one client).
- None outside a channel (tests, `rasa shell`).

Never logged and never stored: it only counts.
"""
from __future__ import annotations

import contextvars
import ipaddress
import os
from functools import lru_cache
from typing import Any

from rasa_wing import log_guard

ENV_TRUSTED = "STODLOTSEN_TRUSTED_PROXIES"
DEFAULT_TRUSTED = "127.0.0.1 ::1"
FORWARDED_HEADER = "X-Forwarded-For"
MESSENGER = "messenger"

CLIENT_ADDRESS: contextvars.ContextVar[str | None] = contextvars.ContextVar("stodlotsen_client_address", default=None)


def handling(address: str | None) -> Any:
    """While this is open (and in every task started inside it) `current()` is *address*."""
    return log_guard.scoped(CLIENT_ADDRESS, address)


def current() -> str | None:
    """The address of the client whose message is being handled; None outside a channel."""
    return CLIENT_ADDRESS.get()


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def trusted_proxies(setting: str | None = None) -> tuple[Network, ...]:
    """The networks whose `X-Forwarded-For` is believed: *setting*, else `STODLOTSEN_TRUSTED_PROXIES`, else loopback.
    An entry that is no address or network is an error (a typo must not silently trust nobody or everybody)."""
    raw = os.environ.get(ENV_TRUSTED, DEFAULT_TRUSTED) if setting is None else setting
    networks = []
    for entry in raw.replace(",", " ").split():
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(f"{ENV_TRUSTED}: {entry!r} är ingen IP-adress eller nät (t.ex. 127.0.0.1 eller 10.0.0.0/8).") \
                from None
    return tuple(networks)


def _trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip().strip("[]"))
    except ValueError:
        return False
    return any(ip in n for n in networks)


def of_request(peer: str | None, forwarded_for: str | None, networks: tuple[Network, ...] | None = None) -> str | None:
    """The client address of a request from *peer* with the header *forwarded_for* (see the module docstring)."""
    networks = trusted_proxies() if networks is None else networks
    address = (peer or "").strip() or "okänd"
    if not _trusted(address, networks):
        return address
    hops = [h.strip() for h in (forwarded_for or "").split(",")[-20:] if h.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, networks):
            return hop[:64]
    return None  # no address passed on, or every hop a trusted proxy or this machine itself: no client to count
