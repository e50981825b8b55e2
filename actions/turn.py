"""Between Rasa and `bot.conversation`: Rasa's shapes are translated here, and only here.

Rasa's parse data (`tracker.latest_message`) becomes a `Turn`, the slots a `State`; the `Outcome` goes
back as dispatched messages (domain.yml responses by their Rasa names) and `SlotSet` for what changed.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Dict, List, Mapping, Tuple

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.conversation import GREET_RESPONSE, MENU_RESPONSE, NO_INTENT, Crisis, Outcome, State, Turn

#: Rasa's intent for a message the classifier is unsure of (FallbackClassifier); the domain's NO_INTENT.
FALLBACK_INTENT = "nlu_fallback"
#: The domain's fixed replies by their names in domain.yml.
RESPONSES = {MENU_RESPONSE: "utter_menu", GREET_RESPONSE: "utter_greet"}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _confidence(value: Any) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


def _intent(name: str | None) -> str | None:
    return NO_INTENT if name == FALLBACK_INTENT else name


def turn_of(data: Any) -> Turn:
    """From Rasa's parse data (`tracker.latest_message`); a missing or malformed part counts as absent."""
    data = data if isinstance(data, Mapping) else {}
    intent = data.get("intent") if isinstance(data.get("intent"), Mapping) else {}
    ranking = tuple((_intent(r["name"]) or "", _confidence(r.get("confidence"))) for r in data.get("intent_ranking") or ()
                    if isinstance(r, Mapping) and isinstance(r.get("name"), str))
    entities = tuple((e["entity"], str(e.get("value"))) for e in data.get("entities") or ()
                     if isinstance(e, Mapping) and isinstance(e.get("entity"), str))
    crisis = data.get("crisis") if isinstance(data.get("crisis"), Mapping) else {}
    return Turn(
        text=_text(data.get("text")) or "",
        intent=_intent(_text(intent.get("name"))),
        confidence=_confidence(intent.get("confidence")),
        ranking=ranking,
        entities=entities,
        metadata=data.get("metadata") if isinstance(data.get("metadata"), Mapping) else None,
        crisis=Crisis(kind=_text(crisis.get("kind")), rule=_text(crisis.get("rule")),
                      idiom=crisis.get("idiom") is True, hint=_text(crisis.get("hint"))),
    )


def state_of(slots: Mapping[str, Any]) -> State:
    """From the slots: one per field of `State`, same name (`resources` is a list slot)."""
    values = {f.name: slots.get(f.name) for f in dataclasses.fields(State)}
    keys = values["resources"]
    values["resources"] = tuple(k for k in keys if isinstance(k, str)) if isinstance(keys, (list, tuple)) else ()
    return State(**values)


def slot_value(value: Any) -> Any:
    """A field's value as its slot holds it (a tuple becomes a Rasa list slot's list)."""
    return list(value) if isinstance(value, tuple) else value


def slots_of(state: State) -> Dict[str, Any]:
    """The slots for *state*."""
    return {f.name: slot_value(getattr(state, f.name)) for f in dataclasses.fields(state)}


def read(tracker: Tracker) -> Tuple[Turn, State]:
    """The latest message (with the channel it came in on) and what the slots remember."""
    channel = _text(tracker.get_latest_input_channel())
    return dataclasses.replace(turn_of(tracker.latest_message), channel=channel), state_of(tracker.slots)


def send(dispatcher: CollectingDispatcher, outcome: Outcome, before: State) -> List[Dict[str, Any]]:
    """Send the outcome's messages; the SlotSet events for what it changed."""
    for message in outcome.messages:
        if message.response is not None:
            dispatcher.utter_message(response=RESPONSES[message.response])
        else:
            dispatcher.utter_message(text=message.text, buttons=list(message.buttons))
    return [SlotSet(name, slot_value(value)) for name, value in outcome.state.changes_since(before).items()]
