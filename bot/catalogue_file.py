"""`resources.yml` as a file: read, validated, and every error in one run, in Swedish, at its line.

These are the diagnostics staff see (`make check` adds its warnings to them, staff/check.py) and the
reason the running bot refuses a broken edit (`bot.catalogue_store`). Values are read as written
(`bot.yamllines`); a number or time without quotes is an error that quotes the line and its fix.
"""
from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping, Sequence, Tuple

from pydantic import BaseModel, ValidationError
from pydantic.fields import SHAPE_SINGLETON

from bot import hours as opening_hours
from bot import yamllines
from bot.catalogue import _ID, PLACEHOLDER, PLACEHOLDER_VARIABLES, Catalogue, CatalogueError, Problem, service_of

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "resources.yml"
MAX_BYTES = 2_000_000  # the catalogue is ~50 kB; anything this big is the wrong file

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
    "languages": "språk", "also_serves": "också tjänst", "unconfirmed": "inte bekräftat",
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
        also = r.get("also_serves")
        for j, other in enumerate(also if isinstance(also, list) else []):
            if str(other) not in services:
                add(("resources", i, "also_serves", j), f"tjänsten '{other}' finns inte under services"
                                                        f"{_suggest(str(other), services)}")
            elif municipality_id is None:
                add(("resources", i, "also_serves", j), "bara en kommunal resurs (med municipality) kan vara fler tjänster")
    for i, m in entries("municipalities"):
        for key in mapping(m.get("unconfirmed")):
            if str(key) not in services:
                add(("municipalities", i, "unconfirmed", key), f"tjänsten '{key}' finns inte under services"
                                                               f"{_suggest(str(key), services)}")
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
