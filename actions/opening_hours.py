"""`action_opening_hours`: "är Bris öppet nu?", "när kan jag ringa socialtjänsten?" – answered from the catalogue
by `bot.conversation.respond`, like every other turn (`action_route`); a rule of its own keeps the intent visible
in the dialogue data."""
from __future__ import annotations

from actions.route import ActionRoute


class ActionOpeningHours(ActionRoute):
    def name(self) -> str:
        return "action_opening_hours"
