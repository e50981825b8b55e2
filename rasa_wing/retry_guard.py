"""A message that the proxy sends again is handled once (several instances, `make cluster`).

When a Rasa instance dies in the middle of a message, nginx sends that message to the next
instance (`proxy_next_upstream … non_idempotent`). Usually the dead instance had not stored the
turn, and the next one handles it as new. But the instance may die just after its turn was stored
(the helper process that writes it lives on for a moment): handled again, the conversation would
hold the message twice, and the person would be answered as if they had written it twice.

So nginx gives every message an id, the same on every try (`X-Request-Id: $request_id`); the REST
channel makes it the message's id (`UserMessage.message_id`, stored with the user event; only a
32-hex-digit id, what nginx sends). Under the conversation's lock, before anything is parsed, the
processor looks whether the conversation already holds a user event with that id. If it does, it
sends the bot's replies stored after it and changes nothing. Without the header the id is Rasa's
own, new for every message, so nothing is ever found.

Installed by `rasa_wing.serve` whatever `STODLOTSEN_SPEEDUPS` says; on a Rasa other than the tested
one it stays out (one log line, rasa_wing/compat.py).
"""
from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Sequence

from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import BotUttered, UserUttered

from rasa_wing import compat

logger = logging.getLogger(__name__)

HEADER = "X-Request-Id"
_PROXY_ID = re.compile(r"[0-9a-f]{32}")
TARGETS = (
    compat.Target(MessageProcessor, "handle_message", ("self", "message")),
    compat.Target(MessageProcessor, "_handle_message_with_tracker", ("self", "message", "tracker")),
)
_state: Dict[str, Any] = {"originals": None}


def proxy_id(value: str | None) -> str | None:
    """The proxy's id of a message (from the `X-Request-Id` header), or None when it is not one."""
    return value if isinstance(value, str) and _PROXY_ID.fullmatch(value) else None


def earlier_replies(events: Sequence[Any], message_id: str) -> List[Dict[str, Any]] | None:
    """The bot's messages after the user event with *message_id*, as a channel sends them; None
    when the conversation has no such event (the message is new)."""
    events = list(events)
    for i in range(len(events) - 1, -1, -1):
        event = events[i]
        if isinstance(event, UserUttered) and event.message_id == message_id:
            replies = []
            for later in events[i + 1:]:
                if isinstance(later, UserUttered):
                    break
                if isinstance(later, BotUttered):
                    replies.append({k: v for k, v in {"text": later.text, **(later.data or {})}.items() if v is not None})
            return replies
    return None


class _AlreadyHandled(Exception):
    def __init__(self, replies: List[Dict[str, Any]]) -> None:
        super().__init__("already handled")
        self.replies = replies


def install() -> bool:
    """Wrap the processor (once); False when it stays out."""
    if _state["originals"] is not None:
        return True
    reason = compat.untested_version("rasa") or next((p for p in (t.problem() for t in TARGETS) if p), None)
    if reason:
        compat.refuse("Skydd mot dubbelt hanterade meddelanden (rasa_wing/retry_guard.py)", reason)
        return False
    handle, with_tracker = MessageProcessor.handle_message, MessageProcessor._handle_message_with_tracker

    async def _handle_message_with_tracker(self: Any, message: Any, tracker: Any) -> None:
        if proxy_id(message.message_id):
            replies = earlier_replies(tracker.events, message.message_id)
            if replies is not None:
                raise _AlreadyHandled(replies)
        await with_tracker(self, message, tracker)

    async def handle_message(self: Any, message: Any) -> Any:
        try:
            return await handle(self, message)
        except _AlreadyHandled as done:
            logger.info("Ett meddelande som proxyn skickade igen var redan besvarat; svaret skickas igen.")
            for reply in done.replies:
                await message.output_channel.send_response(message.sender_id, reply)
            return getattr(message.output_channel, "messages", None)

    MessageProcessor.handle_message = handle_message
    MessageProcessor._handle_message_with_tracker = _handle_message_with_tracker
    _state["originals"] = (handle, with_tracker)
    return True


def uninstall() -> None:
    """Put Rasa's own methods back (tests)."""
    if _state["originals"] is not None:
        MessageProcessor.handle_message, MessageProcessor._handle_message_with_tracker = _state["originals"]
        _state["originals"] = None
