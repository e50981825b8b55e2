"""Checking what a chat client posts to the REST webhook, before Rasa sees it.

`parse_rest_body(body)` turns the raw request body into an `Inbound` message or a `Rejected`
with a short Swedish error for the client (HTTP 400/413). It never echoes the input and never
raises. Text is cleaned rather than refused where a person may simply have pasted something
odd: control characters (null bytes included) and lone surrogates are removed, and a very long
message is cut to `MAX_CHARS` (its beginning and its end are kept – what matters most is often
said last). A message that starts with "/" reaches Rasa unchanged only when it is a payload of a
button the bot offers (`bot.payloads`); any other loses the slashes. `metadata` may hold a few kB
(`MAX_METADATA_BYTES`), of which only the municipality is kept (`channel_metadata`: `kommun` or
`municipality`, as a catalogue id), and `input_channel` only a channel name this bot has. No Rasa imports here.
"""
from __future__ import annotations

import json
import re
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Dict

from bot import catalogue_store, municipality, payloads
from rasa_wing.event_scrub import CHANNELS

MAX_CHARS = 5000  # what the classifier and the crisis rules see at most
MAX_BODY_BYTES = 2_000_000  # larger requests are refused (413) before parsing
MAX_SENDER_CHARS = 255  # the tracker store keys conversations on at most 255 characters
MAX_METADATA_DEPTH = 8
MAX_METADATA_BYTES = 4096  # the widget sends {"kommun": "…"}; a few kB is plenty
_JOIN = " ... "  # ASCII: the stored text is normalised (NFKC makes "…" three dots), and stays at most MAX_CHARS
# C0/C1 control characters except tab, newline and carriage return; lone UTF-16 surrogates.
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


@dataclass(frozen=True)
class Inbound:
    sender: str
    text: str
    metadata: Dict[str, Any] | None
    input_channel: str | None
    truncated: bool = False


@dataclass(frozen=True)
class Rejected:
    status: int
    error: str  # Swedish, for the developer of the chat client; never contains the input


def clean(text: str) -> str:
    """*text* without control characters and lone surrogates."""
    return _UNSAFE.sub("", text)


def shorten(text: str, limit: int = MAX_CHARS) -> str:
    """*text* cut to at most *limit* characters, keeping its beginning and its end."""
    if len(text) <= limit:
        return text
    head = (limit - len(_JOIN)) // 2
    tail = limit - len(_JOIN) - head
    return text[:head] + _JOIN + text[-tail:]


def message_text(raw: str) -> tuple[str, bool]:
    """What Rasa gets of a message the person wrote (any channel): cleaned, a "/" only for an
    offered button payload, cut to `MAX_CHARS`; and whether it was cut."""
    text = payloads.as_text(clean(raw))
    short = shorten(text)
    return short, short != text


def _clean_value(value: Any, depth: int = 0) -> Any:
    if depth > MAX_METADATA_DEPTH:
        raise ValueError("too deep")
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {clean(str(k)): _clean_value(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean_value(v, depth + 1) for v in value]
    return value


def channel_metadata(metadata: Any) -> Dict[str, str] | None:
    """The only metadata the channels define: the municipality (`kommun` from the widget, or `municipality`), as
    the catalogue id it names; anything else a client sends is dropped, not stored."""
    if not isinstance(metadata, dict):
        return None
    for key in municipality.METADATA_KEYS:
        value = metadata.get(key)
        if isinstance(value, str) and value.strip() and len(value) <= 64:
            try:
                found = municipality.resolve(catalogue_store.current(), metadata={key: value}, default="")
            except Exception:  # noqa: BLE001 - no catalogue: no municipality from the channel
                found = None
            if found:
                return {key: found}
    return None


def parse_rest_body(body: bytes | None) -> Inbound | Rejected:
    """Validate a REST webhook body: `{"sender": str, "message": str, "metadata"?: object}`."""
    if body is not None and len(body) > MAX_BODY_BYTES:
        return Rejected(413, "Meddelandet är för stort.")
    try:
        data = json.loads(body or b"")
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        return Rejected(400, "Meddelandet måste vara JSON.")
    if not isinstance(data, dict):
        return Rejected(400, 'Meddelandet måste vara ett JSON-objekt med "sender" och "message".')

    sender = data.get("sender")
    if isinstance(sender, int) and not isinstance(sender, bool):
        sender = str(sender)
    if not isinstance(sender, str) or not clean(sender).strip():
        return Rejected(400, '"sender" saknas eller är inte en text.')
    sender = clean(sender).strip()
    if len(sender) > MAX_SENDER_CHARS:
        return Rejected(400, f'"sender" får vara högst {MAX_SENDER_CHARS} tecken.')

    message = data.get("message")
    if not isinstance(message, str):
        return Rejected(400, '"message" saknas eller är inte en text.')

    metadata = data.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        return Rejected(400, '"metadata" måste vara ett JSON-objekt.')
    try:
        metadata = _clean_value(metadata)
    except (ValueError, RecursionError):
        return Rejected(400, '"metadata" är för djupt nästlad.')
    if metadata and len(json.dumps(metadata)) > MAX_METADATA_BYTES:
        return Rejected(413, f'"metadata" är för stort (högst {MAX_METADATA_BYTES // 1024} kB).')

    channel = data.get("input_channel")
    channel = channel if isinstance(channel, str) and channel in CHANNELS else None
    text, truncated = message_text(message)
    return Inbound(sender=sender, text=text, metadata=channel_metadata(metadata), input_channel=channel,
                   truncated=truncated)


def is_json(content_type: str | None) -> bool:
    """Whether a Content-Type header says JSON. A page on another site can post text/plain (or a
    form) to us without asking first; only JSON needs the CORS preflight that our origins list guards."""
    return (content_type or "").split(";", 1)[0].strip().lower() == "application/json"


class SenderRate:
    """A per-sender rate limit (token bucket): `burst` messages at once, then `per_second`.

    A person waits for the answer and reads it before writing again; a sender that goes faster
    is a script. The senders seen last are kept (at most `senders`), so memory stays bounded."""

    def __init__(self, per_second: float = 2.0, burst: int = 10, senders: int = 100_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.per_second, self.burst, self.senders, self._clock = float(per_second), int(burst), int(senders), clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def knows(self, sender: str) -> bool:
        """Whether *sender* wrote recently (is among the senders kept)."""
        return sender in self._buckets

    def allow(self, sender: str) -> bool:
        """Take one message from *sender*'s allowance; False when it is used up."""
        now = self._clock()
        tokens, then = self._buckets.pop(sender, (self.burst, now))
        tokens = min(self.burst, tokens + (now - then) * self.per_second)
        allowed = tokens >= 1.0
        self._buckets[sender] = (tokens - 1.0 if allowed else tokens, now)
        if len(self._buckets) > self.senders:
            self._buckets.popitem(last=False)
        return allowed
