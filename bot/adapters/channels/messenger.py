"""Facebook Messenger channel for Stödlotsen (Rasa glue; the reply shaping is bot/adapters/channels/messenger_format.py).

credentials.yml: `bot.adapters.channels.messenger.MessengerInput:` (no secrets in the file). The secrets come from
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
* Every event in a batch is handled (Rasa's stops after the first).
* Replies fit Messenger (bot/adapters/channels/messenger_format.py) and are sent with aiohttp, not blocking Rasa.
* Nothing the user wrote, and no user id, is logged.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import os
from typing import Any, Awaitable, Callable, Dict, Iterable, List

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.facebook import FacebookInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.adapters.channels import messenger_format

logger = logging.getLogger(__name__)

ENV_VERIFY = "FB_VERIFY_TOKEN"
ENV_SECRET = "FB_APP_SECRET"
ENV_TOKEN = "FB_PAGE_ACCESS_TOKEN"
ENV_GRAPH_URL = "FB_GRAPH_URL"
ENV_GRAPH_VERSION = "FB_GRAPH_VERSION"
DEFAULT_GRAPH_URL = "https://graph.facebook.com"
DEFAULT_GRAPH_VERSION = "v19.0"
SEND_TIMEOUT_S = 10
ONLY_TEXT = ("Jag kan bara läsa text. Skriv gärna med ord vad som händer. "
             "Är någon i fara just nu? Ring 112.")


def signature_ok(app_secret: str, body: bytes, header: str | None) -> bool:
    """Does *header* (X-Hub-Signature-256: "sha256=<hex>") sign *body* with *app_secret*?"""
    if not app_secret or not header:
        return False
    expected = "sha256=" + hmac.new(app_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(header.strip().encode("utf-8", "replace"), expected.encode("ascii"))


class MessengerOutput(OutputChannel):
    """Sends replies through the Send API, shaped by bot.adapters.channels.messenger_format."""

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
            logger.warning("Messenger: fel verify token vid verifieringen av webhooken.")
            return response.text("Fel verify token.", status=403)

        @hook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if not self.enabled:
                return response.text("Messenger-kanalen är inte konfigurerad.", status=503)
            if not signature_ok(self.fb_secret, request.body, request.headers.get("X-Hub-Signature-256")):
                logger.warning("Messenger: anrop med saknad eller fel X-Hub-Signature-256 avvisades.")
                return response.text("Ogiltig signatur.", status=403)
            try:
                payload = request.json
            except Exception:  # noqa: BLE001 - Sanic raises its own error types for bad JSON
                payload = None
            if not isinstance(payload, dict):
                return response.text("Ogiltig JSON.", status=400)
            metadata = self.get_metadata(request)
            for event in self._events(payload):
                await self._handle(event, on_new_message, metadata)
            return response.text("EVENT_RECEIVED")

        return hook

    @staticmethod
    def _events(payload: Dict[str, Any]) -> Iterable[Dict[str, Any]]:
        for entry in payload.get("entry") or []:
            if isinstance(entry, dict):
                for event in entry.get("messaging") or []:
                    if isinstance(event, dict):
                        yield event

    async def _handle(self, event: Dict[str, Any], on_new_message: Callable[[UserMessage], Awaitable[Any]],
                      metadata: Dict[str, Any] | None) -> None:
        sender = (event.get("sender") or {}).get("id")
        text = _event_text(event)
        if not isinstance(sender, str) or not sender or text is None:
            return
        out = self.get_output_channel()
        if text == "":
            await out.send_text_message(sender, ONLY_TEXT)
            return
        await out.send_action(sender, "typing_on")
        try:
            await on_new_message(UserMessage(text, out, sender, input_channel=self.name(), metadata=metadata))
        except Exception as e:  # noqa: BLE001 - one failing message must not fail the batch
            logger.error("Messenger: ett meddelande kunde inte hanteras (%s).", type(e).__name__)
