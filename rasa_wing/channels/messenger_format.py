"""Bot replies shaped for Facebook Messenger's Send API (no Rasa here; the channel is rasa_wing/channels/messenger.py).

Messenger's limits: a text or button-template text under 640 characters, at most 13 quick
replies with titles of at most 20 characters, at most 3 buttons on a button template.

* Text is split at paragraph, then sentence, then word boundaries into parts under 640 characters.
* Rasa buttons become quick replies (the first 13; long titles shortened at a word boundary).
* Swedish national phone numbers (0…, e.g. "0150-48 83 00") in a part become call buttons
  ("Ring 0150-48 83 00", payload "+46150488300"), at most three per part. Short numbers (112,
  116 111, 114 14, 90101, 1177) have no international form that is sure to reach the same
  service, so they stay in the text, where the Messenger app makes them tappable.
"""
from __future__ import annotations

import re
from typing import Iterable, List

TEXT_LIMIT = 640  # characters; parts are strictly shorter
QUICK_REPLY_LIMIT = 13
TITLE_LIMIT = 20
TEMPLATE_BUTTON_LIMIT = 3
PAYLOAD_LIMIT = 1000

_NATIONAL_NUMBER = re.compile(r"(?<![\d+])0\d{1,3}[- ]?\d{2,3}(?: ?\d{2,3}){1,3}(?!\d)")
_SENTENCE_END = re.compile(r"(?<=[.!?…:])\s+")


def _pack(pieces: Iterable[str], sep: str, limit: int) -> List[str]:
    """Join *pieces* with *sep* into as few parts as possible, each shorter than *limit*."""
    parts: List[str] = []
    current = ""
    for piece in pieces:
        candidate = f"{current}{sep}{piece}" if current else piece
        if len(candidate) < limit:
            current = candidate
            continue
        if current:
            parts.append(current)
        current = piece
    if current:
        parts.append(current)
    return parts


def _split_words(text: str, limit: int) -> List[str]:
    words: List[str] = []
    for word in text.split():
        while len(word) >= limit:  # a single "word" longer than a message: cut it
            words.append(word[: limit - 1])
            word = word[limit - 1:]
        if word:
            words.append(word)
    return _pack(words, " ", limit)


def _split_paragraph(paragraph: str, limit: int) -> List[str]:
    if len(paragraph) < limit:
        return [paragraph]
    sentences: List[str] = []
    for sentence in _SENTENCE_END.split(paragraph):
        sentences.extend([sentence] if len(sentence) < limit else _split_words(sentence, limit))
    return _pack(sentences, " ", limit)


def split_text(text: str, limit: int = TEXT_LIMIT) -> List[str]:
    """*text* in parts shorter than *limit* characters, split where a reader would pause."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text or "") if p.strip()]
    pieces: List[str] = []
    for paragraph in paragraphs:
        pieces.extend(_split_paragraph(paragraph, limit))
    return _pack(pieces, "\n\n", limit)


def short_title(title: str, limit: int = TITLE_LIMIT) -> str:
    """*title* in at most *limit* characters, cut at a word boundary with an ellipsis when too long."""
    title = " ".join((title or "").split())
    if len(title) <= limit:
        return title
    cut = title[: limit - 1]
    if title[limit - 1] != " " and " " in cut:  # do not leave half a word
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,.;:-–") + "…"


def quick_replies(buttons: Iterable[dict]) -> List[dict]:
    """Rasa buttons ({"title", "payload"}) as Messenger quick replies (at most 13)."""
    replies = []
    for button in buttons or []:
        title = short_title(str(button.get("title") or button.get("payload") or ""))
        payload = str(button.get("payload") or button.get("title") or "")[:PAYLOAD_LIMIT]
        if title and payload:
            replies.append({"content_type": "text", "title": title, "payload": payload})
        if len(replies) == QUICK_REPLY_LIMIT:
            break
    return replies


def international(number: str) -> str:
    """A Swedish national number ("0150-48 83 00") in international form ("+46150488300")."""
    digits = re.sub(r"\D", "", number)
    if not digits.startswith("0") or digits.startswith("00"):
        raise ValueError("not a Swedish national number")
    return "+46" + digits[1:]


def call_buttons(text: str) -> List[dict]:
    """Call buttons for the Swedish national numbers in *text* (at most three, in order, no repeats)."""
    buttons: List[dict] = []
    seen = set()
    for match in _NATIONAL_NUMBER.finditer(text or ""):
        shown = match.group(0)
        payload = international(shown)
        if payload in seen:
            continue
        seen.add(payload)
        title = f"Ring {shown}"
        buttons.append({"type": "phone_number", "title": title if len(title) <= TITLE_LIMIT else short_title(shown),
                        "payload": payload})
        if len(buttons) == TEMPLATE_BUTTON_LIMIT:
            break
    return buttons


def messages(text: str, buttons: Iterable[dict] = ()) -> List[dict]:
    """The Send API `message` objects for one bot reply: text parts, call buttons, quick replies last."""
    out: List[dict] = []
    for part in split_text(text):
        calls = call_buttons(part)
        if calls:
            out.append({"attachment": {"type": "template", "payload": {
                "template_type": "button", "text": part, "buttons": calls}}})
        else:
            out.append({"text": part})
    replies = quick_replies(buttons)
    if replies:
        if not out:  # quick replies need a message to ride on
            out.append({"text": "Välj ett svar:"})
        out[-1]["quick_replies"] = replies
    return out
