"""The Swedish reply for one need: intro, the resources with how to reach them and
whether they are open now, and buttons where the need asks a question.

Wording of needs and resources comes from the catalogue; only the glue sentences
("Ring …", "Öppet nu.") live here.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import List, cast

from bot import audience as writer
from bot import hours, routing
from bot.catalogue import Catalogue, Municipality, Need, Resource, Texts
from bot.hours import STOCKHOLM, stockholm_now
from bot.text import mentions_any, normalize

MAX_HOURS_ANSWERS = 3
SWITCHBOARD = "vaxel"  # the service that is the municipality's switchboard
_SAYS_ANONYMOUS = re.compile(r"anonym|vem du är", re.IGNORECASE)  # "du behöver inte säga vem du är" says it too


@dataclass
class Reply:
    messages: List[str]
    buttons: List[dict] = field(default_factory=list)
    resources: List[str] = field(default_factory=list)  # ids named, for tests and statistics
    leads_with_emergency: bool = False  # the first message is the call to the emergency number (see emergency_first)
    # What the reply named, as route keys (resource ids and local:<service> for a service the municipality
    # lacks): what a follow-up question ("är det anonymt?") is about (bot.followup).
    keys: List[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n\n".join(self.messages)


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


def display_url(url: str) -> str:
    """How an address is shown: no scheme, no trailing slash ("www.bris.se")."""
    for prefix in ("https://", "http://"):
        if url.startswith(prefix):
            url = url[len(prefix):]
    return url.rstrip("/")


def _contact(r: Resource, child: bool, said: str = "") -> str:
    """How to reach *r*; a phone number the text before it (*said*) already gave is not repeated."""
    if child:
        ways = []
        if r.phone and r.phone not in said:
            ways.append(f"ring {r.phone}")
        if r.sms:
            ways.append(f"sms:a {r.sms}")
        if r.chat:
            ways.append(f"chatta på {display_url(r.chat)}")
        if r.eservice:
            ways.append(f"skriv på {display_url(r.eservice)}")
        if r.web and not (r.chat or r.eservice):
            ways.append(f"läs på {display_url(r.web)}")
        if not ways:
            return ""
        return _sentence(", ".join(ways[:-1]) + (" eller " if len(ways) > 1 else "") + ways[-1])
    parts = []
    if r.phone and r.phone not in said:
        parts.append(f"Telefon: {r.phone}.")
    if r.sms:
        parts.append(f"Sms: {r.sms}.")
    if r.chat:
        parts.append(f"Chatt: {display_url(r.chat)}.")
    if r.eservice:
        parts.append(f"E-tjänst: {display_url(r.eservice)}.")
    if r.web and r.web not in (r.chat, r.eservice):
        parts.append(f"Webb: {display_url(r.web)}.")
    return " ".join(parts)


def contact(r: Resource, child: bool) -> str:
    """How to reach *r*, as one sentence: "Ring 116 111 eller chatta på www.bris.se." (a child) or
    "Telefon: 116 111. Chatt: www.bris.se." (an adult); "" when the catalogue has no way."""
    return _contact(r, child)


def describe_resource(r: Resource, child: bool, now: dt.datetime) -> str:
    """One message about one resource: name, what it is for, how to reach it, open or not, anonymity."""
    about = r.about.child if child and r.about.child else (r.about.adult or r.about.child or "")
    if r.emergency:
        return _sentence(about)
    lines = [f"{r.name}: {_sentence(about)}" if about else f"{r.name}."]
    contact = _contact(r, child, said=about)
    if contact:
        lines.append(contact)
    status = hours.describe(r.schedule, now)
    if status:
        lines.append(_sentence(status))
    if r.anonymous and not _SAYS_ANONYMOUS.search(about):
        lines.append("Du kan vara anonym.")
    return " ".join(lines)


def names_number(text: str, phone: str) -> bool:
    """Whether *text* gives the number *phone* on its own ("Ring 112."), not as a part of a longer
    number ("0150-112 00")."""
    return re.search(rf"(?<![\d-])(?<!\d ){re.escape(phone)}(?![ -]?\d)", text) is not None


def _emergency(cat: Catalogue) -> Resource | None:
    """The emergency number's resource (112)."""
    return next((r for r in cat.resources if r.emergency), None)


def emergency_first(cat: Catalogue, reply: Reply, child: bool, now: dt.datetime) -> Reply:
    """*reply* led by the emergency number (112): for a message that may be about danger right now
    although no crisis rule confirmed it. Unchanged when its first message already is the call to
    112 (the emergency line, or an intro that says "ring 112"); a number named in passing further on
    ("kvällar: socialjouren via 112") does not count. Else the emergency line goes first, and only there."""
    emergency = _emergency(cat)
    if emergency is None or reply.leads_with_emergency:
        return reply
    line = describe_resource(emergency, child, now)
    messages = [line, *(m for m in reply.messages if m != line)]
    resources = [emergency.id, *(r for r in reply.resources if r != emergency.id)]
    keys = [emergency.id, *(k for k in reply.keys if k != emergency.id)]
    return Reply(messages=messages, buttons=reply.buttons, resources=resources, leads_with_emergency=True, keys=keys)


def _switchboard(cat: Catalogue, municipality: Municipality, named: List[Resource]) -> str:
    """" Kommunens växel: 0303-23 80 00." – the number that always exists, for a service the municipality has no
    contact for (unless the reply names the switchboard already)."""
    board = next((r for r in cat.local(SWITCHBOARD, municipality.id) if r.phone and r not in named), None)
    return f" Kommunens växel: {board.phone}." if board is not None else ""


def _pick_answer(need: Need, text: str) -> Texts | None:
    """The topic answer whose words occur in the message, else the default (empty match) one."""
    default = None
    for answer in need.answers:
        if not answer.match:
            default = default or answer
        elif mentions_any(text, answer.match):
            return answer.text
    return default.text if default else None


def compose(
    cat: Catalogue,
    need_id: str,
    audience: str | None = None,
    municipality_id: str | None = None,
    text: str = "",
    now: dt.datetime | None = None,
    danger_first: bool = False,
    follow_redirect: bool = True,
    age: int | None = None,
    ask_municipality: bool = True,
) -> Reply:
    """The whole first reply for *need_id*. Raises KeyError for an unknown need.

    *danger_first* puts the emergency line (112) first (`emergency_first`), for a message the
    classifier thought might be danger right now but the crisis layer could not confirm. *age* is the
    writer's own age; when not given, the age said in *text* ("jag är 9") is used. *ask_municipality*
    False: no "Skriv vilken kommun du bor i" (the writer just named one the catalogue does not know).
    """
    now = now or stockholm_now()
    age = age if age is not None else writer.stated_age(text)
    need = cat.needs[need_id]
    instead = need.redirected(audience, text) if follow_redirect else None
    if instead is not None:  # one step only, so two needs can never send a reply in circles
        return compose(cat, instead, audience, municipality_id, text, now, danger_first, follow_redirect=False, age=age,
                       ask_municipality=ask_municipality)
    child = need.reader(audience) == "child"
    reply = _compose(cat, need_id, need, child, audience, municipality_id, text, now, age, ask_municipality)
    return emergency_first(cat, reply, child, now) if danger_first else reply


def _compose(cat: Catalogue, need_id: str, need: Need, child: bool, audience: str | None,
             municipality_id: str | None, text: str, now: dt.datetime, age: int | None,
             ask_municipality: bool = True) -> Reply:
    register = "child" if child else "adult"

    if need.ask is not None:
        return Reply(
            messages=[need.ask.text.for_reader(register) or ""],
            buttons=[{"title": b.title, "payload": f"/{b.intent}"} for b in need.ask.buttons],
        )

    messages: List[str] = []
    answer = _pick_answer(need, text)
    intro = answer.for_reader(register) if answer else need.text.for_reader(register)
    if intro:
        messages.append(intro.strip())

    result = routing.route(cat, need_id, audience, municipality_id, now, age)
    municipality = cat.municipality(municipality_id)
    ask_for_municipality = False
    said_none_here = False
    emergency_line = None
    for item in result.items:
        if item.resource is not None and item.resource.emergency and intro and names_number(intro, item.resource.phone or ""):
            continue  # the intro already says "Ring 112"; say it once
        if item.resource is not None:
            if item.resource is result.added_24_7:
                messages.append(
                    "Det är stängt just nu. Hit kan du vända dig dygnet runt:" if child
                    else "Det är stängt just nu. Här får du hjälp dygnet runt:"
                )
            line = describe_resource(item.resource, child, now)
            if item.resource.emergency and need.emergency:
                messages.insert(0, line)  # danger first: 112 before any other word
                emergency_line = line
            else:
                messages.append(line)
            continue
        service = cat.services[cast(str, item.service)]
        generic = service.generic.for_reader(register) or ""
        if municipality is not None and not said_none_here:  # say it once, however many services are missing
            switchboard = _switchboard(cat, municipality, result.resources)
            messages.append(f"Jag har inga kontaktuppgifter för {municipality.name} om det här än. {generic}"
                            f"{switchboard}".strip())
            said_none_here = True
        elif municipality is not None:
            messages.append(generic.strip())
        else:
            messages.append(generic.strip())
            ask_for_municipality = True
    if ask_for_municipality and ask_municipality:
        messages.append("Skriv vilken kommun du bor i, så visar jag stöd nära dig.")
    messages = [m for m in messages if m]
    emergency = _emergency(cat)
    first = messages[0] if messages else None
    leads = first is not None and (first == emergency_line or (
        intro is not None and first == intro.strip() and emergency is not None
        and names_number(first, emergency.phone or "")))
    return Reply(messages=messages, resources=[r.id for r in result.resources], leads_with_emergency=leads,
                 keys=[item.key for item in result.items])


# ---------------------------------------------------------------- "jag bor i Kungälv"


def municipality_unknown(named: str | None) -> str:
    """The place the user named (*named*, as written) is no municipality of the catalogue."""
    if named:
        return f"Jag har inga uppgifter om stöd i {named.strip().title()} än. Jag visar stöd som finns i hela Sverige."
    return "Jag känner inte igen den kommunen. Jag visar stöd som finns i hela Sverige."


def municipality_here(place: Municipality) -> str:
    """Before the last need's reply again, now with the municipality's own resources."""
    return f"Här är stöd i {place.name}:"


def municipality_national(place: Municipality) -> str:
    """Before the last need's reply again, when its support is national and the same in *place*."""
    return f"Det här stödet finns i hela landet, också i {place.name}:"


def municipality_thanks(place: Municipality) -> str:
    return f"Tack! Nu visar jag stöd i {place.name}."


# ---------------------------------------------------------------- "är Bris öppet nu?"

_DAY_WORDS = {  # normalized words → weekday (mon=0); "i morgon" is handled separately
    "mandag": 0, "mandagar": 0, "tisdag": 1, "tisdagar": 1, "onsdag": 2, "onsdagar": 2, "torsdag": 3,
    "torsdagar": 3, "fredag": 4, "fredagar": 4, "lordag": 5, "lordagar": 5, "sondag": 6, "sondagar": 6,
}
ASK_WHICH = {
    "child": "Vilket ställe undrar du över? Skriv till exempel Bris, soc eller 1177.",
    "adult": "Vilken stödlinje eller mottagning undrar du över? Skriv till exempel Bris, socialtjänsten eller 1177.",
}


def asked_day(text: str, now: dt.datetime) -> dt.date | None:
    """The day a question is about ("på lördag", "i morgon"), or None for "now"."""
    words = f" {normalize(text)} "
    today = now.astimezone(STOCKHOLM).date()
    if " imorgon " in words or " i morgon " in words or " imorn " in words:
        return today + dt.timedelta(days=1)
    for word, weekday in _DAY_WORDS.items():
        if f" {word} " in words:  # the next such day, today included
            return today + dt.timedelta(days=(weekday - today.weekday()) % 7)
    return None


def _hours_line(r: Resource, child: bool, now: dt.datetime, day: dt.date | None) -> str:
    """One message: the resource, whether it is open now (or on the day asked), its usual week, how to reach it."""
    schedule = r.schedule
    status = hours.describe(schedule, now)
    contact = _contact(r, child)
    about = r.about.for_reader("child" if child else "adult")
    if status is None and not contact and about:  # no hours, no number: its text says how and when (socialjour via 112)
        return f"{r.name}: {_sentence(about)}"
    if status is None:
        return f"Jag har inga öppettider för {r.name}. {contact}".strip()
    parts = [f"{r.name}: {status}."]
    if day is not None and not r.always_open:
        name = hours.WEEKDAY_NAMES_SV[day.weekday()]
        summary = hours.day_summary(schedule, day)
        parts.append(f"På {name} {day.day} {hours.MONTH_NAMES_SV[day.month - 1]}: {summary}.")
    week = hours.weekly_summary(schedule)
    if week:
        label = "Telefontid" if r.phone else "Öppet"
        parts.append(f"{label}: {week}." + ("" if schedule is not None and schedule.holidays_open else " Stängt på helgdagar."))
    if contact:
        parts.append(contact)
    return " ".join(parts)


def opening_hours(
    cat: Catalogue,
    text: str,
    audience: str | None = None,
    municipality_id: str | None = None,
    last_need: str | None = None,
    now: dt.datetime | None = None,
    danger_first: bool = False,
) -> Reply:
    """Answer "är Bris öppet nu?" / "när kan jag ringa socialtjänsten?" from the catalogue.

    What is asked about comes from the names and aliases in the catalogue; a municipal service
    is the user's municipality's resource. With no name, the resources of the last need answered
    are described; with neither, the user is asked which one. *danger_first* puts 112 first.
    """
    now = now or stockholm_now()
    child = audience == "child"
    reply = _opening_hours(cat, text, child, audience, municipality_id, last_need, now)
    return emergency_first(cat, reply, child, now) if danger_first else reply


def _opening_hours(cat: Catalogue, text: str, child: bool, audience: str | None, municipality_id: str | None,
                   last_need: str | None, now: dt.datetime) -> Reply:
    register = "child" if child else "adult"
    day = asked_day(text, now)
    items = [routing.resolve(cat, key, municipality_id) for key in cat.named(text)]
    if not items and last_need and cat.need(last_need) is not None:
        result = routing.route(cat, last_need, audience, municipality_id, now)
        items = [i for i in result.items if not (i.resource and i.resource.emergency)]
    if not items:
        return Reply(messages=[ASK_WHICH[register]])

    messages: List[str] = []
    named: List[str] = []
    municipality = cat.municipality(municipality_id)
    items = items[:MAX_HOURS_ANSWERS]
    for item in items:
        if item.resource is not None:
            messages.append(_hours_line(item.resource, child, now, day))
            named.append(item.resource.id)
        elif municipality is None:
            messages.append("Det beror på var du bor. Skriv vilken kommun du bor i, så ser jag öppettiderna där.")
        else:
            generic = cat.services[cast(str, item.service)].generic.for_reader(register) or ""
            messages.append(f"Jag har inga öppettider för det i {municipality.name} än. {generic}".strip())
    first = items[0].resource
    return Reply(messages=messages, resources=named, leads_with_emergency=first is not None and first.emergency)
