"""The resource catalogue (`resources.yml`): the models and their look-ups.

The catalogue is the routing table: which resource serves which need, for whom,
where and when. Nothing here knows about Rasa. Reading the file, with every error in Swedish at
its line, is `bot.catalogue_file`; the catalogue the running bot uses (re-read when the file
changes, the last good one kept) is `bot.catalogue_store`.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from typing import Any, ClassVar, Dict, List, Sequence, Tuple

from pydantic import BaseModel, Extra, Field, PrivateAttr, root_validator, validator

from bot import hours as opening_hours
from bot.text import mentions_any, normalize

AUDIENCES = ("child", "guardian", "adult", "professional")
CRISIS_LINES = ("acute_danger", "suicidal", "self_harm")  # the crisis lines under conversation.reminders
ROUTE_KEYS = AUDIENCES + ("default",)
MAX_RESOURCES = 3
# A route entry (or a key `named` returns) `local:<service>` means that service's resource in the
# user's municipality; `bot.routing.resolve` is where it is resolved.
LOCAL_PREFIX = "local:"
DESCRIPTION_MAX = 160  # a need's one-line description for staff
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
    languages: Detail | None = None  # which languages, and whether an interpreter can be had, as the source says

    def items(self) -> List[Tuple[str, Detail]]:
        return [(name, getattr(self, name)) for name in self.__fields__ if getattr(self, name) is not None]


class Municipality(_Model):
    id: str
    name: str
    aliases: List[str] = Field(default_factory=list)
    source: str | None = None  # where the facts come from; `make check` warns when it is missing
    last_verified: dt.date
    # service → why the municipality has no resource for it yet ("ingen kontakt bekräftad …"): `make check` shows
    # the reason instead of a warning. Never shown to users.
    unconfirmed: Dict[str, str] = Field(default_factory=dict)


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
    # Other services the same contact is, in its municipality: the social services' reception that also takes
    # orosanmälningar, or a switchboard that is the way to social services. `local` finds it for each.
    also_serves: List[str] = Field(default_factory=list)
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

    def serves(self, service: str) -> bool:
        """Whether this resource is the municipality's *service* (its own `service` or one in `also_serves`)."""
        return service == self.service or service in self.also_serves

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
    # "måste jag anmäla?" from a child: no duty for a child (the answer to an adult is `proof` or the duty itself)
    no_duty: Texts | None = None


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
        return [r for r in self.resources if r.serves(service) and r.municipality == municipality_id]

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
