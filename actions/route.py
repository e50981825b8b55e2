"""`action_route`: answer a need with the resources from the catalogue (`bot.conversation.respond`)."""
from __future__ import annotations

import logging
import traceback
from pathlib import Path
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import turn as tracker_turn
from bot import catalogue, catalogue_store, conversation, fallback

logger = logging.getLogger(__name__)


def check_catalogue() -> bool:
    """Read the catalogue once at start-up and say loudly in the log when it cannot be used."""
    try:
        catalogue_store.current()
    except catalogue.CatalogueError as e:
        logger.error("KATALOGFEL: %s – boten svarar bara med inbyggda nödsvar (112, 90101, Bris, 114 14) "
                     "tills filen är rättad", e)
        return False
    return True


check_catalogue()


class ActionRoute(Action):
    def name(self) -> str:
        return "action_route"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        # Whatever fails here, the person gets the safe static reply (112, 90101, Bris, 114 14).
        try:
            cat = catalogue_store.current()
        except catalogue.CatalogueError as e:
            logger.error("KATALOGFEL: %s – boten svarar bara med inbyggda nödsvar", e)
            return self._static(dispatcher, tracker)
        try:
            turn, state = tracker_turn.read(tracker)
            return tracker_turn.send(dispatcher, conversation.respond(cat, turn, state), state)
        except Exception as e:
            where = traceback.extract_tb(e.__traceback__)[-1]
            # The exception's own message may quote the user: log its type and place only.
            logger.error("action_route misslyckades (%s i %s:%s); skickar det inbyggda nödsvaret",
                         type(e).__name__, Path(where.filename).name, where.lineno)
            return self._static(dispatcher, tracker)

    @staticmethod
    def _static(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
        turn = tracker_turn.turn_of(tracker.latest_message)
        dispatcher.messages.clear()  # nothing half-sent goes out
        for m in fallback.static_reply(turn.text, turn.intent):
            dispatcher.utter_message(text=m["text"])
        return []
