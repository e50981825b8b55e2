"""The conversation's own lines, from the catalogue's `conversation:` section (docs/katalog.md, "Samtalet"):
small talk, the answer to a plea, the line that keeps a crisis in the conversation, and what is said to
someone who only says who they are. No Rasa here.

A text may hold {<resource id>}, which becomes that resource's phone number (`Catalogue.fill`), so a number
is written once in the catalogue. `make check` refuses any other placeholder.
"""
from __future__ import annotations

import re
from typing import List, Sequence, cast

from bot.catalogue import PLACEHOLDER, Catalogue, CatalogueError, Conversation, Texts

SMALL_TALK = ("thanks", "goodbye", "acknowledge", "retract", "about_bot", "out_of_scope", "not_understood")


def conversation(cat: Catalogue) -> Conversation:
    """The catalogue's `conversation:` section; CatalogueError when it has none (`make check` warns), so that
    the caller sends the safe static reply (bot.fallback) rather than an empty one."""
    if cat.conversation is None:
        raise CatalogueError("avsnittet conversation saknas i katalogen")
    return cat.conversation


def register(reader: str | None) -> str:
    """The wording a reader gets: "child" for children (and when nobody said), else "adult"."""
    return "child" if reader in (None, "child") else "adult"


def _say(cat: Catalogue, texts: Texts, reader: str | None, **variables: str) -> str:
    return cat.fill(texts.for_reader(register(reader)) or "", **variables)


def small_talk(cat: Catalogue, key: str, reader: str | None = None) -> str:
    """thanks, goodbye, acknowledge, retract, about_bot, out_of_scope or not_understood."""
    if key not in SMALL_TALK:
        raise KeyError(key)
    return _say(cat, getattr(conversation(cat), key), reader)


def other_language(cat: Catalogue, reader: str | None = None) -> str | None:
    """To someone whose message in another language was not understood: write in Swedish or English if
    you can, and 112 and Bris meanwhile (None when the catalogue has no such text)."""
    texts = conversation(cat).other_language
    return _say(cat, texts, reader) if texts is not None else None


def plea(cat: Catalogue, reader: str | None = None) -> str:
    """"hjälp", "snälla", a sad emoji: a gentle question and the 112 and Bris line – never a refusal."""
    return _say(cat, conversation(cat).plea, reader)


def role(cat: Catalogue, audience: str) -> str:
    """To someone who only said who they are: tell me what happened."""
    return _say(cat, getattr(conversation(cat).roles, audience), audience)


def reminder(cat: Catalogue, kind: str | None, reader: str | None = None) -> str | None:
    """The one warm sentence that keeps a crisis of *kind* in the conversation (None: no crisis). Kind
    "calmed": the line after "skojade bara" when no crisis was recognised (None when the catalogue has none)."""
    texts = getattr(conversation(cat).reminders, kind, None) if kind else None
    return _say(cat, texts, reader) if texts is not None else None


def remind(cat: Catalogue, kind: str | None, reader: str | None, messages: Sequence[str]) -> List[str]:
    """*messages* with the crisis reminder added at the end, unless there was no crisis or the reply already
    gives one of the numbers the reminder would (a follow-up about Bris names Bris's number itself)."""
    line = reminder(cat, kind, reader)
    out = [m for m in messages if m]
    if line is None:
        return out
    texts = getattr(conversation(cat).reminders, cast(str, kind))
    wording = texts.for_reader(register(reader)) or ""
    numbers = [cat.fill(f"{{{key}}}") for key in PLACEHOLDER.findall(wording)]
    said = "\n".join(out)
    if any(number and re.search(rf"(?<!\d){re.escape(number)}(?!\d)", said) for number in numbers):
        return out
    return [*out, line]
