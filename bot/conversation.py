"""One turn of a conversation, without Rasa: what the user wrote and what the bot remembers go in,
what to say and what to remember come out.

    turn = Turn.from_parse_data(latest_message)   # text, intent, ranking, entities, metadata, crisis
    state = State.from_slots(slots)               # municipality, audience, last_need
    outcome = respond(catalogue.current(), turn, state)
    outcome.messages                              # Message(text, buttons) or Message(response="utter_menu")
    outcome.state.changes_since(state)            # {slot: new value}: what to remember

The actions (actions/) only translate: tracker → Turn and State, Outcome → messages and SlotSet.
Everything decided about a turn is decided here, and tested here without Rasa
(tests/test_conversation.py). The wording itself is in `bot.replies`.

To remember something more across turns, add a field to `State` and a slot of the same name to
domain.yml (`influence_conversation: false`, `mappings: [{type: custom}]`); the actions read and
set every field of `State` by its name.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Tuple

from bot import audience as audience_mod
from bot import languages, municipality, replies
from bot.catalogue import Catalogue
from bot.crisis import UNSURE_ACUTE
from bot.hours import stockholm_now

logger = logging.getLogger(__name__)

MUNICIPALITY_INTENT = "inform_municipality"
OPENING_HOURS_INTENT = "ask_opening_hours"
NO_INTENT = "nlu_fallback"
# Fixed replies in domain.yml, sent by name.
MENU_RESPONSE = "utter_menu"
FALLBACK_RESPONSE = "utter_default"
# An opening-hours question that names no resource is probably not about opening hours ("pappa
# öppnar en öl så fort han kommer hem"): when the classifier's runner-up is a need at least this
# likely, that need is answered.
MIN_RUNNER_UP = 0.15


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _confidence(value: Any) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


@dataclass(frozen=True)
class Crisis:
    """What the crisis layer (`bot.adapters.components.CrisisOverride`) noted about the message."""

    kind: str | None = None  # one of bot.crisis.KINDS, or None
    rule: str | None = None  # id of the pattern that fired, never user text
    idiom: bool = False  # a harmless idiom was cut out ("dog av skratt")
    hint: str | None = None  # UNSURE_ACUTE: the classifier guessed danger right now, no rule confirmed it


@dataclass(frozen=True)
class Turn:
    """The user's message as the NLU pipeline understood it."""

    text: str = ""
    intent: str | None = None
    ranking: Tuple[Tuple[str, float], ...] = ()  # (intent, confidence), most likely first
    entities: Tuple[Tuple[str, str], ...] = ()  # (entity type, value as written)
    metadata: Mapping[str, Any] | None = None  # from the channel, e.g. {"municipality": "kungalv"}
    crisis: Crisis = Crisis()

    @classmethod
    def from_parse_data(cls, data: Any) -> Turn:
        """From Rasa's parse data (`tracker.latest_message`); a missing or malformed part counts as absent."""
        data = data if isinstance(data, Mapping) else {}
        intent = data.get("intent") if isinstance(data.get("intent"), Mapping) else {}
        ranking = tuple((r["name"], _confidence(r.get("confidence"))) for r in data.get("intent_ranking") or ()
                        if isinstance(r, Mapping) and isinstance(r.get("name"), str))
        entities = tuple((e["entity"], str(e.get("value"))) for e in data.get("entities") or ()
                         if isinstance(e, Mapping) and isinstance(e.get("entity"), str))
        crisis = data.get("crisis") if isinstance(data.get("crisis"), Mapping) else {}
        return cls(
            text=_text(data.get("text")) or "",
            intent=_text(intent.get("name")),
            ranking=ranking,
            entities=entities,
            metadata=data.get("metadata") if isinstance(data.get("metadata"), Mapping) else None,
            crisis=Crisis(kind=_text(crisis.get("kind")), rule=_text(crisis.get("rule")),
                          idiom=crisis.get("idiom") is True, hint=_text(crisis.get("hint"))),
        )

    def entity_values(self, entity: str) -> List[str]:
        return [value for name, value in self.entities if name == entity]

    @property
    def danger_first(self) -> bool:
        """The reply leads with 112: the classifier thought of danger right now, no rule confirmed it."""
        return self.crisis.hint == UNSURE_ACUTE


@dataclass(frozen=True)
class State:
    """What the bot remembers between turns, one Rasa slot per field (same name)."""

    municipality: str | None = None  # catalogue id of the municipality answered for
    audience: str | None = None  # child, guardian, adult or professional, once the writer has said
    last_need: str | None = None  # the need answered last (for "när har de öppet?" and a late municipality)

    @classmethod
    def from_slots(cls, slots: Mapping[str, Any]) -> State:
        return cls(**{f.name: slots.get(f.name) for f in dataclasses.fields(cls)})

    def as_slots(self) -> Dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def changes_since(self, before: State) -> Dict[str, Any]:
        """The slots whose value differs from *before*'s: what the turn changed."""
        return {name: value for name, value in self.as_slots().items() if getattr(before, name) != value}


@dataclass(frozen=True)
class Message:
    """One message: Swedish text (with buttons under it), or a fixed reply of domain.yml by name."""

    text: str | None = None
    buttons: Tuple[Dict[str, str], ...] = ()  # {"title": shown, "payload": "/intent"}
    response: str | None = None


@dataclass(frozen=True)
class Outcome:
    messages: Tuple[Message, ...]
    state: State  # the whole state after the turn
    need: str | None = None  # the need answered, if any (for logs and tests)


def respond(cat: Catalogue, turn: Turn, state: State, now: dt.datetime | None = None) -> Outcome:
    """The bot's answer to *turn*, given what it remembers (*state*).

    The municipality told ("jag bor i Kungälv") re-answers the last need there; an opening-hours
    question is answered from the catalogue's hours; a need of the catalogue gets its reply;
    anything else the polite fallback and the menu.
    """
    now = now or stockholm_now()
    if turn.intent == MUNICIPALITY_INTENT:
        return _municipality_told(cat, turn, state, now)
    context = _context(cat, turn, state)
    if turn.intent == OPENING_HOURS_INTENT:
        return _opening_hours(cat, turn, context, now)
    if turn.intent is None or cat.need(turn.intent) is None:
        logger.warning("Ingen post i katalogen för avsikten %s", turn.intent)
        return Outcome((Message(response=FALLBACK_RESPONSE), Message(response=MENU_RESPONSE)), context)
    return _answer(cat, turn.intent, turn, context, now)


def _audience(turn: Turn, state: State) -> str | None:
    return audience_mod.detect(turn.text) or state.audience


def _context(cat: Catalogue, turn: Turn, state: State) -> State:
    """*state* with who writes and which municipality, as far as this turn tells."""
    place = municipality.resolve(cat, text=turn.text, metadata=turn.metadata,
                                 entities=turn.entity_values("municipality"), remembered=state.municipality)
    return dataclasses.replace(state, municipality=place, audience=_audience(turn, state))


def _need_messages(reply: replies.Reply) -> Tuple[Message, ...]:
    """A composed reply as messages, its buttons under the last one."""
    last = len(reply.messages) - 1
    return tuple(Message(text=text, buttons=tuple(reply.buttons) if i == last else ())
                 for i, text in enumerate(reply.messages))


def _answer(cat: Catalogue, need: str, turn: Turn, state: State, now: dt.datetime) -> Outcome:
    reply = replies.compose(cat, need, audience=state.audience, municipality_id=state.municipality, text=turn.text,
                            now=now, danger_first=turn.danger_first)
    reply = languages.with_crisis_line(reply, turn.text, cat)  # 112, 90101, 116 111 explained in their language
    return Outcome(_need_messages(reply), dataclasses.replace(state, last_need=need), need)


def _municipality_told(cat: Catalogue, turn: Turn, state: State, now: dt.datetime) -> Outcome:
    named = turn.entity_values("municipality")
    # Only what the user wrote now counts: a town we do not know replaces the old one.
    told = municipality.resolve(cat, text=turn.text, entities=named, default="")
    state = dataclasses.replace(state, municipality=told, audience=_audience(turn, state))
    place = cat.municipality(told)
    messages: List[Message] = []
    if place is None:
        messages.append(Message(text=replies.municipality_unknown(named[0] if named else None)))
    elif state.last_need and cat.need(state.last_need) is not None:
        messages.append(Message(text=replies.municipality_here(place)))
        reply = replies.compose(cat, state.last_need, audience=state.audience, municipality_id=told, now=now)
        return Outcome((*messages, *_need_messages(reply)), state, state.last_need)
    else:
        messages.append(Message(text=replies.municipality_thanks(place)))
    messages.append(Message(response=MENU_RESPONSE))
    return Outcome(tuple(messages), state)


def _runner_up_need(cat: Catalogue, turn: Turn) -> str | None:
    """The most likely need after the opening-hours intent, when it is likely enough."""
    name, confidence = next(((n, c) for n, c in turn.ranking if n not in (OPENING_HOURS_INTENT, NO_INTENT)),
                            (None, 0.0))
    return name if name is not None and cat.need(name) is not None and confidence >= MIN_RUNNER_UP else None


def _opening_hours(cat: Catalogue, turn: Turn, state: State, now: dt.datetime) -> Outcome:
    need = _runner_up_need(cat, turn)
    if need is not None and not cat.named(turn.text):
        return _answer(cat, need, turn, state, now)
    reply = replies.opening_hours(cat, turn.text, audience=state.audience, municipality_id=state.municipality,
                                  last_need=state.last_need, now=now, danger_first=turn.danger_first)
    return Outcome(tuple(Message(text=text) for text in reply.messages), state)
