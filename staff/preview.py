"""What the bot answers, for staff checking an edit: a need, a reader, a municipality and a moment.

Used by `python -m staff svar` / `make forhandsvisa` and by the staff page (/personal). The options are
read the way staff write them ("Kungälv", "förälder", "lördag 22:00"), and anything unknown is an
error that lists what there is, never a silent fallback to the generic reply.
"""
from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field
from typing import List, Tuple

from bot import followup, hours, languages, replies
from bot.catalogue import AUDIENCES, Catalogue, Municipality, Resource, local_key
from bot.text import normalize

# Who reads the reply, in Swedish. The keys are the catalogue's `route` keys.
READERS = {"child": "barn eller ung", "guardian": "förälder", "adult": "annan vuxen", "professional": "yrkesperson"}
_READER_WORDS = {"barn": "child", "ung": "child", "foralder": "guardian", "vardnadshavare": "guardian",
                 "vuxen": "adult", "yrkesperson": "professional"}
_WEEKDAYS = {normalize(name): i for i, name in enumerate(hours.WEEKDAY_NAMES_SV)}
_DAY_WORDS = {"idag": 0, "i dag": 0, "imorgon": 1, "i morgon": 1}
_CLOCK = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?$")
TIME_EXAMPLES = '"lördag 22:00", "i morgon 08:30", "2026-12-24 10:00" eller "nu"'


class PreviewError(ValueError):
    """An option staff wrote that does not fit; the message is Swedish and says what there is."""


def need_id(cat: Catalogue, value: str) -> str:
    if value in cat.needs:
        return value
    service = _service(cat, value)
    if service is not None:
        leading = needs_leading_to(cat, local_key(service))
        raise PreviewError(f"'{value}' är en kommunal tjänst ({service}), inget behov. Behov som leder dit: "
                           f"{', '.join(leading) or 'inga'}. En kommuns egen resurs visas med: python -m staff resurs "
                           "<resursens id eller namn>.")
    named = resource(cat, value, strict=False)
    if named is not None:
        raise PreviewError(f"'{value}' är en resurs ({named.id}), inget behov. Visa den med: python -m staff resurs "
                           f"{named.id}. Behov som leder dit: {', '.join(needs_leading_to(cat, route_key(named))) or 'inga'}.")
    close = difflib.get_close_matches(value, list(cat.needs), n=1)
    hint = f" – menade du '{close[0]}'?" if close else ""
    raise PreviewError(f"Okänt behov '{value}'{hint} Alla behov: python -m staff behov (eller make forhandsvisa).")


def _service(cat: Catalogue, value: str) -> str | None:
    wanted = normalize(value)
    for key, service in cat.services.items():
        if wanted in {normalize(n) for n in (key, service.name or "", *service.aliases) if n}:
            return key
    return None


def route_key(r: Resource) -> str:
    """How a need's route names *r*: its id, or `local:<service>` for a municipality's own resource."""
    return local_key(r.service) if r.is_local and r.service else r.id


def needs_leading_to(cat: Catalogue, key: str) -> List[str]:
    """The needs whose route names *key* (a resource id or `local:<service>`), in catalogue order."""
    return [need_id for need_id, need in cat.needs.items() if any(key in entries for entries in need.route.values())]


def resource(cat: Catalogue, value: str, strict: bool = True) -> Resource | None:
    """A resource by its id, name or another name ("soderhamn_fritid", "Bris"); with *strict* an error listing
    the close ones when none fits."""
    wanted = normalize(value)
    for r in cat.resources:
        if value == r.id or wanted in {normalize(n) for n in (r.id, r.name, *r.aliases)}:
            return r
    if not strict:
        return None
    close = difflib.get_close_matches(value, [r.id for r in cat.resources], n=3)
    hint = f" Menade du {' eller '.join(close)}?" if close else ""
    raise PreviewError(f"Resursen '{value}' finns inte i katalogen.{hint} Skriv resursens id eller namn "
                       "(id står på varje kort på personalsidan).")


def reader(value: str | None) -> str | None:
    """'child', 'guardian' … from the key or a Swedish word ("förälder"); None when not given."""
    if not value:
        return None
    key = value.strip().lower()
    found = key if key in AUDIENCES else _READER_WORDS.get(normalize(key))
    if found is None:
        known = ", ".join(f"{sv} ({k})" for k, sv in READERS.items())
        raise PreviewError(f"Okänd läsare '{value}'. Skriv någon av: {known}.")
    return found


def municipality(cat: Catalogue, value: str | None) -> Municipality | None:
    """The municipality by its id, name or another name in the catalogue ("Kungälv", "kungalv")."""
    if not value or not value.strip():
        return None
    wanted = normalize(value)
    for m in cat.municipalities:
        if wanted in {normalize(name) for name in (m.id, m.name, *m.aliases)}:
            return m
    named = cat.find_municipality(value)  # "Söderhamns kommun", "i Kungälv": as the chat reads it
    if named is not None:
        return named
    known = ", ".join(f"{m.name} ({m.id})" for m in cat.municipalities)
    raise PreviewError(f"Kommunen '{value}' finns inte i katalogen. Kända kommuner: {known}. "
                       "En ny kommun läggs till under municipalities i resources.yml (se docs/katalog.md).")


def moment(text: str | None, now: dt.datetime | None = None) -> dt.datetime:
    """The moment to preview, from staff's words: "lördag 22:00" (the coming Saturday, today included),
    "i morgon 8", "2026-12-24 10:00", "22:00" (today) or "nu"/nothing (now). Stockholm time."""
    now = (now or hours.stockholm_now()).astimezone(hours.STOCKHOLM)
    words = " ".join((text or "").strip().lower().split())
    if words in ("", "nu"):
        return now
    day, clock = now.date(), words
    for word, offset in sorted(_DAY_WORDS.items(), key=lambda item: -len(item[0])):
        if words.startswith(word):
            day, clock = day + dt.timedelta(days=offset), words[len(word):].strip()
            break
    else:
        first, _, rest = words.partition(" ")
        if normalize(first) in _WEEKDAYS:
            day += dt.timedelta(days=(_WEEKDAYS[normalize(first)] - day.weekday()) % 7)
            clock = rest
        elif re.match(r"^\d{4}-\d{2}-\d{2}$", first):
            try:
                day, clock = dt.date.fromisoformat(first), rest
            except ValueError:
                raise PreviewError(f"Datumet '{first}' finns inte – skriv ÅÅÅÅ-MM-DD.") from None
    match = _CLOCK.match(clock or "12")
    if not match or int(match.group(1)) > 23 or int(match.group(2) or 0) > 59:
        raise PreviewError(f"Förstår inte tiden '{text}'. Skriv till exempel {TIME_EXAMPLES}.")
    return dt.datetime.combine(day, dt.time(int(match.group(1)), int(match.group(2) or 0)), hours.STOCKHOLM)


def say_moment(when: dt.datetime) -> str:
    """'lördag 29 november 2026 kl. 22.00'."""
    return (f"{hours.WEEKDAY_NAMES_SV[when.weekday()]} {when.day} {hours.MONTH_NAMES_SV[when.month - 1]} "
            f"{when.year} kl. {when.hour:02d}.{when.minute:02d}")


def needs(cat: Catalogue) -> List[Tuple[str, str]]:
    """(need id, its one-line description for staff), in catalogue order."""
    return [(key, need.description or "(ingen förklaring – lägg till description i resources.yml)")
            for key, need in cat.needs.items()]


@dataclass
class Preview:
    """Everything shown for one choice: the reply, and what the bot answers to the follow-up questions
    about the resources it names (`followups`: question, answer messages). The command line and the staff
    page (staff/page.py) both show a Preview.
    """

    need_id: str
    description: str
    answered: str  # the need whose reply is shown: another one when `redirect` sends this reader there
    reader: str  # who the reply is written for (the need's usual writer when none was chosen)
    chosen_reader: str | None
    municipality: Municipality | None
    when: dt.datetime
    reply: replies.Reply
    message: str = ""  # what the writer wrote, when given: a stated age or certain words change the reply
    followups: List[Tuple[str, List[str]]] = field(default_factory=list)
    language: str | None = None  # the writer's language, when chosen
    language_line: str | None = None  # the line a crisis reply gets in that language (bot/crisis_languages.yml)

    def heading(self) -> str:
        who = READERS[self.reader] + ("" if self.chosen_reader else " – behovets vanliga läsare")
        place = f"{self.municipality.name} ({self.municipality.id})" if self.municipality else "ingen kommun vald"
        lines = [f"Behov: {self.need_id} – {self.description}"]
        if self.answered != self.need_id:
            lines.append(f"Svaret kommer från: {self.answered} (redirect i resources.yml)")
        lines += [f"Läsare: {who}", f"Kommun: {place}", f"Tid: {say_moment(self.when)}"]
        if self.message:
            lines.append(f"Meddelande: {self.message}")
        if self.language:
            lines.append(f"Skriver på: {self.language}" + ("" if self.language_line else
                                                            " (raden på språket läggs bara till i krissvar)"))
        return "\n".join(lines)

    def text(self) -> str:
        """For the terminal: the heading, then the reply as the user sees it, buttons in [ ]."""
        buttons = [f"[{b['title']}]" for b in self.reply.buttons]
        asked = [f"\n{question}\n" + "\n".join(answer) for question, answer in self.followups]
        more = ["", "Följdfrågor om stöden i svaret:", *asked] if asked else []
        extra = [f"Raden på språket ({self.language}): {self.language_line}"] if self.language_line else []
        return "\n".join([self.heading(), "", self.reply.text, *extra, *buttons, *more])


def preview(cat: Catalogue, need: str, who: str | None = None, place: str | None = None,
            when: str | None = None, text: str = "", now: dt.datetime | None = None, language: str | None = None) -> Preview:
    """The preview for the options as staff wrote them (*who* "förälder", *place* "Kungälv", *when*
    "lördag 22:00", *language* "ar" for a writer in Arabic); PreviewError (Swedish) when one does not fit."""
    key, audience, found, moment_ = need_id(cat, need), reader(who), municipality(cat, place), moment(when, now)
    reply = replies.compose(cat, key, audience=audience, municipality_id=found.id if found else None, text=text,
                            now=moment_)
    answered = cat.needs[key].redirected(audience, text) or key
    read_by = cat.needs[answered].reader(audience)
    return Preview(key, dict(needs(cat))[key], answered, read_by, audience, found, moment_, reply, text.strip(),
                   followups(cat, reply.keys, read_by, found.id if found else None), language or None,
                   language_line(cat, reply, language))


def followups(cat: Catalogue, keys: List[str], reader: str, municipality_id: str | None) -> List[Tuple[str, List[str]]]:
    """What the bot answers to each follow-up question about the resources *keys* (a reply's route keys); none
    for a reply that names no resource (a question with buttons)."""
    shown: List[Tuple[str, List[str]]] = []
    if not keys:
        return shown
    for topic in followup.TOPICS:
        if topic == followup.HOURS:  # the reply itself says whether each resource is open
            continue
        answer = followup.answer(cat, [topic], keys, reader, municipality_id)
        if answer is not None:
            shown.append((followup.TOPIC_QUESTIONS[topic], answer.messages))
    return shown


# ---------------------------------------------------------------- a resource's coming days


@dataclass(frozen=True)
class Day:
    day: dt.date
    hours: str  # "09.00–11.00", "stängt", "öppet dygnet runt"
    why: str = ""  # why it differs from the usual week: "helgdag: juldagen", "stängd dag (closed_dates)", a note

    def label(self) -> str:
        return f"{hours.WEEKDAY_NAMES_SV[self.day.weekday()]} {self.day.day} {hours.MONTH_NAMES_SV[self.day.month - 1]}"


WEEK_DAYS = 14


def week(r: Resource, start: dt.date, days: int = WEEK_DAYS) -> List[Day]:
    """The opening hours of *r* for *days* days from *start*: hours, holidays and closures, each with its reason.
    Empty when the catalogue has no hours for it."""
    schedule = r.schedule
    if schedule is None:
        return []
    raw = r.hours or {}
    closed = {str(d) for d in raw.get("closed_dates") or []}
    out = []
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        said = hours.day_summary(schedule, day) or ""
        why = ""
        if not schedule.always:
            exception = next((e for e in raw.get("exceptions") or [] if isinstance(e, dict)
                              and str(e.get("from")) <= day.isoformat() <= str(e.get("to") or e.get("from"))), None)
            if day.isoformat() in closed:
                why = "stängd dag (closed_dates)"
            elif exception is not None:
                why = "undantag" + (f": {exception['note']}" if exception.get("note") else " (exceptions)")
            elif hours.is_public_holiday(day):
                name = hours.holiday_name(day)
                why = f"helgdag: {name}" + ("" if not schedule.holidays_open else " – öppet som vanligt")
        out.append(Day(day, said, why))
    return out


def language_line(cat: Catalogue, reply: replies.Reply, code: str | None) -> str | None:
    """The line in language *code* that a crisis reply gets when the message is in that language (None otherwise)."""
    if not code:
        return None
    if code not in languages.LANGUAGES:
        raise PreviewError(f"Okänt språk '{code}'. Skriv någon av: {', '.join(languages.LANGUAGES)}.")
    if not {r.id for r in cat.resources if r.emergency} & set(reply.resources):
        return None
    return languages.numbers_line(code, reply.text)
