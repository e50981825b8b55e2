"""`action_opening_hours`: "är Bris öppet nu?", "när kan jag ringa socialtjänsten?" – answered from the catalogue
(`bot.conversation.respond`)."""
from __future__ import annotations

import logging
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import turn as tracker_turn
from bot import catalogue, conversation

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
            dispatcher.utter_message(response=conversation.FALLBACK_RESPONSE)
            return []
        turn, state = tracker_turn.read(tracker)
        return tracker_turn.send(dispatcher, conversation.respond(cat, turn, state), state)
