"""`action_opening_hours`: "är Bris öppet nu?", "när kan jag ringa socialtjänsten?" – answered from the catalogue."""
from __future__ import annotations

import logging
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.route import ActionRoute
from bot import audience as audience_mod
from bot import catalogue, municipality, replies
from bot.crisis import UNSURE_ACUTE

logger = logging.getLogger(__name__)

# A question that names no resource is probably not about opening hours ("pappa öppnar en öl så fort
# han kommer hem"): when the classifier's runner-up is a need at least this likely, answer that need.
MIN_RUNNER_UP = 0.15


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
        events = [SlotSet("municipality", kommun), SlotSet("audience", who)]
        danger_first = (message.get("crisis") or {}).get("hint") == UNSURE_ACUTE
        need = self._runner_up_need(cat, message)
        if need is not None and not cat.named(text):
            logger.info("Öppettidsfråga utan namn; svarar behovet %s", need)
            ActionRoute._answer(dispatcher, cat, need, who, kommun, text, danger_first)
            return events + [SlotSet("last_need", need)]
        reply = replies.opening_hours(cat, text, audience=who, municipality_id=kommun,
                                      last_need=tracker.get_slot("last_need"), danger_first=danger_first)
        for line in reply.messages:
            dispatcher.utter_message(text=line)
        return events

    @staticmethod
    def _runner_up_need(cat, message: Dict[str, Any]) -> str | None:
        ranking = message.get("intent_ranking") or []
        runner_up = next((r for r in ranking if r.get("name") not in (None, "ask_opening_hours", "nlu_fallback")), None)
        if runner_up and cat.need(runner_up["name"]) is not None and (runner_up.get("confidence") or 0.0) >= MIN_RUNNER_UP:
            return runner_up["name"]
        return None
