"""The resource catalogue (`resources.yml`): models, loading and look-ups.

The catalogue is the routing table: which resource serves which need, for whom,
where and when. Nothing here knows about Rasa.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Dict, List

import yaml
from pydantic import BaseModel, Extra, Field, root_validator, validator

from bot import hours as opening_hours
from bot.text import mentions_any, normalize

AUDIENCES = ("child", "guardian", "adult", "professional")
ROUTE_KEYS = AUDIENCES + ("default",)
MAX_RESOURCES = 3
DEFAULT_PATH = Path(__file__).resolve().parent.parent / "resources.yml"
_ID = re.compile(r"^[a-z0-9_]+$")
logger = logging.getLogger(__name__)


class CatalogueError(ValueError):
    """The catalogue file cannot be used; the message is Swedish and meant for staff."""


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


class Age(_Model):
    min: int | None = None
    max: int | None = None


class Municipality(_Model):
    id: str
    name: str
    aliases: List[str] = Field(default_factory=list)
    source: str
    last_verified: dt.date


class Service(_Model):
    generic: Texts
    name: str | None = None


class Resource(_Model):
    id: str
    name: str
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
    age: Age | None = None
    source: str
    last_verified: dt.date

    @validator("hours")
    def _hours(cls, value: dict | None) -> dict | None:
        opening_hours.validate(value)  # a malformed time is reported when the file is loaded, not mid-conversation
        return value

    @property
    def is_local(self) -> bool:
        return self.municipality is not None

    @property
    def always_open(self) -> bool:
        return bool(self.hours and self.hours.get("always"))


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
    audience: str | None = None  # who usually writes about this need; used when the text does not say
    urgent: bool = False
    emergency: bool = False
    text: Texts = Field(default_factory=Texts)
    route: Dict[str, List[str]] = Field(default_factory=dict)
    answers: List[Answer] = Field(default_factory=list)
    ask: Ask | None = None
    redirect: Redirect | None = None

    @validator("audience")
    def _audience(cls, audience: str | None) -> str | None:
        if audience is not None and audience not in AUDIENCES:
            raise ValueError(f"okänd målgrupp '{audience}', använd någon av {', '.join(AUDIENCES)}")
        return audience

    @validator("route")
    def _route_keys(cls, route: Dict[str, List[str]]) -> Dict[str, List[str]]:
        for key, entries in route.items():
            if key not in ROUTE_KEYS:
                raise ValueError(f"okänd målgrupp '{key}', använd någon av {', '.join(ROUTE_KEYS)}")
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


class Catalogue(_Model):
    municipalities: List[Municipality] = Field(default_factory=list)
    services: Dict[str, Service] = Field(default_factory=dict)
    resources: List[Resource]
    needs: Dict[str, Need]

    @root_validator(skip_on_failure=True)
    def _references(cls, values: dict) -> dict:
        problems: List[str] = []
        kommuner = {m.id for m in values["municipalities"]}
        resurser = {}
        for r in values["resources"]:
            if not _ID.match(r.id):
                problems.append(f"{r.id}: id får bara ha a–z, siffror och _")
            if r.id in resurser:
                problems.append(f"{r.id}: id finns två gånger")
            resurser[r.id] = r
            if r.municipality is not None and r.municipality not in kommuner:
                problems.append(f"{r.id}: kommunen '{r.municipality}' finns inte under municipalities")
            if r.service is not None and r.service not in values["services"]:
                problems.append(f"{r.id}: tjänsten '{r.service}' finns inte under services")
        for need_id, need in values["needs"].items():
            targets = list(need.redirect.by_audience.values()) + [w.need for w in need.redirect.by_words] if need.redirect else []
            targets += [b.intent for b in need.ask.buttons] if need.ask else []
            problems += [f"needs.{need_id}: behovet '{t}' finns inte" for t in targets
                         if t not in values["needs"]]
            for key, entries in need.route.items():
                for entry in entries:
                    if entry.startswith("local:"):
                        if entry[6:] not in values["services"]:
                            problems.append(f"needs.{need_id}.route.{key}: tjänsten '{entry[6:]}' finns inte")
                    elif entry not in resurser:
                        problems.append(f"needs.{need_id}.route.{key}: resursen '{entry}' finns inte")
                    elif resurser[entry].is_local:
                        problems.append(
                            f"needs.{need_id}.route.{key}: '{entry}' är lokal, skriv local:{resurser[entry].service}"
                        )
        if problems:
            raise ValueError("; ".join(problems))
        return values

    # -- look-ups -------------------------------------------------------
    def resource(self, resource_id: str) -> Resource:
        for r in self.resources:
            if r.id == resource_id:
                return r
        raise KeyError(resource_id)

    def need(self, need_id: str) -> Need | None:
        return self.needs.get(need_id)

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

    def find_municipality(self, text: str) -> Municipality | None:
        """The catalogue municipality named in *text* (name or alias, whole words), if any."""
        padded = f" {normalize(text)} "
        for m in self.municipalities:
            for alias in [m.name, m.id, *m.aliases]:
                needle = normalize(alias)
                if needle and f" {needle} " in padded:
                    return m
        return None


def _date_loader() -> type:
    """A SafeLoader that keeps dates as text so pydantic reports impossible dates itself."""

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))
    return Loader


def parse(text: str, name: str = "resources.yml") -> Catalogue:
    """Parse catalogue YAML text; raise CatalogueError with a Swedish message for staff."""
    try:
        data = yaml.load(text, Loader=_date_loader())
    except yaml.YAMLError as e:
        raise CatalogueError(f"{name}: filen är inte giltig YAML: {e}") from e
    if not isinstance(data, dict):
        raise CatalogueError(f"{name}: filen är tom eller saknar avsnitten resources och needs")
    try:
        return Catalogue.parse_obj(data)
    except ValueError as e:
        raise CatalogueError(f"{name}: {e}") from e


def load(path: os.PathLike | str | None = None) -> Catalogue:
    """Load and validate the catalogue file (default: the project's resources.yml)."""
    path = Path(path or os.environ.get("STODLOTSEN_CATALOGUE") or DEFAULT_PATH)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise CatalogueError(f"{path}: kan inte läsa filen: {e.strerror}") from e
    return parse(text, str(path))


@lru_cache(maxsize=4)
def _cached(path: str, mtime_ns: int) -> Catalogue:
    return load(path)


_last_good: Dict[str, Catalogue] = {}


def current(path: os.PathLike | str | None = None) -> Catalogue:
    """The catalogue, re-read only when the file changed on disk.

    A broken edit never takes the bot down: the last catalogue that loaded keeps serving and the
    Swedish error is logged. Only when no catalogue has ever loaded is the error raised.
    """
    path = Path(path or os.environ.get("STODLOTSEN_CATALOGUE") or DEFAULT_PATH)
    try:
        cat = _cached(str(path), path.stat().st_mtime_ns)
    except (CatalogueError, OSError) as e:
        if str(path) not in _last_good:
            if isinstance(e, OSError):
                raise CatalogueError(f"{path}: kan inte läsa filen: {e.strerror}") from e
            raise
        logger.error("Katalogen kunde inte läsas, den senaste fungerande används: %s", e)
        return _last_good[str(path)]
    _last_good[str(path)] = cat
    return cat
