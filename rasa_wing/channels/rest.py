"""The REST channel, made safe: a reply for every message, even when a part of the bot fails.

`SafeRestInput` replaces Rasa's `rest` channel in credentials.yml (`rasa_wing.channels.rest.SafeRestInput:`)
and serves the same URL, `POST /webhooks/rest/webhook`, with the same contract: a JSON list of
`{"recipient_id", "text", "buttons"?}` messages. What it adds:

* The body is checked first (`rasa_wing.channels.inbound`): invalid JSON, a missing or wrongly typed `sender`
  or `message` get HTTP 400 with a short Swedish error and no echo of the input. Null bytes and
  other control characters are removed; a very long message is cut to 5 000 characters.
* Rasa handles the message under a time limit (`STODLOTSEN_REPLY_TIMEOUT`, default 10 s). When
  it fails, times out or produces no message at all – the action server is down or slow – the
  client gets `bot.fallback.static_reply`: 112 and Mind Självmordslinjen for a crisis, Bris,
  114 14 and 112 otherwise. Rasa keeps working on the message in the background (shielded), so
  the conversation stays consistent, and every new message tries the action server again: the
  bot recovers by itself when the action server is back.
* Rasa waits up to five minutes for the action server (`DEFAULT_REQUEST_TIMEOUT`, hard-coded
  in RemoteAction.run); the channel lowers that module constant to `STODLOTSEN_ACTION_TIMEOUT`
  (default 8 s) so that a hanging action server does not hold a conversation for minutes.
  Rasa 3.6 offers no setting for it (EndpointConfig passes no timeout of its own). On a Rasa other
  than the tested one the constant is left alone (one log line, rasa_wing/compat.py); the reply
  time limit above still holds.
* Nothing the user wrote is logged (Rasa's own channel logs the text on errors; `rasa_wing.log_guard`
  keeps the text of the message being handled out of every log line).
* The body must be JSON (`Content-Type: application/json`, else HTTP 415): a page on another site can
  send a text/plain POST without the CORS check.
* Limits per client address, for new conversations and per sender (`rasa_wing.channels.limits`; the
  settings `client_rate_per_second`, `client_burst`, `client_new_per_second`, `client_new_burst`,
  `new_per_second`, `new_burst`, `rate_per_second`, `rate_burst`). A message beyond them gets
  `bot.fallback.too_fast_reply` or the safe static reply (112 and the right line for a crisis) and never
  reaches Rasa, so it is not stored. With several instances the per-sender allowance is
  kept in Redis (`STODLOTSEN_REDIS_URL`, rasa_wing/channels/shared_rate.py). The client address
  (`rasa_wing.client_address`: the peer, or behind a trusted proxy the address it passes on) is set for
  everything Rasa does for the message.

* A message the proxy sends again after its instance died is answered from what was stored, not
  handled twice: the proxy's `X-Request-Id` becomes the message's id (rasa_wing/retry_guard.py).

`?stream=true` is supported: the same messages, one JSON document per line.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from typing import Any, Awaitable, Callable, Dict, List

import rasa.core.actions.action as rasa_action
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.utils.endpoints import bool_arg
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import fallback
from rasa_wing import client_address, compat, log_guard, metrics, retry_guard
from rasa_wing.channels.inbound import Inbound, Rejected, is_json, parse_rest_body
from rasa_wing.channels.limits import SETTINGS, Limits

logger = logging.getLogger(__name__)

DEFAULT_REPLY_TIMEOUT = 10.0
DEFAULT_ACTION_TIMEOUT = 8.0
# The action time limit relies on this, as in Rasa 3.6.21: RemoteAction.run reads the module constant
# on every call and passes it to the request.
ACTION_TIMEOUT_TARGETS = (
    compat.Target(rasa_action, "DEFAULT_REQUEST_TIMEOUT", kind=(int, float)),
    compat.Target(rasa_action.RemoteAction, "run", ("self", "output_channel", "nlg", "tracker", "domain")),
)


def _seconds(value: Any, env: str, default: float) -> float:
    raw = value if value is not None else os.environ.get(env)
    try:
        seconds = float(raw) if raw not in (None, "") else default
    except (TypeError, ValueError):
        logger.error("Ogiltigt värde för %s: %r; använder %s s", env, raw, default)
        return default
    return seconds if seconds > 0 else default


def _forget(task: asyncio.Future) -> None:
    """Collect a background task's exception so asyncio does not warn about it."""
    if not task.cancelled() and task.exception() is not None:
        logger.error("Meddelandet kunde inte hanteras färdigt: %s", type(task.exception()).__name__)


class SafeRestInput(RestInput):
    """Rasa's REST channel with input checks, a time limit and a safe static reply."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def __init__(self, reply_timeout: float | None = None, action_timeout: float | None = None,
                 limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        client_address.trusted_proxies()  # a wrong STODLOTSEN_TRUSTED_PROXIES stops the start, in Swedish
        self.reply_timeout = _seconds(reply_timeout, "STODLOTSEN_REPLY_TIMEOUT", DEFAULT_REPLY_TIMEOUT)
        self.action_timeout = _seconds(action_timeout, "STODLOTSEN_ACTION_TIMEOUT", DEFAULT_ACTION_TIMEOUT)
        # RemoteAction.run reads this module constant on every call (see the module docstring).
        reason = compat.refusal(ACTION_TIMEOUT_TARGETS)
        if reason:
            compat.refuse("Tidsgränsen för action-servern (STODLOTSEN_ACTION_TIMEOUT)", reason)
        else:
            rasa_action.DEFAULT_REQUEST_TIMEOUT = self.action_timeout
        # Read the emergency numbers now, not while a failing conversation waits (and say loudly at
        # start-up if the catalogue cannot be read; the built-in numbers are then used).
        fallback.numbers()

    @classmethod
    def from_credentials(cls, credentials: Dict[str, Any] | None) -> SafeRestInput:
        credentials = credentials or {}
        limits = Limits.from_credentials({k: credentials.get(k) for k in SETTINGS})
        return cls(credentials.get("reply_timeout"), credentials.get("action_timeout"), limits)

    async def reply(self, on_new_message: Callable[[UserMessage], Awaitable[Any]], inbound: Inbound,
                    client: str | None = None, message_id: str | None = None) -> List[Dict]:
        """The bot's messages for *inbound* (from *client*); the safe static reply when the bot cannot answer.
        *message_id*: the proxy's id of the message (rasa_wing/retry_guard.py), the same when it is sent again."""
        collector = CollectingOutputChannel()
        message = UserMessage(inbound.text, collector, inbound.sender, message_id=message_id,
                              input_channel=inbound.input_channel or self.name(), metadata=inbound.metadata)
        # The task, and all Rasa does for it, keeps the text out of the log and knows the client address.
        with log_guard.handling(inbound.text), client_address.handling(client):
            task = asyncio.ensure_future(on_new_message(message))
        why, reason = None, ""
        try:
            await asyncio.wait_for(asyncio.shield(task), timeout=self.reply_timeout)
        except asyncio.TimeoutError:
            why, reason = f"inget svar inom {self.reply_timeout:g} s", "timeout"
            task.add_done_callback(_forget)
        except Exception as e:  # the handler failed: the person still gets an answer
            why, reason = f"fel: {type(e).__name__}", "error"
        if why is not None:
            metrics.ERRORS.labels("timeout" if reason == "timeout" else "handler").inc()
        messages = list(collector.messages) if why is None else []
        if not messages:
            why, reason = (why, reason) if why else ("inget meddelande från boten (action-servern svarar inte?)", "no_reply")
            metrics.STATIC_REPLIES.labels(reason).inc()
            logger.error("Skickar det inbyggda nödsvaret: %s", why)
            messages = [{"recipient_id": inbound.sender, **m} for m in fallback.static_reply(inbound.text)]
        return messages

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not is_json(request.headers.get("content-type")):
                return response.json({"error": "Meddelandet måste skickas som JSON (Content-Type: application/json)."},
                                     status=415)
            inbound = parse_rest_body(request.body)
            if isinstance(inbound, Rejected):
                return response.json({"error": inbound.error}, status=inbound.status)
            started = time.perf_counter()
            metrics.MESSAGES.labels(self.name()).inc()
            client = client_address.of_request(request.ip, request.headers.get(client_address.FORWARDED_HEADER))
            refusal = self.limits.refusal(client, inbound.sender, inbound.text)
            if refusal is None:
                messages = await self.reply(on_new_message, inbound, client,
                                            retry_guard.proxy_id(request.headers.get(retry_guard.HEADER)))
            else:
                metrics.RATE_LIMITED.inc()
                messages = [{"recipient_id": inbound.sender, **m} for m in refusal]
            metrics.REPLY_SECONDS.labels(self.name()).observe(time.perf_counter() - started)
            if bool_arg(request, "stream", default=False):
                lines = "".join(json.dumps(m) + "\n" for m in messages)
                return response.text(lines, content_type="text/event-stream")
            return response.json(messages)

        return webhook
