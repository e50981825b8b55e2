"""`action_route`: answer a need with the resources from the catalogue."""
from __future__ import annotations

import logging
import traceback
from pathlib import Path
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot import audience as audience_mod
from bot import catalogue, fallback, municipality, replies
from bot.crisis import UNSURE_ACUTE

logger = logging.getLogger(__name__)


def check_catalogue() -> bool:
    """Read the catalogue once at start-up and say loudly in the log when it cannot be used."""
    try:
        catalogue.current()
    except catalogue.CatalogueError as e:
        logger.error("KATALOGFEL: %s – boten svarar bara med inbyggda nödsvar (112, 90101, Bris, 114 14) "
                     "tills filen är rättad", e)
        return False
    return True


check_catalogue()

MENU_RESPONSE = "utter_menu"
FALLBACK_RESPONSE = "utter_default"


def _entity_values(tracker: Tracker, entity: str) -> List[str]:
    return [str(e.get("value")) for e in tracker.latest_message.get("entities", []) if e.get("entity") == entity]


class ActionRoute(Action):
    def name(self) -> str:
        return "action_route"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        # Whatever fails here, the person gets the safe static reply (112, 90101, Bris, 114 14).
        try:
            cat = catalogue.current()
        except catalogue.CatalogueError as e:
            logger.error("KATALOGFEL: %s – boten svarar bara med inbyggda nödsvar", e)
            return self._static(dispatcher, tracker)
        try:
            return self._route(dispatcher, tracker, cat)
        except Exception as e:
            where = traceback.extract_tb(e.__traceback__)[-1]
            # The exception's own message may quote the user: log its type and place only.
            logger.error("action_route misslyckades (%s i %s:%s); skickar det inbyggda nödsvaret",
                         type(e).__name__, Path(where.filename).name, where.lineno)
            return self._static(dispatcher, tracker)

    @staticmethod
    def _static(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
        message = tracker.latest_message if isinstance(tracker.latest_message, dict) else {}
        text = message.get("text") if isinstance(message.get("text"), str) else ""
        intent = message.get("intent") if isinstance(message.get("intent"), dict) else {}
        dispatcher.messages.clear()  # nothing half-composed goes out
        for m in fallback.static_reply(text, intent.get("name")):
            dispatcher.utter_message(text=m["text"])
        return []

    def _route(self, dispatcher: CollectingDispatcher, tracker: Tracker, cat: catalogue.Catalogue) -> List[Dict[str, Any]]:
        message = tracker.latest_message or {}
        text = message.get("text") or ""
        intent = (message.get("intent") or {}).get("name")
        named = _entity_values(tracker, "municipality")
        who = audience_mod.detect(text) or tracker.get_slot("audience")
        if intent == "inform_municipality":
            # Only what the user wrote now counts: a town we do not know replaces the old one.
            told = municipality.resolve(cat, text=text, entities=named, default="")
            events = [SlotSet("municipality", told), SlotSet("audience", who)]
            return events + self._municipality_told(dispatcher, tracker, cat, told, who, named)

        kommun = municipality.resolve(
            cat,
            text=text,
            metadata=message.get("metadata"),
            entities=named,
            remembered=tracker.get_slot("municipality"),
        )
        events: List[Dict[str, Any]] = [SlotSet("municipality", kommun), SlotSet("audience", who)]
        if cat.need(intent) is None:
            logger.warning("Ingen post i katalogen för avsikten %s", intent)
            dispatcher.utter_message(response=FALLBACK_RESPONSE)
            dispatcher.utter_message(response=MENU_RESPONSE)
            return events

        danger_first = (message.get("crisis") or {}).get("hint") == UNSURE_ACUTE
        self._answer(dispatcher, cat, intent, who, kommun, text, danger_first)
        return events + [SlotSet("last_need", intent)]

    @staticmethod
    def _answer(dispatcher: CollectingDispatcher, cat, need: str, who: str | None, kommun: str | None,
                text: str, danger_first: bool = False) -> None:
        reply = replies.compose(cat, need, audience=who, municipality_id=kommun, text=text, danger_first=danger_first)
        for i, message in enumerate(reply.messages):
            last = i == len(reply.messages) - 1
            dispatcher.utter_message(text=message, buttons=reply.buttons if last else [])

    def _municipality_told(self, dispatcher, tracker: Tracker, cat, kommun: str | None, who: str | None,
                           named: List[str]) -> List[Dict[str, Any]]:
        place = cat.municipality(kommun)
        if place is None:
            if named:
                dispatcher.utter_message(
                    text=f"Jag har inga uppgifter om stöd i {named[0].strip().title()} än. "
                    "Jag visar stöd som finns i hela Sverige."
                )
            else:
                dispatcher.utter_message(text="Jag känner inte igen den kommunen. Jag visar stöd som finns i hela Sverige.")
        last_need = tracker.get_slot("last_need")
        if last_need and cat.need(last_need) is not None and place is not None:
            dispatcher.utter_message(text=f"Här är stöd i {place.name}:")
            self._answer(dispatcher, cat, last_need, who, kommun, "")
            return []
        if place is not None:
            dispatcher.utter_message(text=f"Tack! Nu visar jag stöd i {place.name}.")
        dispatcher.utter_message(response=MENU_RESPONSE)
        return []
