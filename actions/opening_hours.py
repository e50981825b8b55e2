"""`action_opening_hours`: "är Bris öppet nu?", "när kan jag ringa socialtjänsten?" – answered from the catalogue."""
from __future__ import annotations

import logging
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot import audience as audience_mod
from bot import catalogue, municipality, replies

logger = logging.getLogger(__name__)


class ActionOpeningHours(Action):
    def name(self) -> str:
        return "action_opening_hours"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        try:
            cat = catalogue.current()
        except catalogue.CatalogueError:
            logger.error("Ingen katalog kunde läsas; öppettider kan inte visas.")
            dispatcher.utter_message(response="utter_default")
            return []
        message = tracker.latest_message or {}
        text = message.get("text") or ""
        named = [str(e.get("value")) for e in message.get("entities", []) if e.get("entity") == "municipality"]
        who = audience_mod.detect(text) or tracker.get_slot("audience")
        kommun = municipality.resolve(
            cat, text=text, metadata=message.get("metadata"), entities=named, remembered=tracker.get_slot("municipality")
        )
        reply = replies.opening_hours(cat, text, audience=who, municipality_id=kommun, last_need=tracker.get_slot("last_need"))
        for line in reply.messages:
            dispatcher.utter_message(text=line)
        return [SlotSet("municipality", kommun), SlotSet("audience", who)]
