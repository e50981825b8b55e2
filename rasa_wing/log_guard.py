"""Keep what people write out of the log: the second line of defence behind the channels.

The channels already keep Rasa from quoting a message (a "/" message is only passed on when it
is an offered button payload, `bot.payloads`). If a Rasa or library log line quotes one anyway,
this catches it when the line is made, before any handler writes it:

* `install()` puts a check into every log record (logging's record factory, so every logger and
  every handler, also those Rasa sets up later) and sends Python warnings through logging
  (Rasa's `raise_warning` otherwise prints straight to stderr);
* the channels name the message being handled (`handling(text)`); the name follows the message
  through every task Rasa starts for it (a context variable), and a line that contains the text
  gets "[meddelandetext]" in its place;
* Rasa's warnings that quote a message line ("Failed to parse arguments in line '…'") lose
  everything from the quote on, whatever they quote, and structlog lines (JSON) lose the values
  of the keys Rasa itself marks as user content (`text`, `user_text`, `message` …).

No Rasa imports: the action server uses it too.
"""
from __future__ import annotations

import contextvars
import json
import logging
import re
from contextlib import contextmanager
from typing import Any, Iterator

REDACTED = "[meddelandetext]"
MIN_CHARS = 4  # shorter texts ("ja", "hej") are too common to look for in a log line

_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("stodlotsen_message_text", default=None)
_QUOTED_LINE = re.compile(r"(Failed to parse arguments in line ').*", re.DOTALL)
# The keys Rasa's structlog anonymizer treats as user content (rasa/utils/log_utils.py).
_USER_KEYS = frozenset({
    "text", "response_text", "user_text", "slot_values", "parse_data_text", "parse_data_entities",
    "prediction_events", "tracker_latest_message", "prefilled_slots", "message", "response", "slot_candidates",
    "rasa_event", "rasa_events", "tracker_states", "current_states", "old_states", "successes", "current_entity",
    "next_entity", "states", "entity", "token_text", "user_message", "json_message",
})
_installed = False


@contextmanager
def scoped(variable: contextvars.ContextVar, value: Any) -> Iterator[None]:
    """*variable* is *value* while this is open, and in every task started inside it."""
    token = variable.set(value)
    try:
        yield
    finally:
        variable.reset(token)


def handling(text: str | None) -> Any:
    """While this is open (and in every task started inside it) *text* never reaches the log."""
    return scoped(_current, text)


def redact(message: str) -> str:
    """*message* without the text being handled and without what Rasa's known lines quote."""
    text = _current.get()
    if text and len(text.strip()) >= MIN_CHARS:
        for variant in {text, text.strip()}:
            if variant in message:
                message = message.replace(variant, REDACTED)
    message = _QUOTED_LINE.sub(r"\1" + REDACTED + "' (resten av raden loggas inte)", message)
    if message.startswith("{") and '"' in message:
        message = _redact_json(message)
    return message


def _redact_json(message: str) -> str:
    try:
        data = json.loads(message)
    except ValueError:
        return message
    if not isinstance(data, dict) or not _USER_KEYS & data.keys():
        return message
    return json.dumps({k: (REDACTED if k in _USER_KEYS else v) for k, v in data.items()}, ensure_ascii=False)


def _checked(factory: Any) -> Any:
    def make_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken log call stays the logging module's business
            return record
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        return record

    make_record.stodlotsen = True  # type: ignore[attr-defined]
    return make_record


def install() -> None:
    """Check every log record of this process; send warnings through logging. Idempotent."""
    global _installed
    if _installed:
        return
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "stodlotsen", False):
        logging.setLogRecordFactory(_checked(factory))
    logging.captureWarnings(True)
    _installed = True
