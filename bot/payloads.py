"""Which messages starting with "/" are button payloads the bot offers (no Rasa imports).

Rasa reads a message that starts with "/" as an order: "/greet" sets the intent, and
'/inform_municipality{"municipality": "…"}' the entities too; anything it cannot read it writes
to the log in full. A person must not be able to do either. `as_text(text)` lets a message
through unchanged only when it is exactly the payload of a button the bot shows: one under
`responses` in domain.yml, or an `ask.buttons` entry of the catalogue ("/" + its intent, as
`bot.replies` builds it). Any other text loses its leading slashes and is read as what the
person wrote. New buttons in domain.yml or resources.yml work without a code change.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, FrozenSet, Iterable

import yaml

from bot import catalogue, catalogue_store

DOMAIN_PATH = Path(__file__).resolve().parent.parent / "domain.yml"
PREFIX = "/"
_LEADING = re.compile(r"^[\s/]+")


def _buttons(responses: Any) -> Iterable[dict]:
    for variations in (responses or {}).values() if isinstance(responses, dict) else ():
        for variation in variations if isinstance(variations, list) else ():
            for button in (variation.get("buttons") or []) if isinstance(variation, dict) else ():
                if isinstance(button, dict):
                    yield button


@lru_cache(maxsize=4)
def domain_payloads(path: Path = DOMAIN_PATH) -> FrozenSet[str]:
    """The payloads of every button under `responses` in the domain file."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return frozenset(str(b["payload"]).strip() for b in _buttons(data.get("responses")) if b.get("payload"))


def catalogue_payloads(cat: catalogue.Catalogue) -> FrozenSet[str]:
    """The payloads of the catalogue's `ask.buttons` ("/" + the button's intent)."""
    return frozenset(PREFIX + b.intent for need in cat.needs.values() if need.ask for b in need.ask.buttons)


_last: list = [None, frozenset()]  # the catalogue last asked about, and its payloads with the domain's


def offered() -> FrozenSet[str]:
    """Every payload of a button the bot can show now (the catalogue as it is on disk)."""
    try:
        cat = catalogue_store.current()
    except catalogue.CatalogueError:
        return domain_payloads()
    if _last[0] is not cat:  # the catalogue was re-read
        _last[:] = [cat, domain_payloads() | catalogue_payloads(cat)]
    return _last[1]


def as_text(text: str) -> str:
    """*text* as Rasa may read it: an offered button payload unchanged, any other text without the
    slashes (and spaces) it starts with.

    >>> as_text("/restart")
    'restart'
    """
    stripped = text.strip()
    if not stripped.startswith(PREFIX):
        return text
    if stripped in offered():
        return stripped
    return _LEADING.sub("", stripped)
