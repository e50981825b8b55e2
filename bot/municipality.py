"""Which municipality a conversation is about.

Order: what the user writes now ("jag bor i Kungälv"), what the channel passes as
message metadata (`{"municipality": "kungalv"}`), what the user said earlier (slot),
and finally the deployment's default (environment variable STODLOTSEN_KOMMUN).
"""
from __future__ import annotations

import os
from typing import Any, Iterable, Mapping

from bot.catalogue import Catalogue

ENV_DEFAULT = "STODLOTSEN_KOMMUN"
METADATA_KEYS = ("municipality", "kommun")


def _lookup(cat: Catalogue, value: object) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    found = cat.municipality(value.strip().lower()) or cat.find_municipality(value)
    return found.id if found else None


def resolve(
    cat: Catalogue,
    text: str = "",
    metadata: Mapping[str, Any] | None = None,
    entities: Iterable[str] = (),
    remembered: str | None = None,
    default: str | None = None,
) -> str | None:
    """The catalogue id of the municipality to answer for, or None (national resources only).

    *default* overrides STODLOTSEN_KOMMUN; pass "" to ignore the deployment's default.
    """
    candidates = [_lookup(cat, text), *(_lookup(cat, e) for e in entities)]
    if isinstance(metadata, dict):
        candidates += [_lookup(cat, metadata.get(k)) for k in METADATA_KEYS]
    candidates += [_lookup(cat, remembered), _lookup(cat, default if default is not None else os.environ.get(ENV_DEFAULT))]
    return next((c for c in candidates if c), None)
