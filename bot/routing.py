"""Need + audience + municipality → the ordered resources a reply names.

All choices come from the catalogue's `needs.<need>.route`; this module only
resolves `local:<service>` entries against the user's municipality (`resolve`, the one place that
does), leaves out what a child who has said their age is too young or too old for (`ages`), and
adds a 24/7 alternative when an urgent need's first resource is closed.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import List, cast

from bot import hours
from bot.catalogue import MAX_RESOURCES, Catalogue, Need, Resource, local_key, service_of


@dataclass(frozen=True)
class Item:
    """One thing a reply names: a resource, or a service the municipality should have."""

    resource: Resource | None = None
    service: str | None = None  # set for a local service we have no resource for

    @property
    def key(self) -> str:
        return self.resource.id if self.resource else local_key(cast(str, self.service))


@dataclass
class Route:
    need_id: str
    need: Need
    audience: str  # the reader: child, guardian, adult, professional
    municipality_id: str | None
    items: List[Item] = field(default_factory=list)
    added_24_7: Resource | None = None

    @property
    def resources(self) -> List[Resource]:
        return [i.resource for i in self.items if i.resource is not None]

    @property
    def missing_services(self) -> List[str]:
        return [i.service for i in self.items if i.service is not None]


def resolve(cat: Catalogue, key: str, municipality_id: str | None) -> Item:
    """What a route entry or a named key (`Catalogue.named`) stands for in this municipality: a
    resource id is that resource; `local:<service>` is the municipality's first resource of the
    service, or the service alone when it has none (or the municipality is unknown)."""
    service = service_of(key)
    if service is None:
        return Item(resource=cat.resource(key))
    local = cat.local(service, municipality_id)
    return Item(resource=local[0]) if local else Item(service=service)


def route(
    cat: Catalogue,
    need_id: str,
    audience: str | None,
    municipality_id: str | None,
    now: dt.datetime,
    age: int | None = None,
) -> Route:
    """Resolve the need's route for this reader. Raises KeyError for an unknown need.

    *age* is the age the writer said they are; it counts only when the reply is written for a child
    (an adult's own age says nothing about the child a service is for).
    """
    need = cat.needs[need_id]
    result = Route(need_id, need, need.reader(audience), municipality_id)
    age = age if result.audience == "child" else None
    seen = set()
    for entry in need.entries_for(result.audience):
        item = resolve(cat, entry, municipality_id)
        if not _fits(item.resource, age):
            continue
        if item.key not in seen:
            seen.add(item.key)
            result.items.append(item)
    result.items = result.items[:MAX_RESOURCES]

    first = next((i.resource for i in result.items if i.resource and not i.resource.emergency), None)
    if need.urgent and first is not None and hours.is_open(first.schedule, now) is False:
        alternative = _always_open_alternative(cat, need, municipality_id, seen, age)
        if alternative is not None:
            if len(result.items) >= MAX_RESOURCES:
                result.items.pop()
            result.items.append(Item(resource=alternative))
            result.added_24_7 = alternative
    return result


def _fits(resource: Resource | None, age: int | None) -> bool:
    """False when the writer's stated age is outside the ages the resource is for."""
    return resource is None or age is None or resource.ages is None or resource.ages.includes(age)


def _always_open_alternative(
    cat: Catalogue, need: Need, municipality_id: str | None, seen: set, age: int | None
) -> Resource | None:
    """The first resource open around the clock that this need routes to for any reader."""
    for entries in need.route.values():
        for entry in entries:
            item = resolve(cat, entry, municipality_id)
            r = item.resource
            if r is not None and r.id not in seen and r.always_open and not r.emergency and _fits(r, age):
                return r
    return None
