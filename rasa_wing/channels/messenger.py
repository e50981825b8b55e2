"""Facebook Messenger channel for Stödlotsen (Rasa glue; the reply shaping is rasa_wing/channels/messenger_format.py).

credentials.yml: `rasa_wing.channels.messenger.MessengerInput:` (no secrets in the file). The secrets come from
the environment:

    FB_VERIFY_TOKEN       the verify token chosen when the webhook is set up in the Meta app
    FB_APP_SECRET         the Meta app's secret; signs every webhook call
    FB_PAGE_ACCESS_TOKEN  the page's token for the Send API
    FB_GRAPH_URL          optional, default https://graph.facebook.com (tests point it at a local stub)
    FB_GRAPH_VERSION      optional, default v19.0

Without the three secrets the bot still starts: the channel logs that it is switched off and its
webhook answers 503 without reading the request.

Differences from Rasa's built-in `facebook` channel:
* The webhook checks `X-Hub-Signature-256` (HMAC-SHA256 of the raw body with the app secret,
  constant-time comparison) before anything else and answers 403 when it is missing or wrong.
  Rasa's channel checks only the SHA-1 header and answers 200 when the check fails.
* The verify-token handshake compares in constant time and answers 403 on a wrong token.
* Every event in a batch is handled (Rasa's stops after the first), each checked on its own: an
  event of the wrong shape (a `sender` that is not an object, a text that is not a string) is
  skipped, the others are answered.
* A message id (`mid`, of a message or a postback; a postback without one by its sender, time and
  payload) seen in the last `DEDUPE_SECONDS` is skipped: a replayed, correctly signed body is not
  handled and stored twice.
* The webhook answers 200 as soon as the signature and the JSON are checked, and handles the events in a
  task of their own (Meta waits at most 20 s and retries what it thinks failed; a batch of 100 events used to
  time out half-handled).
* A call with a missing or wrong signature, and a verification with a wrong verify token, is refused with 403
  and at most one log line a minute (of each kind).
* Text gets the same cleaning, "/" rule and length cap as the REST channel
  (`rasa_wing.channels.inbound.message_text`), and the same per-sender rate limit. A message
  carries no metadata (a body is at most `MAX_BODY_BYTES`).
* Replies fit Messenger (rasa_wing/channels/messenger_format.py) and are sent with aiohttp, not blocking Rasa.
* Nothing the user wrote, and no user id, is logged.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import os
import time
from collections import OrderedDict
from typing import Any, Awaitable, Callable, Dict, Iterable, List

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.facebook import FacebookInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from rasa_wing import client_address, log_guard, metrics
from rasa_wing.channels import messenger_format
from rasa_wing.channels.inbound import MAX_BODY_BYTES, MAX_SENDER_CHARS, message_text
from rasa_wing.channels.limits import WHOLE_BOT, Limits, RateLimitedLog
from rasa_wing.channels.shared_rate import sender_rate

logger = logging.getLogger(__name__)

ENV_VERIFY = "FB_VERIFY_TOKEN"
ENV_SECRET = "FB_APP_SECRET"
ENV_TOKEN = "FB_PAGE_ACCESS_TOKEN"
ENV_GRAPH_URL = "FB_GRAPH_URL"
ENV_GRAPH_VERSION = "FB_GRAPH_VERSION"
DEFAULT_GRAPH_URL = "https://graph.facebook.com"
DEFAULT_GRAPH_VERSION = "v19.0"
SEND_TIMEOUT_S = 10
DEDUPE_SECONDS = 15 * 60  # Meta retries a failed delivery for a while; a replay within this is skipped
DEDUPE_IDS = 50_000  # message ids remembered at most
ONLY_TEXT = ("Jag kan bara läsa text. Skriv gärna med ord vad som händer. "
             "Är någon i fara just nu? Ring 112.")


def signature_ok(app_secret: str, body: bytes, header: str | None) -> bool:
    """Does *header* (X-Hub-Signature-256: "sha256=<hex>") sign *body* with *app_secret*?"""
    if not app_secret or not header:
        return False
    expected = "sha256=" + hmac.new(app_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(header.strip().encode("utf-8", "replace"), expected.encode("ascii"))


class MessengerOutput(OutputChannel):
    """Sends replies through the Send API, shaped by rasa_wing.channels.messenger_format."""

    @classmethod
    def name(cls) -> str:
        return "facebook"

    def __init__(self, page_access_token: str, graph_url: str = DEFAULT_GRAPH_URL,
                 graph_version: str = DEFAULT_GRAPH_VERSION) -> None:
        super().__init__()
        self.page_access_token = page_access_token
        self.endpoint = f"{graph_url.rstrip('/')}/{graph_version}/me/messages"

    async def _post(self, body: Dict[str, Any]) -> None:
        timeout = aiohttp.ClientTimeout(total=SEND_TIMEOUT_S)
        try:
            async with aiohttp.ClientSession(timeout=timeout) as session:
                async with session.post(self.endpoint, params={"access_token": self.page_access_token},
                                        json=body) as resp:
                    if resp.status >= 400:
                        logger.warning("Messenger: Send API svarade %s.", resp.status)
        except (aiohttp.ClientError, TimeoutError) as e:
            logger.warning("Messenger: kunde inte nå Send API (%s).", type(e).__name__)

    async def _send_messages(self, recipient_id: str, messages: Iterable[Dict[str, Any]]) -> None:
        for message in messages:
            await self._post({"recipient": {"id": recipient_id}, "messaging_type": "RESPONSE", "message": message})

    async def send_action(self, recipient_id: str, action: str) -> None:
        await self._post({"recipient": {"id": recipient_id}, "sender_action": action})

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send_messages(recipient_id, messenger_format.messages(text))

    async def send_text_with_buttons(self, recipient_id: str, text: str, buttons: List[Dict[str, Any]],
                                     **kwargs: Any) -> None:
        await self._send_messages(recipient_id, messenger_format.messages(text, buttons))

    async def send_quick_replies(self, recipient_id: str, text: str, quick_replies: List[Dict[str, Any]],
                                 **kwargs: Any) -> None:
        await self._send_messages(recipient_id, messenger_format.messages(text, quick_replies))

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self._send_messages(recipient_id, [{"attachment": {"type": "image", "payload": {"url": image}}}])

    async def send_custom_json(self, recipient_id: str, json_message: Any, **kwargs: Any) -> None:
        if isinstance(json_message, dict):
            await self._send_messages(recipient_id, [json_message])


def _event_text(event: Dict[str, Any]) -> str | None:
    """What the user sent in one messaging event: text, a quick reply's or postback's payload,
    ONLY_TEXT's marker ("") for attachments, None for events that need no reply (echo, read, delivery)."""
    message = event.get("message")
    if message is not None and not isinstance(message, dict):
        return None
    if isinstance(message, dict):
        if message.get("is_echo"):
            return None
        quick = message.get("quick_reply")
        if isinstance(quick, dict) and isinstance(quick.get("payload"), str) and quick["payload"]:
            return quick["payload"]
        if isinstance(message.get("text"), str):
            return message["text"]
        if message.get("attachments"):
            return ""
        return None
    postback = event.get("postback")
    if isinstance(postback, dict) and isinstance(postback.get("payload"), str):
        return postback["payload"]
    return None


def _event_id(event: Dict[str, Any], sender: str, raw: str) -> str | None:
    """What makes a messaging event the same event again: the id of its message or postback (`mid`), else its
    sender, time and text; None for an event with neither an id nor a time."""
    for part in ("message", "postback"):
        value = event.get(part)
        if isinstance(value, dict) and isinstance(value.get("mid"), str) and value["mid"]:
            return value["mid"]
    when = event.get("timestamp")
    if not isinstance(when, (int, float)) or isinstance(when, bool):
        return None
    digest = hashlib.sha256(f"{sender}\x00{when}\x00{raw}".encode("utf-8", "replace")).hexdigest()
    return "event:" + digest


class MessengerInput(FacebookInput):
    """The `facebook` channel with SHA-256 signature checks; secrets from the environment."""

    @classmethod
    def name(cls) -> str:
        return "facebook"

    @classmethod
    def from_credentials(cls, credentials: Dict[str, Any] | None) -> InputChannel:
        env = os.environ
        missing = [k for k in (ENV_VERIFY, ENV_SECRET, ENV_TOKEN) if not env.get(k)]
        if missing:
            logger.warning("Messenger-kanalen är avstängd: %s saknas i miljön. Se docs/messenger.md.",
                           ", ".join(missing))
        return cls(env.get(ENV_VERIFY, ""), env.get(ENV_SECRET, ""), env.get(ENV_TOKEN, ""),
                   graph_url=env.get(ENV_GRAPH_URL) or DEFAULT_GRAPH_URL,
                   graph_version=env.get(ENV_GRAPH_VERSION) or DEFAULT_GRAPH_VERSION)

    def __init__(self, fb_verify: str, fb_secret: str, fb_access_token: str,
                 graph_url: str = DEFAULT_GRAPH_URL, graph_version: str = DEFAULT_GRAPH_VERSION) -> None:
        super().__init__(fb_verify, fb_secret, fb_access_token)
        self.graph_url = graph_url
        self.graph_version = graph_version
        # new conversations count with the REST channel's; the per-sender allowance is shared by every instance
        self.limits = Limits(new=WHOLE_BOT, senders=sender_rate())
        self._seen: OrderedDict[str, float] = OrderedDict()  # message id -> when it was first handled
        self._tasks: set = set()  # batches being handled after their 200
        self._unsigned = RateLimitedLog("Messenger: %d anrop med saknad eller fel X-Hub-Signature-256 avvisades.")
        self._wrong_verify = RateLimitedLog("Messenger: %d verifieringar av webhooken med fel verify token avvisades.")

    def first_time(self, message_id: str | None, now: float | None = None) -> bool:
        """Whether *message_id* was not handled in the last `DEDUPE_SECONDS` (and remember it)."""
        if not message_id:
            return True
        now = time.monotonic() if now is None else now
        while self._seen and (len(self._seen) >= DEDUPE_IDS or next(iter(self._seen.values())) < now - DEDUPE_SECONDS):
            self._seen.popitem(last=False)
        if message_id in self._seen:
            return False
        self._seen[message_id] = now
        return True

    @property
    def enabled(self) -> bool:
        return bool(self.fb_verify and self.fb_secret and self.fb_access_token)

    def get_output_channel(self) -> OutputChannel:
        return MessengerOutput(self.fb_access_token, self.graph_url, self.graph_version)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        hook = Blueprint("fb_webhook", __name__)

        @hook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.enabled else "disabled"}, status=200 if self.enabled else 503)

        @hook.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            if not self.enabled:
                return response.text("Messenger-kanalen är inte konfigurerad.", status=503)
            token = request.args.get("hub.verify_token") or ""
            if request.args.get("hub.mode") == "subscribe" and hmac.compare_digest(
                    token.encode("utf-8", "replace"), self.fb_verify.encode("utf-8")):
                return response.text(request.args.get("hub.challenge") or "")
            self._wrong_verify()
            return response.text("Fel verify token.", status=403)

        @hook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if not self.enabled:
                return response.text("Messenger-kanalen är inte konfigurerad.", status=503)
            if len(request.body or b"") > MAX_BODY_BYTES:
                return response.text("För stort.", status=413)
            if not signature_ok(self.fb_secret, request.body, request.headers.get("X-Hub-Signature-256")):
                self._unsigned()
                return response.text("Ogiltig signatur.", status=403)
            try:
                payload = request.json
            except Exception:  # noqa: BLE001 - Sanic raises its own error types for bad JSON
                payload = None
            if not isinstance(payload, dict):
                return response.text("Ogiltig JSON.", status=400)
            task = asyncio.ensure_future(self.handle_batch(list(self._events(payload)), on_new_message))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            return response.text("EVENT_RECEIVED")

        return hook

    async def handle_batch(self, events: List[Dict[str, Any]],
                           on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        """Handle the events of one webhook call, one after the other, after its 200."""
        for event in events:
            try:
                await self._handle(event, on_new_message)
            except Exception as e:  # noqa: BLE001 - one bad event must not cost the others their answer
                logger.error("Messenger: en händelse kunde inte hanteras (%s).", type(e).__name__)

    @staticmethod
    def _events(payload: Dict[str, Any]) -> Iterable[Dict[str, Any]]:
        entries = payload.get("entry")
        for entry in entries if isinstance(entries, list) else []:
            messaging = entry.get("messaging") if isinstance(entry, dict) else None
            for event in messaging if isinstance(messaging, list) else []:
                if isinstance(event, dict):
                    yield event

    async def _handle(self, event: Dict[str, Any], on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        sender = event.get("sender")
        sender = sender.get("id") if isinstance(sender, dict) else None
        raw = _event_text(event)
        if not isinstance(sender, str) or not sender or len(sender) > MAX_SENDER_CHARS or raw is None:
            return
        if not self.first_time(_event_id(event, sender, raw)):
            return  # a replay of a message or postback already handled
        out = self.get_output_channel()
        if raw == "":
            await out.send_text_message(sender, ONLY_TEXT)
            return
        text, _ = message_text(raw)
        metrics.MESSAGES.labels(self.name()).inc()
        refusal = self.limits.refusal(client_address.MESSENGER, sender, text)
        if refusal is not None:
            metrics.RATE_LIMITED.inc()
            for reply in refusal:
                await out.send_text_message(sender, reply["text"])
            return
        await out.send_action(sender, "typing_on")
        started = time.perf_counter()
        try:
            with log_guard.handling(text), client_address.handling(client_address.MESSENGER):
                await on_new_message(UserMessage(text, out, sender, input_channel=self.name(), metadata=None))
        except Exception as e:  # noqa: BLE001 - one failing message must not fail the batch
            metrics.ERRORS.labels("handler").inc()
            logger.error("Messenger: ett meddelande kunde inte hanteras (%s).", type(e).__name__)
        metrics.REPLY_SECONDS.labels(self.name()).observe(time.perf_counter() - started)
