"""Between a rasa-sdk tracker and `bot.conversation`: the tracker in, the outcome out."""
from __future__ import annotations

from typing import Any, Dict, List, Tuple

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.conversation import Outcome, State, Turn


def read(tracker: Tracker) -> Tuple[Turn, State]:
    """The latest message and what the slots remember."""
    return Turn.from_parse_data(tracker.latest_message), State.from_slots(tracker.slots)


def send(dispatcher: CollectingDispatcher, outcome: Outcome, before: State) -> List[Dict[str, Any]]:
    """Send the outcome's messages; the SlotSet events for what it changed."""
    for message in outcome.messages:
        if message.response is not None:
            dispatcher.utter_message(response=message.response)
        else:
            dispatcher.utter_message(text=message.text, buttons=list(message.buttons))
    return [SlotSet(name, value) for name, value in outcome.state.changes_since(before).items()]
