"""Rasa's events as they may be stored: everything a client could have put in an event is scrubbed
(`bot.privacy.scrub`, on the normalised text), and only the fields Rasa itself fills in are kept, where Rasa puts
them. Also the identifiers a conversation gave away (`identifiers`; kept as keyed hashes by `bot.identifiers.Known`),
so that a later message or a reply repeating one is scrubbed too, and the channel names an event may carry
(`CHANNELS`). No Rasa imports: the event writer's helper process uses it.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Iterable

from bot.identifiers import Known
from bot.privacy import scrub


def identifiers(value: Any) -> list:
    """Every identifier found in the strings inside *value*, as (original, placeholder)."""
    found: list = []
    for text in _strings(value):
        scrub(text, found=found)
    return found


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, (int, float)):
        yield _number_text(value)
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(k)
            yield from _strings(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _strings(v)


# --- events -------------------------------------------------------------------------------------
# What a client sends (text, metadata, anything in it at any depth, whatever its keys are called)
# is scrubbed. Only the fields Rasa itself fills in are kept as they are, and only where Rasa puts
# them: an event's type and time, the action, policy and confidence of a prediction, the intent
# names and confidences of the classifier, the positions and extractor of an entity.
_EVENT_FIELDS = ("event", "timestamp", "name", "policy", "confidence", "message_id", "use_text_for_featurization",
                 "hide_rule_turn", "action_text")
_INTENT_FIELDS = ("name", "confidence")
_ENTITY_FIELDS = ("entity", "start", "end", "confidence_entity", "extractor", "processors", "role", "group")
#: The channels a message may say it came from (`input_channel`); any other name is not kept.
CHANNELS = frozenset({"rest", "facebook"})

REMOVED = "[borttaget]"


def _scrub_text(text: str, known: Known | None, scrub_fn: Any = None) -> str:
    text = (scrub_fn or scrub)(text)
    return known.scrub(text) if known else text


# The bot's own texts (replies from the catalogue) come back again and again: scrubbed once.
# Only bot events use it (in memory only, like the identifiers a conversation gave away: a reply
# may repeat a place a person named).
_scrub_bot_text = lru_cache(maxsize=4096)(scrub)


def _number_text(value: int | float) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e18:
        return str(int(value))
    return str(value)


def _scrub_value(value: Any, known: Known | None, scrub_fn: Any = None) -> Any:
    if isinstance(value, str):
        return _scrub_text(value, known, scrub_fn)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        # A number sent as JSON (a personnummer or phone number in metadata) is still that number.
        as_text = _number_text(value)
        scrubbed = _scrub_text(as_text, known, scrub_fn)
        return value if scrubbed == as_text else scrubbed
    if isinstance(value, dict):
        return {(_scrub_text(k, known, scrub_fn) if isinstance(k, str) else k): _scrub_value(v, known, scrub_fn)
                for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_scrub_value(v, known, scrub_fn) for v in value]
    return value


def _normal(text: str) -> str:
    from bot.text import normalize

    return normalize(text)


def _keep(original: Any, scrubbed: dict, fields: Iterable[str]) -> None:
    """Put Rasa's own *fields* of *original* back into *scrubbed*."""
    if isinstance(original, dict) and isinstance(scrubbed, dict):
        for field in fields:
            if field in original:
                scrubbed[field] = original[field]


def scrub_event(event: dict, known: Known | None = None) -> dict:
    """A copy of a Rasa event dict (`Event.as_dict()`) with everything a client could have put in
    it scrubbed: user text, parse data (text, entity values), metadata at any depth, slot values,
    bot text. Rasa's own fields stay where Rasa puts them (see `_EVENT_FIELDS`); an
    `input_channel` that is not one of `CHANNELS` becomes "[borttaget]".

    An entity value that no longer occurs in the scrubbed text (it was part of an identifier,
    e.g. a name the classifier took for a place) becomes "[borttaget]". *known*: what the user gave away
    in the same conversation (see `identifiers`), replaced wherever it comes again."""
    out = _scrub_value(event, known, _scrub_bot_text if event.get("event") == "bot" else None)
    if not isinstance(out, dict):
        return out
    _keep(event, out, _EVENT_FIELDS)
    if "input_channel" in event:
        channel = event["input_channel"]
        out["input_channel"] = channel if channel is None or (isinstance(channel, str) and channel in CHANNELS) \
            else REMOVED
    parse, original_parse = out.get("parse_data"), event.get("parse_data")
    if isinstance(parse, dict) and isinstance(original_parse, dict):
        _keep(original_parse, parse, ("message_id",))
        _keep(original_parse.get("intent"), parse.get("intent"), _INTENT_FIELDS)
        for kept, original in zip(parse.get("intent_ranking") or [], original_parse.get("intent_ranking") or [], strict=False):
            _keep(original, kept, _INTENT_FIELDS)
        text = _normal(parse.get("text") or out.get("text") or "")
        for entity, original in zip(parse.get("entities") or [], original_parse.get("entities") or [], strict=False):
            if not isinstance(entity, dict):
                continue
            _keep(original, entity, _ENTITY_FIELDS)
            value = entity.get("value")
            if isinstance(value, str) and _normal(value) and _normal(value) not in text:
                entity["value"] = REMOVED
            if isinstance(entity.get("text"), str) and _normal(entity["text"]) not in text:
                entity["text"] = REMOVED
    return out
