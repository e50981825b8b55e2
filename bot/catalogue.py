"""The resource catalogue (`resources.yml`): models, loading and look-ups.

The catalogue is the routing table: which resource serves which need, for whom,
where and when. Nothing here knows about Rasa.
"""
from __future__ import annotations

import datetime as dt
import difflib
import logging
import os
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar, Dict, List, Mapping, Sequence, Tuple

from pydantic import BaseModel, Extra, Field, PrivateAttr, ValidationError, root_validator, validator
from pydantic.fields import SHAPE_SINGLETON

from bot import hours as opening_hours
from bot import yamllines
from bot.text import mentions_any, normalize

AUDIENCES = ("child", "guardian", "adult", "professional")
CRISIS_LINES = ("acute_danger", "suicidal", "self_harm")  # the crisis lines under conversation.reminders
ROUTE_KEYS = AUDIENCES + ("default",)
MAX_RESOURCES = 3
# A route entry (or a key `named` returns) `local:<service>` means that service's resource in the
# user's municipality; `bot.routing.resolve` is where it is resolved.
LOCAL_PREFIX = "local:"
DEFAULT_PATH = Path(__file__).resolve().parent.parent / "resources.yml"
DESCRIPTION_MAX = 160  # a need's one-line description for staff
MAX_BYTES = 2_000_000  # the catalogue is ~50 kB; anything this big is the wrong file
_ID = re.compile(r"^[a-z0-9_]+$")
_PHONE_CHARS = re.compile(r"^[0-9 +\-()]+$")
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth a look) in the catalogue, for staff, in Swedish."""

    line: int | None
    where: str  # the resource / municipality / need it is about, or "" for the file
    message: str

    def format(self, name: str) -> str:
        place = f"{name}:{self.line}" if self.line else name
        return f"{place}: {self.where}: {self.message}" if self.where else f"{place}: {self.message}"


def local_key(service: str) -> str:
    return f"{LOCAL_PREFIX}{service}"


def service_of(key: str) -> str | None:
    """The service of a `local:<service>` key; None for a resource id."""
    return key[len(LOCAL_PREFIX):] if key.startswith(LOCAL_PREFIX) else None


class CatalogueError(ValueError):
    """The catalogue file cannot be used; the message is Swedish and meant for staff.

    `problems` holds every error found in one pass; str(error) lists them all, one per line.
    """

    def __init__(self, message: str | None = None, problems: Sequence[Problem] = (), name: str = "resources.yml"):
        self.problems = list(problems)
        self.name = name
        super().__init__(message or "\n".join(p.format(name) for p in self.problems))


class _Model(BaseModel):
    class Config:
        extra = Extra.forbid
        allow_mutation = False


class Texts(_Model):
    """A text in two registers: for children and young people, and for adults."""

    child: str | None = None
    adult: str | None = None

    def for_reader(self, audience: str) -> str | None:
        if audience == "child":
            return self.child or self.adult
        return self.adult or self.child


class Ages(_Model):
    """The ages a service says it is for, in whole years; either end may be open.

    A person who has said their age and is outside it is not sent there (bot.routing).
    """

    min: int | None = None
    max: int | None = None

    @validator("max")
    def _order(cls, value: int | None, values: dict) -> int | None:
        low = values.get("min")
        if value is not None and low is not None and value < low:
            raise ValueError(f"är {value}, lägre än min {low} – skriv den lägsta åldern i min och den högsta i max")
        return value

    def includes(self, age: int) -> bool:
        return (self.min is None or age >= self.min) and (self.max is None or age <= self.max)


class Detail(Texts):
    """One fact about a resource or service, for follow-up questions ("är det anonymt?"),
    with where it comes from. The text is what the bot says; keep it to what the source says."""

    source: str
    last_verified: dt.date
    text_required: ClassVar[bool] = True

    @validator("source")
    def _source(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("är tomt – skriv var uppgiften kommer ifrån (webbadress eller dokument)")
        return value

    @root_validator(skip_on_failure=True)
    def _text(cls, values: dict) -> dict:
        if cls.text_required and not (values.get("child") or values.get("adult")):
            raise ValueError("saknar text – skriv vad boten ska säga i child och/eller adult")
        return values


class CostDetail(Detail):
    free: bool  # true: free of charge to contact; the text is optional ("Det är gratis." is said otherwise)
    text_required: ClassVar[bool] = False


class BillDetail(Detail):
    shown: bool  # true: a call can be seen on the phone bill; the text is optional
    text_required: ClassVar[bool] = False


class Details(_Model):
    """Facts for follow-up questions (bot/followup.py). Each is optional: leave out what is not confirmed."""

    anonymity: Detail | None = None
    cost: CostDetail | None = None
    phone_bill: BillDetail | None = None
    channels: Detail | None = None
    ages: Detail | None = None
    who_answers: Detail | None = None
    what_happens: Detail | None = None
    removal: Detail | None = None
    email: Detail | None = None
    proof: Detail | None = None

    def items(self) -> List[Tuple[str, Detail]]:
        return [(name, getattr(self, name)) for name in self.__fields__ if getattr(self, name) is not None]


class Municipality(_Model):
    id: str
    name: str
    aliases: List[str] = Field(default_factory=list)
    source: str | None = None  # where the facts come from; `make check` warns when it is missing
    last_verified: dt.date


class Service(_Model):
    generic: Texts
    name: str | None = None
    aliases: List[str] = Field(default_factory=list)  # what people call it ("soc", "socialtjänsten")
    details: Details | None = None  # facts for follow-up questions, shared by the municipalities' resources


class Resource(_Model):
    id: str
    name: str
    aliases: List[str] = Field(default_factory=list)  # what people call it, for "är Bris öppet nu?"
    municipality: str | None = None
    service: str | None = None
    about: Texts
    phone: str | None = None
    sms: str | None = None
    chat: str | None = None
    eservice: str | None = None
    web: str | None = None
    email: str | None = None
    hours: dict | None = None
    anonymous: bool | None = None
    emergency: bool = False  # the emergency number itself: shown as one short line, never as a 24/7 stand-in
    ages: Ages | None = None
    details: Details | None = None  # facts for follow-up questions, each with its own source
    source: str | None = None  # where the facts come from; `make check` warns when it is missing
    last_verified: dt.date
    _schedule: opening_hours.Schedule | None = PrivateAttr(default=None)

    # `hours` is checked when the file is parsed (see _hours_problems), so every fault gets its own line.
    def __init__(self, **data: Any) -> None:
        super().__init__(**data)
        try:
            self._schedule = opening_hours.parse(self.hours)  # once, at load: replies use `schedule`
        except opening_hours.HoursError:
            pass  # reported by _hours_problems, which rejects the catalogue

    @validator("name")
    def _name(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("är tomt – skriv resursens namn så som användarna ska se det")
        return value

    @validator("phone", "sms")
    def _phone(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if re.search(r"[^\W\d_]", value):
            raise ValueError(f"'{value}' innehåller bokstäver – skriv bara siffror, mellanslag och bindestreck, "
                             "t.ex. \"0150-48 83 00\" eller \"116 111\"")
        if not _PHONE_CHARS.match(value):
            raise ValueError(f"'{value}' innehåller tecken som inte hör hemma i ett telefonnummer – "
                             "skriv bara siffror, mellanslag och bindestreck")
        if len(re.sub(r"\D", "", value)) < 3:
            raise ValueError(f"'{value}' är för kort för att vara ett telefonnummer")
        return value

    @validator("chat", "eservice", "web")
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^\s/]+\.[^\s]+$", value):
            raise ValueError(f"'{value}' är ingen fullständig webbadress – den ska börja med https://, "
                             "t.ex. https://www.bris.se/")
        return value

    @validator("email")
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", value, re.IGNORECASE):
            raise ValueError(f"'{value}' är ingen e-postadress")
        return value

    @property
    def is_local(self) -> bool:
        return self.municipality is not None

    @property
    def schedule(self) -> opening_hours.Schedule | None:
        """`hours`, parsed when the catalogue was loaded; None when unknown."""
        return self._schedule

    @property
    def always_open(self) -> bool:
        return self._schedule is not None and self._schedule.always


class Answer(_Model):
    id: str
    match: List[str] = Field(default_factory=list)
    text: Texts


class Button(_Model):
    title: str
    intent: str


class Ask(_Model):
    text: Texts
    buttons: List[Button]


class WordRedirect(_Model):
    need: str
    match: List[str]


class Redirect(_Model):
    """When an ambiguous need turns out not to be: answer another need instead."""

    by_audience: Dict[str, str] = Field(default_factory=dict)
    by_words: List[WordRedirect] = Field(default_factory=list)


class Need(_Model):
    description: str | None = None  # one line for staff (make forhandsvisa, /personal); never shown to users
    audience: str | None = None  # who usually writes about this need; used when the text does not say
    urgent: bool = False
    emergency: bool = False
    text: Texts = Field(default_factory=Texts)
    route: Dict[str, List[str]] = Field(default_factory=dict)
    answers: List[Answer] = Field(default_factory=list)
    ask: Ask | None = None
    redirect: Redirect | None = None
    # The crisis line this need keeps in the rest of the conversation (a kind under
    # conversation.reminders, e.g. self_harm for a friend who self-harms); the crisis needs keep their own.
    keeps: str | None = None

    @validator("keeps")
    def _keeps(cls, kind: str | None) -> str | None:
        if kind is not None and kind not in CRISIS_LINES:
            raise ValueError(f"'{kind}' är ingen krisrad – använd någon av {', '.join(CRISIS_LINES)}")
        return kind

    @validator("description")
    def _description(cls, value: str | None) -> str | None:
        if value is not None and (not value.strip() or "\n" in value.strip() or len(value) > DESCRIPTION_MAX):
            raise ValueError(f"ska vara en kort rad (högst {DESCRIPTION_MAX} tecken) om vad behovet gäller")
        return value

    @validator("audience")
    def _audience(cls, audience: str | None) -> str | None:
        if audience is not None and audience not in AUDIENCES:
            raise ValueError(f"'{audience}' är ingen målgrupp – använd någon av {', '.join(AUDIENCES)}")
        return audience

    @validator("route")
    def _route_keys(cls, route: Dict[str, List[str]]) -> Dict[str, List[str]]:
        for key, entries in route.items():
            if key not in ROUTE_KEYS:
                raise ValueError(f"'{key}' är ingen målgrupp – använd någon av {', '.join(ROUTE_KEYS)}")
            if len(entries) > MAX_RESOURCES:
                raise ValueError(f"'{key}' har {len(entries)} resurser, högst {MAX_RESOURCES} får visas")
        return route

    def reader(self, audience: str | None) -> str:
        """Who the reply is written for: the writer if known, else the need's usual writer, else a child
        (the simplest wording is the safest guess)."""
        return audience or self.audience or "child"

    def redirected(self, audience: str | None, text: str) -> str | None:
        """The need to answer instead, when the writer's role or words settle the ambiguity."""
        if self.redirect is None:
            return None
        if audience in self.redirect.by_audience:
            return self.redirect.by_audience[audience]
        return next((rule.need for rule in self.redirect.by_words if mentions_any(text, rule.match)), None)

    def entries_for(self, audience: str) -> List[str]:
        return self.route.get(audience) or self.route.get("default") or []


class Reminders(_Model):
    """The one line that keeps a crisis in the conversation: said when it ends or calms after one."""

    acute_danger: Texts
    suicidal: Texts
    self_harm: Texts
    # After "skojade bara", "glöm det" when no crisis was recognised: the writer may have meant
    # something the bot did not catch, so the calming reply still says where help is.
    calmed: Texts | None = None


class Roles(_Model):
    """What the bot says to someone who only says who they are ("jag är lärare")."""

    child: Texts
    guardian: Texts
    adult: Texts
    professional: Texts


class FollowupTexts(_Model):
    """Glue for follow-up answers when a resource has no text of its own. {name}: the resource's name."""

    anonymous_yes: Texts
    anonymous_no: Texts
    free_yes: Texts
    free_no: Texts
    bill_shown: Texts
    bill_hidden: Texts
    bill_unknown: Texts
    unknown: Texts
    other_channels: Texts
    phone_only: Texts
    how_to_start: Texts


class Conversation(_Model):
    """Everything the bot says that is not about one need: small talk, pleas, the crisis reminders and the
    glue of follow-up answers. {<resource id>} in a text is that resource's phone number."""

    thanks: Texts
    goodbye: Texts
    acknowledge: Texts
    retract: Texts
    about_bot: Texts
    out_of_scope: Texts
    not_understood: Texts
    # A message in another language that was not understood: 112 and Bris, and a line in that language.
    other_language: Texts | None = None
    plea: Texts
    reminders: Reminders
    roles: Roles
    followup: FollowupTexts


# Placeholders a text may hold besides resource ids (which stand for the resource's phone number).
PLACEHOLDER = re.compile(r"\{([a-z0-9_]+)\}")
PLACEHOLDER_VARIABLES = {"followup": ("name",)}


class Catalogue(_Model):
    municipalities: List[Municipality] = Field(default_factory=list)
    services: Dict[str, Service] = Field(default_factory=dict)
    resources: List[Resource]
    needs: Dict[str, Need]
    # Optional so that a catalogue made for a test of routing loads; `make check` warns when it is missing
    # and the bot then answers small talk and follow-ups with the safe static reply (bot.lines.conversation).
    conversation: Conversation | None = None
    # (key, normalized name) for `named_spans`, worked out once: it runs for many messages
    _names: List[Tuple[str, str]] | None = PrivateAttr(default=None)

    # -- look-ups -------------------------------------------------------
    def resource(self, resource_id: str) -> Resource:
        for r in self.resources:
            if r.id == resource_id:
                return r
        raise KeyError(resource_id)

    def need(self, need_id: str) -> Need | None:
        return self.needs.get(need_id)

    def fill(self, text: str, **variables: str) -> str:
        """*text* with {<resource id>} replaced by that resource's phone number and {name} etc. by *variables*.
        `make check` refuses a placeholder that is neither, so none is left in what users see."""
        def one(match: re.Match) -> str:
            key = match.group(1)
            if key in variables:
                return variables[key]
            phone = next((r.phone for r in self.resources if r.id == key), None)
            return phone or match.group(0)

        return PLACEHOLDER.sub(one, text)

    def municipality(self, municipality_id: str | None) -> Municipality | None:
        for m in self.municipalities:
            if m.id == municipality_id:
                return m
        return None

    def local(self, service: str, municipality_id: str | None) -> List[Resource]:
        """The resources of *service* in that municipality, in catalogue order."""
        if municipality_id is None:
            return []
        return [r for r in self.resources if r.service == service and r.municipality == municipality_id]

    def named(self, text: str) -> List[str]:
        """What *text* names, in order of mention: resource ids and `local:<service>` keys.

        Matched on the name, id and `aliases` of resources and on the `aliases` of services, as whole
        words of the normalized text. A longer match wins over one inside it ("bris vuxentelefon"
        names bris_vuxen, not also bris; "koll på soc" is not also "soc"). Local resources are found
        through their service, so the user's own municipality decides which one is meant.
        """
        found: List[str] = []
        for _start, _end, key in self.named_spans(text):
            if key not in found:
                found.append(key)
        return found

    def named_spans(self, text: str) -> List[Tuple[int, int, str]]:
        """Where *text* names what (see `named`): (start, end, key) in the text normalized and padded with
        a space at each end (`f" {normalize(text)} "`), in order of mention."""
        padded = f" {normalize(text)} "
        hits: List[Tuple[int, int, str]] = []
        for key, needle in self._name_list():
            start = padded.find(f" {needle} ")
            while start != -1:
                hits.append((start, start + len(needle) + 1, key))
                start = padded.find(f" {needle} ", start + 1)
        kept = [h for h in hits if not any(o[0] <= h[0] and h[1] <= o[1] and (o[1] - o[0]) > (h[1] - h[0]) for o in hits)]
        return sorted(kept)

    def _name_list(self) -> List[Tuple[str, str]]:
        if self._names is None:
            candidates = [(r.id, [r.name, r.id.replace("_", " "), *r.aliases]) for r in self.resources if not r.is_local]
            candidates += [(local_key(key), [*s.aliases, *([s.name] if s.name else [])])
                           for key, s in self.services.items()]
            self._names = [(key, normalize(alias)) for key, names in candidates for alias in names if normalize(alias)]
        return self._names

    def find_municipality(self, text: str) -> Municipality | None:
        """The catalogue municipality named in *text* (name or alias, whole words), if any."""
        padded = f" {normalize(text)} "
        for m in self.municipalities:
            for alias in [m.name, m.id, *m.aliases]:
                needle = normalize(alias)
                if needle and f" {needle} " in padded:
                    return m
        return None


# ---------------------------------------------------------------- reading the file, with lines

SECTIONS = ("municipalities", "services", "resources", "needs", "conversation")

# How a field is named to staff: Swedish first, then the key they see in the file.
FIELD_NAMES = {
    "id": "id", "name": "namn", "aliases": "andra namn", "municipality": "kommun", "service": "tjänst",
    "about": "beskrivning", "phone": "telefon", "sms": "sms", "chat": "chatt", "eservice": "e-tjänst",
    "web": "webb", "email": "e-post", "hours": "öppettider", "anonymous": "anonym", "emergency": "nödnummer",
    "ages": "åldrar", "source": "källa", "last_verified": "senast kontrollerad", "generic": "allmän text",
    "route": "vägval", "text": "text", "audience": "målgrupp", "urgent": "brådskande", "answers": "svar",
    "ask": "fråga", "redirect": "omdirigering", "buttons": "knappar", "match": "ord", "description": "förklaring",
    "details": "fakta för följdfrågor", "free": "gratis", "shown": "syns på räkningen", "anonymity": "anonymitet",
    "cost": "kostnad", "phone_bill": "telefonräkning", "channels": "kanaler", "who_answers": "vem som svarar",
    "what_happens": "vad som händer", "removal": "omhändertagande", "proof": "bevis", "conversation": "samtal",
    "reminders": "påminnelser", "roles": "roller", "followup": "följdfrågor", "plea": "vädjan", "keeps": "behåller",
}

# Fields that hold a phone number or a time must be text in quotes: unquoted, many YAML readers turn
# phone: 027075000 into another number (6060544), and a time may become minutes. "#" is any list
# position, "*" any key. A new field with a number (a postcode, say) belongs here.
QUOTED_FIELDS: Tuple[Tuple[str, ...], ...] = (
    ("resources", "#", "phone"),
    ("resources", "#", "sms"),
    ("resources", "#", "hours", "weekly", "*"),
    ("resources", "#", "hours", "weekly", "*", "#"),
    ("resources", "#", "hours", "exceptions", "#", "hours"),
    ("resources", "#", "hours", "exceptions", "#", "hours", "#"),
)
_TYPE_MESSAGES = {
    "type_error.none.not_allowed": "får inte vara tomt",
    "type_error.str": "ska vara en text – sätt den inom citattecken \"…\"",
    "type_error.bool": "ska vara true eller false",
    "value_error.strictbool": "ska vara true eller false",
    "type_error.integer": "ska vara ett heltal, t.ex. 17",
    "type_error.list": "ska vara en lista, t.ex. [a, b] eller rader som börjar med -",
    "type_error.dict": "ska ha underfält (namn: värde) på egna rader med indrag",
    "value_error.list.max_items": "har för många rader",
}


@dataclass
class Parsed:
    """A catalogue together with where each of its parts is in the file (for warnings)."""

    catalogue: Catalogue
    document: yamllines.Document
    name: str

    def line(self, *path: Any) -> int | None:
        return self.document.line(path)


def label(field: object) -> str:
    """'telefon (phone)'; unknown keys are shown as written."""
    sv = FIELD_NAMES.get(str(field))
    return f"{sv} ({field})" if sv and sv != field else f"'{field}'"


def where(data: Any, loc: Sequence[Any]) -> str:
    """Who a location is about, for staff: the resource's name, 'kommunen X', 'behovet Y'."""
    if not loc or not isinstance(data, dict):
        return ""
    section, rest = loc[0], loc[1:]
    if section in ("resources", "municipalities") and rest and isinstance(rest[0], int):
        items = data.get(section)
        entry = items[rest[0]] if isinstance(items, list) and rest[0] < len(items) else None
        number = f"{'resurs' if section == 'resources' else 'kommun'} nr {rest[0] + 1}"
        if not isinstance(entry, dict):
            return number
        name = entry.get("name") or (f"{number} (id {entry['id']})" if entry.get("id") else number)
        return str(name) if section == "resources" else f"kommunen {name}"
    if section == "needs" and rest:
        return f"behovet {rest[0]}"
    if section == "services" and rest:
        return f"tjänsten {rest[0]}"
    return ""


def _value_at(data: Any, loc: Sequence[Any]) -> Any:
    for part in loc:
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and part < len(data):
            data = data[part]
        else:
            return None
    return data


def _model_at(loc: Sequence[Any]) -> type[BaseModel] | None:
    """The pydantic model whose field list applies at *loc* (for 'did you mean …?')."""
    model: Any = Catalogue
    i = 0
    while i < len(loc):
        f = model.__fields__.get(loc[i]) if isinstance(loc[i], str) else None
        if f is None:
            return None
        i += 1 if f.shape == SHAPE_SINGLETON else 2
        if not (isinstance(f.type_, type) and issubclass(f.type_, BaseModel)):
            return None
        model = f.type_
    return model


def _field_path(loc: Sequence[Any]) -> Tuple[Any, ...]:
    """The part of a location below the entry it is about: ('resources', 3, 'ages', 'max') → ('ages', 'max')."""
    if loc and loc[0] in ("resources", "municipalities", "needs", "services") and len(loc) > 1:
        return tuple(loc[2:])
    return tuple(loc)


def _describe_field(loc: Sequence[Any]) -> str:
    path = [p for p in _field_path(loc) if not isinstance(p, int)]
    if not path:
        return ""
    return ".".join(str(p) for p in path[:-1]) + ("." if len(path) > 1 else "") + label(path[-1])


def _pydantic_problem(err: Mapping[str, Any], data: Any, doc: yamllines.Document) -> Problem:
    loc, kind, msg = tuple(err["loc"]), err["type"], err["msg"]
    if loc and loc[-1] == "__root__":
        loc = loc[:-1]
    line, who, field = doc.line(loc), where(data, loc), _describe_field(loc)
    if len(loc) == 1 and kind in ("value_error.missing", "value_error.extra"):
        if kind == "value_error.missing":
            return Problem(1, "", f"avsnittet '{loc[0]}' saknas – filen ska ha {', '.join(SECTIONS)}")
        close = difflib.get_close_matches(str(loc[0]), SECTIONS, n=1)
        hint = f"menade du '{close[0]}'?" if close else f"filen ska bara ha {', '.join(SECTIONS)}"
        return Problem(line, "", f"okänt avsnitt '{loc[0]}' – {hint}")
    if kind == "value_error.missing":
        name = loc[-1]
        extra = " – skriv var uppgiften kommer ifrån (webbadress eller dokument)" if name == "source" else (
            " – skriv datumet då uppgifterna senast kontrollerades, t.ex. 2026-11-22" if name == "last_verified" else "")
        return Problem(line, who, f"fältet {label(name)} saknas{extra}")
    if kind == "value_error.extra":
        model = _model_at(loc[:-1])
        known = list(model.__fields__) if model else []
        close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
        hint = f"menade du '{close[0]}'?" if close else (f"tillåtna fält: {', '.join(known)}" if known else "ta bort det")
        return Problem(line, who, f"okänt fält '{loc[-1]}' – {hint}")
    value = _value_at(data, loc)
    if kind in ("value_error.date", "type_error.date"):
        return Problem(line, who, f"{field} '{value}' är inget riktigt datum – skriv ÅÅÅÅ-MM-DD, t.ex. 2026-11-22")
    if kind in _TYPE_MESSAGES:
        return Problem(line, who, f"{field} {_TYPE_MESSAGES[kind]}".strip())
    if kind.startswith("value_error"):  # our own validators: the message is Swedish already
        return Problem(line, who, f"{field} {msg}".strip())
    return Problem(line, who, f"{field} har fel form ({value!r})".strip())


def _quoted_field(path: Sequence[Any]) -> Tuple[str, ...] | None:
    """The QUOTED_FIELDS pattern *path* matches, if any."""
    for pattern in QUOTED_FIELDS:
        if len(pattern) == len(path) and all(
                p == "#" and isinstance(part, int) or p == "*" and isinstance(part, str) or p == part
                for p, part in zip(pattern, path, strict=True)):
            return pattern
    return None


def _unquoted_number_problems(data: dict, doc: yamllines.Document) -> List[Problem]:
    """A phone number or a time written without quotes: one error per line, quoting the line and its fix."""
    by_line: Dict[int, List[Tuple[Tuple[Any, ...], yamllines.Scalar]]] = {}
    for path, scalar in doc.unquoted.items():
        if _quoted_field(path):
            by_line.setdefault(scalar.line, []).append((path, scalar))
    found = []
    for line, items in sorted(by_line.items()):
        written = doc.source[line - 1]
        fixed = written
        for _path, scalar in sorted(items, key=lambda item: -item[1].start):  # from the right: columns stay valid
            fixed = fixed[:scalar.start] + f'"{scalar.text}"' + fixed[scalar.end:]
        path = items[0][0]
        name = "hours" if "hours" in path else path[2]
        what = "tiden" if name == "hours" else "numret"
        found.append(Problem(line, where(data, path), f"{label(name)} står utan citattecken: {written.strip()} – "
                             f"sätt citattecken runt {what}: {fixed.strip()} (utan citattecken kan {what} läsas som "
                             "ett annat tal)"))
    return found


def _hours_problems(data: dict, doc: yamllines.Document) -> List[Problem]:
    found = []
    for i, entry in enumerate(data.get("resources") or []):
        if isinstance(entry, dict) and isinstance(entry.get("hours"), dict):  # other types: the schema says so
            for e in opening_hours.problems(entry["hours"]):
                loc = ("resources", i, "hours", *e.path)
                found.append(Problem(doc.line(loc), where(data, loc), f"öppettider (hours): {e}"))
    return found


def _suggest(value: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(value, list(known), n=1)
    return f" – menade du '{close[0]}'?" if close else ""


def _reference_problems(data: dict, doc: yamllines.Document) -> List[Problem]:
    """Ids that point nowhere. Works on the raw data, so it runs even when other fields are wrong."""
    found: List[Problem] = []

    def add(loc: tuple, message: str) -> None:
        found.append(Problem(doc.line(loc), where(data, loc), message))

    def entries(section: str) -> List[tuple]:
        items = data.get(section)
        return [(i, e) for i, e in enumerate(items) if isinstance(e, dict)] if isinstance(items, list) else []

    def mapping(value: Any) -> dict:
        return value if isinstance(value, dict) else {}

    municipality_ids = [str(m.get("id")) for _, m in entries("municipalities")]
    services = list(mapping(data.get("services")))
    needs = mapping(data.get("needs"))
    resources: Dict[str, dict] = {}
    for section in ("municipalities", "resources"):
        first: Dict[str, int | None] = {}
        for i, e in entries(section):
            if isinstance(e.get("id"), str) and not _ID.match(e["id"]):
                add((section, i, "id"), f"id '{e['id']}' får bara ha små bokstäver a–z, siffror och _ (inte å, ä, ö "
                                        "eller mellanslag), t.ex. 'nykoping_familjestod'")
            if isinstance(e.get("id"), str) and e["id"] in first:
                add((section, i, "id"), f"id '{e['id']}' finns redan på rad {first[e['id']]} – två "
                                        f"{'resurser' if section == 'resources' else 'kommuner'} kan inte ha samma id; "
                                        "ge den här ett eget id")
            elif isinstance(e.get("id"), str):
                first[e["id"]] = doc.line((section, i, "id"))
    for i, r in entries("resources"):
        resources.setdefault(str(r.get("id")), r)
        municipality_id, service = r.get("municipality"), r.get("service")
        if municipality_id is not None and str(municipality_id) not in municipality_ids:
            add(("resources", i, "municipality"), f"kommunen '{municipality_id}' finns inte under municipalities"
                                                  f"{_suggest(str(municipality_id), municipality_ids)}")
        if service is not None and str(service) not in services:
            add(("resources", i, "service"), f"tjänsten '{service}' finns inte under services{_suggest(str(service), services)}")
        if municipality_id is not None and service is None:
            add(("resources", i, "service"), "en lokal resurs behöver service (t.ex. orosanmalan), annars visas den aldrig")
    for need_id, need in needs.items():
        need = mapping(need)
        redirect, ask = mapping(need.get("redirect")), mapping(need.get("ask"))
        targets: List[Tuple[Tuple[Any, ...], Any]] = [(("redirect", "by_audience", k), v)
                                                      for k, v in mapping(redirect.get("by_audience")).items()]
        targets += [(("redirect", "by_words", j, "need"), w.get("need"))
                    for j, w in enumerate(redirect.get("by_words") or []) if isinstance(w, dict)]
        targets += [(("ask", "buttons", j, "intent"), b.get("intent"))
                    for j, b in enumerate(ask.get("buttons") or []) if isinstance(b, dict)]
        for path, target in targets:
            if target not in needs:
                add(("needs", need_id, *path), f"behovet '{target}' finns inte{_suggest(str(target), list(needs))}")
        for key, items in mapping(need.get("route")).items():
            for j, entry in enumerate(items if isinstance(items, list) else []):
                loc = ("needs", need_id, "route", key, j)
                entry = str(entry)
                service = service_of(entry)
                if service is not None:
                    if service not in services:
                        add(loc, f"vägval (route.{key}): tjänsten '{service}' finns inte under services"
                                 f"{_suggest(service, services)}")
                elif entry not in resources:
                    add(loc, f"vägval (route.{key}): resursen '{entry}' finns inte under resources"
                             f"{_suggest(entry, list(resources))}")
                elif resources[entry].get("municipality") is not None:
                    add(loc, f"vägval (route.{key}): '{entry}' hör till en kommun – skriv "
                             f"local:{resources[entry].get('service')} så väljs rätt kommuns resurs")
    return found


def _placeholder_problems(data: dict, doc: yamllines.Document) -> List[Problem]:
    """{x} in a conversation text must be a resource with a phone number, or a variable of that part."""
    conversation = data.get("conversation")
    if not isinstance(conversation, dict):
        return []
    phones = {str(r.get("id")) for r in data.get("resources") or [] if isinstance(r, dict) and r.get("phone")}
    found: List[Problem] = []

    def walk(value: Any, loc: tuple, allowed: Tuple[str, ...]) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(inner, (*loc, key), allowed)
        elif isinstance(value, str):
            for key in PLACEHOLDER.findall(value):
                if key not in allowed and key not in phones:
                    extra = f" eller {{{', '.join(allowed)}}}" if allowed else ""
                    found.append(Problem(doc.line(loc), "samtal (conversation)",
                                         f"{'.'.join(map(str, loc[1:]))}: okänd platshållare {{{key}}} – skriv id för en "
                                         f"resurs med telefonnummer, t.ex. {{bris}}{extra}"))

    for part, inner in conversation.items():
        walk(inner, ("conversation", part), PLACEHOLDER_VARIABLES.get(str(part), ()))
    return found


def parse_source(text: str, name: str = "resources.yml") -> Parsed:
    """Parse catalogue YAML text, collecting every problem; raise CatalogueError listing them all."""
    doc = yamllines.load(text)
    problems = [Problem(p.line, "", p.message) for p in doc.problems]
    data = doc.data
    if data is None and not problems:
        problems.append(Problem(None, "", "filen är tom – den ska ha avsnitten " + ", ".join(SECTIONS)
                                + " (se docs/katalog.md)"))
    elif data is not None and not isinstance(data, dict):
        problems.append(Problem(1, "", "filen ska bestå av avsnitten " + ", ".join(SECTIONS)
                                + " – den här filen har inte den formen (se docs/katalog.md)"))
    if problems and not isinstance(data, dict):
        raise CatalogueError(problems=problems, name=name)

    cat = None
    try:
        cat = Catalogue.parse_obj(data)
    except ValidationError as e:
        problems += [_pydantic_problem(err, data, doc) for err in e.errors()]
    problems += (_unquoted_number_problems(data, doc) + _hours_problems(data, doc) + _reference_problems(data, doc)
                 + _placeholder_problems(data, doc))
    if problems or cat is None:
        raise CatalogueError(problems=sorted(problems, key=lambda p: p.line or 0), name=name)
    return Parsed(cat, doc, name)


def parse(text: str, name: str = "resources.yml") -> Catalogue:
    """Parse catalogue YAML text; raise CatalogueError with a Swedish message for staff."""
    return parse_source(text, name).catalogue


def catalogue_path(path: os.PathLike | str | None = None) -> Path:
    """The file to use: *path*, else $STODLOTSEN_CATALOGUE, else the project's resources.yml."""
    return Path(path or os.environ.get("STODLOTSEN_CATALOGUE") or DEFAULT_PATH)


def read_source(path: os.PathLike | str | None = None) -> Parsed:
    """Read and validate a catalogue file, keeping line numbers."""
    path = catalogue_path(path)
    name = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise CatalogueError(problems=[Problem(None, "", f"filen är för stor ({size / 1e6:.1f} MB, högst "
                                                   f"{MAX_BYTES / 1e6:.0f} MB) – är det rätt fil?")], name=name)
        raw = path.read_bytes()
    except OSError as e:
        raise CatalogueError(problems=[Problem(None, "", _unreadable(e))], name=name) from e
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise CatalogueError(problems=[Problem(line, "", "filen är inte sparad som UTF-8 – spara den som UTF-8 "
                                               "i textredigeraren (å, ä och ö blir annars fel)")], name=name) from e
    return parse_source(text, name)


def _unreadable(e: OSError) -> str:
    if isinstance(e, FileNotFoundError):
        return "filen finns inte – kontrollera sökvägen"
    if isinstance(e, IsADirectoryError):
        return "det här är en mapp, inte en fil"
    if isinstance(e, PermissionError):
        return "filen får inte läsas (behörighet saknas)"
    return "kan inte läsa filen"


def load(path: os.PathLike | str | None = None) -> Catalogue:
    """Load and validate the catalogue file (default: the project's resources.yml)."""
    return read_source(path).catalogue


@lru_cache(maxsize=4)
def _cached(path: str, stamp: tuple) -> Catalogue:
    return load(path)


_last_good: Dict[str, Catalogue] = {}
_failed: Dict[str, tuple] = {}  # path -> stamp of the broken version already reported


def current(path: os.PathLike | str | None = None) -> Catalogue:
    """The catalogue, re-read only when the file changed on disk (checked on every call).

    A broken edit never takes the bot down: the last catalogue that loaded keeps serving and the
    Swedish error is logged once per broken version. Only when no catalogue has ever loaded is the
    error raised.
    """
    path = catalogue_path(path)
    key = str(path)
    stamp: tuple = ()
    try:
        st = path.stat()
        stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        if key in _last_good and _failed.get(key) == stamp:
            return _last_good[key]
        cat = _cached(key, stamp)
    except (CatalogueError, OSError) as e:
        error = e if isinstance(e, CatalogueError) else CatalogueError(
            problems=[Problem(None, "", _unreadable(e))], name=key)
        if key not in _last_good:
            raise error from e
        if _failed.get(key) != stamp:
            _failed[key] = stamp
            logger.error("Katalogen har fel och används inte; den senaste fungerande katalogen gäller tills felet "
                         "är rättat (kör make check):\n%s", error)
        return _last_good[key]
    _failed.pop(key, None)
    if _last_good.get(key) is not cat and key in _last_good:
        logger.info("Katalogen %s är inläst på nytt (%d resurser).", key, len(cat.resources))
    _last_good[key] = cat
    return cat


_watchers: Dict[str, threading.Thread] = {}


def watch(path: os.PathLike | str | None = None, interval: float = 1.0) -> threading.Thread:
    """Check the file every *interval* seconds in a daemon thread (once per path), so a broken edit is
    logged when it is saved, not at the next message. Answers never wait for it: `current()` also
    checks on every call."""
    key = str(catalogue_path(path))
    if key in _watchers and _watchers[key].is_alive():
        return _watchers[key]

    def loop() -> None:
        reported = None
        while True:
            try:
                current(key)
                reported = None
            except CatalogueError as e:  # nothing valid has loaded yet: say so once per message text
                if str(e) != reported:
                    reported = str(e)
                    logger.error("Katalogen kan inte användas och ingen tidigare version finns:\n%s", e)
            stop.wait(interval)

    stop = threading.Event()
    thread = threading.Thread(target=loop, name=f"katalogbevakning:{key}", daemon=True)
    _watchers[key] = thread
    thread.start()
    return thread
