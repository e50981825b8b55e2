"""The safe static reply: what the bot says when a part of it has failed.

Used when the action server is down or too slow (`rasa_wing/channels/rest.py`) and when the catalogue cannot
be read (`actions/route.py`); `too_fast_reply` when someone sends more messages than a person writes
(the channels' rate limit). A message about suicide, self-harm or danger right now gets 112
first, then Mind Självmordslinjen and Bris; any other message gets a short, warm note that the
bot has a temporary problem, with 112, Bris and the police tip line.

The numbers are taken from the catalogue when it can be read. Because the catalogue itself may
be what failed, four well-known national numbers are also built in (`BUILT_IN`); a unit test
checks that they equal the ones in the shipped resources.yml, so they cannot drift.
No Rasa imports here.
"""
from __future__ import annotations

import logging
from typing import Dict, List

from bot import catalogue_store, crisis

logger = logging.getLogger(__name__)

#: Catalogue resource id -> phone number, the last resort when the catalogue cannot be read.
BUILT_IN: Dict[str, str] = {
    "akut_112": "112",
    "mind_sjalvmordslinjen": "90101",
    "bris": "116 111",
    "polisen_tips": "114 14",
}

def numbers() -> Dict[str, str]:
    """The four emergency numbers: from the catalogue when it loads, else the built-in ones."""
    found = dict(BUILT_IN)
    try:
        cat = catalogue_store.current()
    except Exception as e:  # any failure here means: use the built-in numbers
        logger.error("KATALOGFEL: %s – boten svarar bara med inbyggda nödsvar", e)
        return found
    for resource_id in found:
        try:
            phone = cat.resource(resource_id).phone
        except KeyError:
            continue
        if phone:
            found[resource_id] = phone
    return found


def crisis_kind(text: str | None, intent: str | None = None) -> str | None:
    """The crisis kind of a message: from the crisis rules, a crisis intent, or a button payload."""
    if intent in crisis.KINDS:
        return intent
    text = text if isinstance(text, str) else ""
    payload = text.strip()
    if payload.startswith("/") and payload[1:].split("{", 1)[0] in crisis.KINDS:
        return payload[1:].split("{", 1)[0]
    return crisis.assess(text).kind


def _crisis_lines(n: Dict[str, str]) -> List[str]:
    return [
        f"Är du eller någon annan i fara nu? Ring {n['akut_112']}.",
        f"Du kan prata med någon om hur du har det. Ring Mind Självmordslinjen på {n['mind_sjalvmordslinjen']}. "
        f"Är du under 18 kan du också ringa Bris på {n['bris']}.",
    ]


def static_reply(text: str | None, intent: str | None = None) -> List[Dict[str, str]]:
    """Rasa-style messages (dicts with "text") that are always safe to send."""
    n = numbers()
    kind = crisis_kind(text, intent)
    if kind is not None:
        texts = _crisis_lines(n) + [
            "Jag har ett tekniskt fel just nu och kan inte svara som vanligt. Ring hellre än att vänta på mig.",
        ]
    else:
        texts = [
            "Förlåt, jag har ett tekniskt fel just nu och kan inte svara som vanligt.",
            f"Är du under 18 kan du prata med Bris. Ring {n['bris']}. "
            f"Vill du tipsa polisen om ett brott, ring {n['polisen_tips']}. "
            f"Är någon i fara nu, ring {n['akut_112']}.",
            "Du kan skriva till mig igen om en stund.",
        ]
    return [{"text": t} for t in texts]


def too_fast_reply(text: str | None) -> List[Dict[str, str]]:
    """The answer to a message sent faster than a person writes (the channels' rate limit): wait a
    moment; a crisis message still gets 112 and the right line."""
    n = numbers()
    wait = "Du skickar meddelanden snabbare än jag hinner läsa. Vänta en liten stund och skriv sedan igen."
    if crisis_kind(text) is not None:
        texts = _crisis_lines(n) + [wait]
    else:
        texts = [wait, f"Är någon i fara nu? Ring {n['akut_112']}. Är du under 18 kan du ringa Bris på {n['bris']}."]
    return [{"text": t} for t in texts]
