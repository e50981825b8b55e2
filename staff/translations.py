"""Translated texts waiting for review, and the review itself (the staff page's Översättningar, `make check`'s count).

Two kinds of file, one model (`Item`: what a reviewer approves at once, each line beside its Swedish original):

* `texts/<språk>.yml` beside the catalogue (docs/katalog.md, "Översättningar"): one entry per text,
  `key: {text, reviewed, reviewed_by, reviewed_at}`. The key is the Swedish text's place in the catalogue
  (`conversation.thanks.child`, `resources.bris.about.adult`, `needs.child_bullying.text.child`; a list entry by
  its id), so the Swedish original is found there.
* `bot/crisis_languages.yml`: per language the line added to a crisis reply (three numbers, reviewed together);
  the Swedish original of each is under `sv`.

Approving or correcting writes the file with the round-trip YAML library (comments and order kept) and records who
(a role, not a name) and when. Values are read with `bot.yamllines`, so `reviewed: ja` is an error at its line,
never a traceback.
"""
from __future__ import annotations

import datetime as dt
import io
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Tuple

from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from bot import languages, yamllines
from bot.catalogue import Problem
from bot.catalogue_file import write_whole

# Names staff read, and the direction each language is written in.
LANGUAGE_NAMES = {"en": "engelska", "ar": "arabiska", "so": "somaliska", "fa": "persiska/dari", "ti": "tigrinska",
                  "uk": "ukrainska", "fi": "finska", "sv": "svenska"}
RIGHT_TO_LEFT = frozenset({"ar", "fa", "prs", "ps", "ur", "he", "yi", "ckb", "dv"})
ENTRY_FIELDS = ("text", "reviewed", "reviewed_by", "reviewed_at")
MAX_REVIEWER = 80
_write_lock = threading.Lock()


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


def direction(code: str) -> str:
    return "rtl" if code.split("-")[0] in RIGHT_TO_LEFT else "ltr"


@dataclass
class Line:
    label: str  # which text: the number ("112") or the key ("conversation.thanks.child")
    swedish: str | None  # the original; None when no Swedish text has that key
    text: str


@dataclass
class Item:
    """What a reviewer approves or corrects at once."""

    file: Path
    language: str
    key: str  # the entry in the file: a text's key, or the language code (crisis lines)
    lines: List[Line]
    reviewed: bool
    reviewed_by: str | None = None
    reviewed_at: str | None = None
    shown: str = ""  # the text as the user sees it

    @property
    def direction(self) -> str:
        return direction(self.language)

    @property
    def ident(self) -> str:
        """Names the item in a form: file, language and key."""
        return f"{self.file.name}|{self.language}|{self.key}"


@dataclass
class Found:
    items: List[Item] = field(default_factory=list)
    problems: List[Tuple[str, Problem]] = field(default_factory=list)  # (file as shown, problem): the file is not used

    def waiting(self) -> Dict[str, int]:
        """Lines not yet approved, per language (in the order the languages come)."""
        counts: Dict[str, int] = {}
        for item in self.items:
            if not item.reviewed:
                counts[item.language] = counts.get(item.language, 0) + len(item.lines)
        return counts


def texts_directory(catalogue_file: Path) -> Path:
    """Where the per-language text files live: `texts/` beside the catalogue."""
    return catalogue_file.parent / "texts"


def find(catalogue_file: Path, catalogue_data: Any = None, fill=None) -> Found:
    """Every translated text: the crisis lines, and `texts/<språk>.yml` beside *catalogue_file*.

    *catalogue_data* (the catalogue as read) gives the Swedish originals of the text files; *fill* (the
    catalogue's `fill`) turns {bris} into the number, as the user sees it."""
    found = Found()
    _crisis_lines(languages.LINES_FILE, found)
    folder = texts_directory(catalogue_file)
    for path in sorted(folder.glob("*.yml")) if folder.is_dir() else []:
        _text_file(path, catalogue_data, fill, found)
    return found


def _read(path: Path, found: Found) -> yamllines.Document | None:
    try:
        doc = yamllines.load(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError):
        found.problems.append((str(path), Problem(None, "", "filen kan inte läsas (spara den som UTF-8)")))
        return None
    for p in doc.problems:
        found.problems.append((str(path), Problem(p.line, "", p.message)))
    if doc.problems or not isinstance(doc.data, dict):
        if not doc.problems and doc.data is not None:
            found.problems.append((str(path), Problem(1, "", "filen ska ha en post per text (nyckel: {text, reviewed})")))
        return None
    return doc


def _reviewed(value: Any, doc: yamllines.Document, path: Path, loc: tuple, who: str, found: Found) -> bool | None:
    if isinstance(value, bool):
        return value
    found.problems.append((str(path), Problem(doc.line(loc), who, f"reviewed ska vara true eller false, inte "
                                                                  f"'{value}' – skriv reviewed: true när texten är godkänd")))
    return None


def _crisis_lines(path: Path, found: Found) -> None:
    doc = _read(path, found)
    if doc is None:
        return
    swedish = doc.data.get(languages.SWEDISH) or {}
    originals = swedish.get("numbers") if isinstance(swedish, dict) else {}
    for code, entry in doc.data.items():
        if code == languages.SWEDISH:
            continue
        who = f"{code} ({language_name(str(code))})"
        if not isinstance(entry, dict) or not isinstance(entry.get("numbers"), dict):
            found.problems.append((str(path), Problem(doc.line((code,)), who, "raden behöver name, reviewed och numbers")))
            continue
        reviewed = _reviewed(entry.get("reviewed"), doc, path, (code, "reviewed"), who, found)
        if reviewed is None:
            continue
        lines = [Line(str(number), (originals or {}).get(number), str(text)) for number, text in entry["numbers"].items()]
        found.items.append(Item(path, str(code), str(code), lines, reviewed, entry.get("reviewed_by"),
                                entry.get("reviewed_at"), " · ".join(f"{line.label}: {line.text}" for line in lines)))


def _text_file(path: Path, catalogue_data: Any, fill, found: Found) -> None:
    doc = _read(path, found)
    if doc is None:
        return
    code = path.stem
    for key, entry in doc.data.items():
        who = f"{code}: {key}"
        if not isinstance(entry, dict) or not isinstance(entry.get("text"), str):
            found.problems.append((str(path), Problem(doc.line((key,)), who, "posten behöver text och reviewed, t.ex. "
                                                                            "{text: \"…\", reviewed: false}")))
            continue
        unknown = sorted(set(entry) - set(ENTRY_FIELDS))
        if unknown:
            found.problems.append((str(path), Problem(doc.line((key, unknown[0])), who, f"okänt fält '{unknown[0]}' – "
                                                      f"tillåtna fält: {', '.join(ENTRY_FIELDS)}")))
        reviewed = _reviewed(entry.get("reviewed", False), doc, path, (key, "reviewed"), who, found)
        if reviewed is None:
            continue
        text = entry["text"]
        found.items.append(Item(path, code, str(key), [Line(str(key), swedish_text(catalogue_data, str(key)), text)],
                                reviewed, entry.get("reviewed_by"), entry.get("reviewed_at"), fill(text) if fill else text))


def swedish_text(data: Any, key: str) -> str | None:
    """The Swedish text at *key* in the catalogue as read ("resources.bris.about.child"; list entries by id)."""
    for part in key.split("."):
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list):
            data = next((e for e in data if isinstance(e, dict) and str(e.get("id")) == part), None)
        else:
            return None
    return data if isinstance(data, str) else None


# ---------------------------------------------------------------- approving and correcting


class ReviewError(ValueError):
    """A review that cannot be saved; the message is Swedish."""


def review(item: Item, reviewer: str, corrected: Dict[str, str] | None = None, now: dt.datetime | None = None) -> None:
    """Approve *item* (corrected lines first, by label): `reviewed: true`, who (a role) and when, in its file."""
    reviewer = " ".join((reviewer or "").split())
    if not reviewer:
        raise ReviewError("Skriv vem som granskar – en roll, t.ex. \"tolk, arabiska\", inget namn.")
    if len(reviewer) > MAX_REVIEWER:
        raise ReviewError(f"Skriv vem som granskar med högst {MAX_REVIEWER} tecken.")
    when = (now or dt.datetime.now().astimezone()).isoformat(timespec="minutes")
    corrected = {label: " ".join(text.split()) for label, text in (corrected or {}).items()}
    if any(not text for text in corrected.values()):
        raise ReviewError("En rättad text får inte vara tom.")
    y = yamllines.round_trip()
    with _write_lock:
        try:
            data = y.load(item.file.read_text(encoding="utf-8-sig"))
        except OSError as e:
            raise ReviewError(f"Filen {item.file.name} kan inte läsas ({type(e).__name__}).") from e
        entry = data.get(item.key) if isinstance(data, dict) else None
        if not isinstance(entry, CommentedMap):
            raise ReviewError(f"Posten {item.key} finns inte längre i {item.file.name} – ladda om sidan.")
        texts = entry["numbers"] if "numbers" in entry else entry
        for label, text in corrected.items():
            target = label if "numbers" in entry else "text"
            if target not in texts:
                raise ReviewError(f"Raden {label} finns inte längre i {item.file.name} – ladda om sidan.")
            texts[target] = DoubleQuotedScalarString(text)
        _set(entry, "reviewed", True)
        _set(entry, "reviewed_by", DoubleQuotedScalarString(reviewer))
        _set(entry, "reviewed_at", when)
        out = io.StringIO()
        y.dump(data, out)
        _write(item.file, out.getvalue())


def _set(entry: CommentedMap, key: str, value: Any) -> None:
    """Set *key*, placed after `reviewed` (or last) when it is new."""
    if key in entry:
        entry[key] = value
        return
    keys = list(entry)
    position = keys.index("reviewed") + 1 if "reviewed" in keys else len(keys)
    while position < len(keys) and keys[position] in ("reviewed_by", "reviewed_at"):
        position += 1
    entry.insert(position, key, value)


def _write(path: Path, text: str) -> None:
    try:
        write_whole(path, text)
    except OSError as e:
        raise ReviewError(f"Filen {path.name} kunde inte sparas ({type(e).__name__}: behörighet eller disk).") from e
