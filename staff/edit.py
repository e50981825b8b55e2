"""Editing one resource from the staff page, with `resources.yml` staying the truth.

A form's values (`FIELDS`, as staff write them: "09:00-11:00, 13:00-15:00", "ja", "2026-12-24") are applied to
the file's text with the round-trip YAML library (`bot.yamllines.round_trip`): only the fields whose value
changed are written, everything else – comments, order, quotes, flow or block style – stays as it was. The
result is checked like `make check` (staff/check.py) before it may be saved; a save keeps a dated copy of the
version it replaces in the state directory (`copies`, `restore`), and the running bot reads the new file at
its next message (bot.catalogue_store).

Who may edit what is `may_edit`: a token scoped to a municipality edits only that municipality's resources.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping, Sequence, Tuple

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from bot import catalogue_file, catalogue_store, yamllines
from bot import hours as opening_hours
from bot.catalogue import CatalogueError, Resource

ALL = "alla"  # the scope of a token that may do everything: edit every resource, restore a copy
REVIEW = "oversattning"  # the scope of a token that only reviews translations
KEEP_COPIES = 100


@dataclass(frozen=True)
class Field:
    name: str  # the form field
    label: str  # what staff read
    path: Tuple[str, ...]  # where in the resource; () for the ones made of several keys (hours)
    hint: str = ""
    kind: str = "text"  # text, long, phone, url, date, choice, number, check, lines


DAYS = tuple(zip(opening_hours.WEEKDAYS, opening_hours.WEEKDAY_NAMES_SV, strict=True))
FIELDS: Tuple[Field, ...] = (
    Field("namn", "Namn", ("name",), "som användarna ser det"),
    Field("om_barn", "Text för barn och unga", ("about", "child"), "korta meningar, enkla ord", "long"),
    Field("om_vuxen", "Text för vuxna", ("about", "adult"), "", "long"),
    Field("telefon", "Telefon", ("phone",), "som användarna ska se det, t.ex. 0270-750 00", "phone"),
    Field("sms", "Sms", ("sms",), "", "phone"),
    Field("chatt", "Chatt", ("chat",), "fullständig adress, https://…", "url"),
    Field("etjanst", "E-tjänst", ("eservice",), "https://…", "url"),
    Field("webb", "Webb", ("web",), "https://…", "url"),
    Field("epost", "E-post", ("email",), "visas i svaren", "text"),
    Field("anonym", "Anonymt", ("anonymous",), "", "choice"),
    Field("alder_min", "Lägsta ålder", ("ages", "min"), "tomt = ingen gräns", "number"),
    Field("alder_max", "Högsta ålder", ("ages", "max"), "tomt = ingen gräns", "number"),
    Field("dygnet_runt", "Öppet dygnet runt", (), "", "check"),
    *(Field(f"dag_{key}", name.capitalize(), (), "t.ex. 09:00-11:00, 13:00-15:00; tomt = stängt") for key, name in DAYS),
    Field("helgdagar", "Helgdagar", (), "", "choice"),
    Field("stangda_dagar", "Stängda dagar", (), "t.ex. 2026-12-23, 2027-01-07"),
    Field("undantag", "Undantag", (), "en rad per period: 2026-07-06 – 2026-08-09: stängt (sommarstängt) eller "
                                      "2026-12-23: 09:00-12:00", "lines"),
    Field("kalla", "Källa", ("source",), "var uppgifterna kommer ifrån", "long"),
    Field("kontrollerad", "Senast kontrollerad", ("last_verified",), "ÅÅÅÅ-MM-DD", "date"),
)
BY_NAME = {f.name: f for f in FIELDS}
ANONYMOUS = (("", "okänt – boten säger ingenting"), ("ja", "ja"), ("nej", "nej"))
HOLIDAYS = (("closed", "stängt på helgdagar och aftnar"), ("open", "öppet som vanligt"))
HOURS_FIELDS = ("dygnet_runt", *(f"dag_{key}" for key, _ in DAYS), "helgdagar", "stangda_dagar", "undantag")
_KEY_ORDER = tuple(Resource.__fields__)  # where a new key goes
_DATE = r"\d{4}-\d{2}-\d{2}"
_EXCEPTION = re.compile(rf"^({_DATE})(?:\s*(?:–|—|-|till)\s*({_DATE}))?\s*:\s*(.*?)\s*(?:\((.*)\))?$")
_lock = threading.Lock()


class FormError(ValueError):
    """A form value that cannot be written; `field` is the form field, the message Swedish."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def may_edit(scope: str, resource: Mapping[str, Any] | Resource) -> bool:
    """Whether a token with *scope* may change *resource*: every one with ALL, else only its municipality's."""
    municipality = resource.get("municipality") if isinstance(resource, Mapping) else resource.municipality
    return scope == ALL or (municipality is not None and scope == str(municipality))


def version(text: str) -> str:
    """Names a version of the file, so a save notices that someone else saved in between."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


# ---------------------------------------------------------------- file → form


def entry_of(data: Any, resource_id: str) -> Tuple[int, Dict[str, Any]] | None:
    """(position, the resource as read) of *resource_id* in the catalogue data."""
    for i, entry in enumerate(data.get("resources") or [] if isinstance(data, dict) else []):
        if isinstance(entry, dict) and str(entry.get("id")) == resource_id:
            return i, entry
    return None


def _get(entry: Mapping[str, Any], path: Sequence[str]) -> Any:
    value: Any = entry
    for part in path:
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def form_values(entry: Mapping[str, Any]) -> Dict[str, str]:
    """The form's values for a resource as read from the file (bot.yamllines: every value as written)."""
    values = {f.name: "" if _get(entry, f.path) is None else str(_get(entry, f.path)) for f in FIELDS if f.path}
    values["anonym"] = {True: "ja", False: "nej"}.get(entry.get("anonymous"), "")  # type: ignore[arg-type]
    values.update(_hours_values(entry.get("hours")))
    return values


def _spans_text(spans: Sequence[Tuple[int, int]]) -> str:
    return ", ".join(f"{a // 60:02d}:{a % 60:02d}-{(b % 1440) // 60 if b != 1440 else 24:02d}:{b % 60:02d}" for a, b in spans)


def _hours_values(raw: Any) -> Dict[str, str]:
    values = {name: "" for name in HOURS_FIELDS}
    values["helgdagar"] = "closed"
    if not isinstance(raw, Mapping):
        return values
    try:
        schedule = opening_hours.parse(dict(raw))
    except opening_hours.HoursError:
        schedule = None
    if raw.get("always") is True:
        values["dygnet_runt"] = "ja"
    weekly = raw.get("weekly") if isinstance(raw.get("weekly"), Mapping) else {}
    for i, (key, _) in enumerate(DAYS):
        if schedule is not None and not schedule.always:
            values[f"dag_{key}"] = _spans_text(schedule.days[i])
        else:  # hours with a fault: what is written for that day, as it is
            written = next((v for k, v in weekly.items() if i in (opening_hours.weekdays_of(k) or ())), None)
            values[f"dag_{key}"] = ", ".join(map(str, written)) if isinstance(written, list) else str(written or "")
    values["helgdagar"] = str(raw.get("public_holidays") or "closed")
    closed = raw.get("closed_dates")
    values["stangda_dagar"] = ", ".join(map(str, closed)) if isinstance(closed, list) else str(closed or "")
    values["undantag"] = "\n".join(_exception_line(e) for e in raw.get("exceptions") or [] if isinstance(e, Mapping))
    return values


def _exception_line(e: Mapping[str, Any]) -> str:
    period = str(e.get("from")) + (f" – {e['to']}" if e.get("to") else "")
    spans = e.get("hours")
    said = ", ".join(map(str, spans)) if isinstance(spans, list) else str(spans) if spans else "stängt"
    return f"{period}: {said}" + (f" ({e['note']})" if e.get("note") else "")


# ---------------------------------------------------------------- form → file


@dataclass
class Edited:
    text: str  # the whole file with the change
    changed: List[str]  # the labels of the fields that changed ("Telefon", "Öppettider")


def apply(text: str, resource_id: str, values: Mapping[str, str]) -> Edited:
    """*text* (the catalogue file) with *values* written into the resource *resource_id*; only what changed is
    written. FormError for a value that cannot be written at all (the catalogue check judges the rest)."""
    doc = yamllines.load(text)
    found = entry_of(doc.data, resource_id)
    if found is None:
        raise FormError("", f"Resursen '{resource_id}' finns inte (längre) i filen – ladda om sidan.")
    position, entry = found
    before = form_values(entry)
    wanted = {name: _clean(values.get(name, before[name]), BY_NAME[name].kind) for name in before}
    changed = [name for name in before if wanted[name] != _clean(before[name], BY_NAME[name].kind)]
    if not changed:
        return Edited(text, [])
    y = yamllines.round_trip()
    data = y.load(text)
    resource = data["resources"][position]
    for name in changed:
        if name in HOURS_FIELDS:
            continue
        field = BY_NAME[name]
        _write(resource, field.path, _value(field, wanted[name], _get(resource, field.path)))
    if any(name in HOURS_FIELDS for name in changed):
        _write_hours(resource, wanted, [name for name in changed if name in HOURS_FIELDS])
    out = io.StringIO()
    y.dump(data, out)
    labels = []
    for name in changed:
        label = "Öppettider" if name in HOURS_FIELDS else BY_NAME[name].label
        if label not in labels:
            labels.append(label)
    return Edited(out.getvalue(), labels)


def _clean(value: str, kind: str) -> str:
    if kind == "lines":
        return "\n".join(line.strip() for line in str(value).replace("\r", "").split("\n") if line.strip())
    return " ".join(str(value).split())


def _value(field: Field, text: str, old: Any) -> Any:
    """What to write for *text*: None removes the key."""
    if text == "":
        return None
    if field.kind == "choice":  # anonymous
        return {"ja": True, "nej": False}.get(text, text)
    if field.kind == "number":
        return int(text) if text.isdigit() else text
    if field.kind == "date":
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            return text  # the check says what is wrong with it
    if field.kind == "phone" or isinstance(old, DoubleQuotedScalarString) or field.kind == "long" and old is None:
        return DoubleQuotedScalarString(text)
    return type(old)(text) if isinstance(old, str) and type(old) is not str else text


def _write(resource: CommentedMap, path: Sequence[str], value: Any) -> None:
    if len(path) == 1:
        _put(resource, path[0], value, _KEY_ORDER)
        return
    outer, key = path[0], path[1]
    inner = resource.get(outer)
    if value is None:
        if isinstance(inner, CommentedMap) and key in inner:
            del inner[key]
            if outer == "ages" and all(v is None for v in inner.values()):
                del resource[outer]
        return
    if not isinstance(inner, CommentedMap):
        inner = CommentedMap()
        inner.fa.set_flow_style()
        _put(resource, outer, inner, _KEY_ORDER)
    _put(inner, key, value, ("min", "max") if outer == "ages" else ("child", "adult"))


def _put(mapping: CommentedMap, key: str, value: Any, order: Sequence[str]) -> None:
    """Set, remove (None) or insert *key* where *order* puts it among the keys already there."""
    if value is None and key != "anonymous":  # anonymous: null says "unknown" out loud; the rest are left out
        mapping.pop(key, None)
        return
    if key in mapping:
        mapping[key] = value
        return
    rank = order.index(key) if key in order else len(order)
    keys = list(mapping)
    position = next((i for i, k in enumerate(keys) if k in order and order.index(k) > rank), len(keys))
    mapping.insert(position, key, value)


def _flow(items: Sequence[Any]) -> CommentedSeq:
    seq = CommentedSeq(items)
    seq.fa.set_flow_style()
    return seq


def _times(text: str) -> CommentedSeq:
    return _flow([DoubleQuotedScalarString(t.strip()) for t in text.split(",") if t.strip()])


def _date_or_text(text: str) -> Any:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return text


def _write_hours(resource: CommentedMap, wanted: Mapping[str, str], changed: Sequence[str]) -> None:
    day_values = {key: wanted[f"dag_{key}"] for key, _ in DAYS}
    rest = (wanted["stangda_dagar"], wanted["undantag"], wanted["helgdagar"] != "closed")
    if wanted["dygnet_runt"] != "ja" and not any(day_values.values()) and not any(rest):
        _put(resource, "hours", None, _KEY_ORDER)  # no hours: the bot says nothing about times
        return
    hours = resource.get("hours")
    if not isinstance(hours, CommentedMap):
        hours = CommentedMap()
        _put(resource, "hours", hours, _KEY_ORDER)
    order = ("always", "weekly", "public_holidays", "closed_dates", "exceptions")
    if wanted["dygnet_runt"] == "ja":
        for key in [k for k in hours if k != "always"]:
            del hours[key]
        _put(hours, "always", True, order)
        return
    _put(hours, "always", None, order)
    if any(name.startswith("dag_") for name in changed) or "weekly" not in hours:
        weekly = CommentedMap((key, _times(text)) for key, text in day_values.items() if text)
        if isinstance(hours.get("weekly"), CommentedMap) and hours["weekly"].fa.flow_style():
            weekly.fa.set_flow_style()
        _put(hours, "weekly", weekly, order)
    if "helgdagar" in changed:
        _put(hours, "public_holidays", wanted["helgdagar"], order)
    if "stangda_dagar" in changed:
        dates = [_date_or_text(d.strip()) for d in wanted["stangda_dagar"].split(",") if d.strip()]
        _put(hours, "closed_dates", _flow(dates) if dates else None, order)
    if "undantag" in changed:
        lines = [line for line in wanted["undantag"].split("\n") if line.strip()]
        _put(hours, "exceptions", _exceptions(lines) if lines else None, order)


def _exceptions(lines: Sequence[str]) -> CommentedSeq:
    out = CommentedSeq()
    for line in lines:
        match = _EXCEPTION.match(line.strip())
        if not match:
            raise FormError("undantag", f"Förstår inte undantaget '{line.strip()}'. Skriv en period per rad: "
                                        "2026-07-06 – 2026-08-09: stängt (sommarstängt) eller 2026-12-23: 09:00-12:00")
        first, last, said, note = match.groups()
        entry = CommentedMap([("from", dt.date.fromisoformat(first))] if _is_date(first) else [("from", first)])
        if last:
            entry["to"] = _date_or_text(last)
        if said and said.lower() not in ("stängt", "stangt"):
            entry["hours"] = _times(said)
        if note:
            entry["note"] = note.strip()
        entry.fa.set_flow_style()
        out.append(entry)
    return out


def _is_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
        return True
    except ValueError:
        return False


# ---------------------------------------------------------------- which line belongs to which field


def field_of(doc: yamllines.Document, position: int, line: int | None) -> str | None:
    """The form field a problem at *line* is about, for the resource at *position* of the file *doc*."""
    if line is None:
        return None
    here = [path[2:] for path, n in doc.lines.items() if n == line and path[:2] == ("resources", position)]
    for sub in sorted(here, key=len, reverse=True):
        if sub and sub[0] == "hours":
            if len(sub) > 2 and sub[1] == "weekly":
                days = opening_hours.weekdays_of(sub[2]) or (0,)
                return f"dag_{DAYS[days[0]][0]}"
            return {"always": "dygnet_runt", "public_holidays": "helgdagar", "closed_dates": "stangda_dagar",
                    "exceptions": "undantag"}.get(sub[1] if len(sub) > 1 else "", "dag_mon")
        for f in FIELDS:
            if f.path and tuple(sub[:len(f.path)]) == f.path:
                return f.name
    return None


# ---------------------------------------------------------------- saving, dated copies, restoring


class SaveError(ValueError):
    """The file could not be saved; the message is Swedish."""


@dataclass(frozen=True)
class Copy:
    path: Path
    saved: dt.datetime
    note: str  # what replaced it: "före ändringen av Bris (Telefon)"

    @property
    def name(self) -> str:
        return self.path.name


def copies_directory(catalogue: Path) -> Path:
    live = catalogue_store.last_good_copy(catalogue)  # one folder per catalogue file, named like its last good copy
    return catalogue_store.state_directory() / "kopior" / live.stem


def copies(catalogue: Path) -> List[Copy]:
    """The dated copies of *catalogue*, newest first."""
    folder = copies_directory(catalogue)
    found = []
    for path in sorted(folder.glob("*.yml"), reverse=True) if folder.is_dir() else []:
        try:
            saved = dt.datetime.strptime(path.stem, "%Y-%m-%dT%H-%M-%S-%f")
        except ValueError:
            continue
        note = path.with_suffix(".txt")
        found.append(Copy(path, saved, note.read_text(encoding="utf-8").strip() if note.is_file() else ""))
    return found


def save(catalogue: Path, text: str, expected_version: str, note: str, now: dt.datetime | None = None) -> Copy:
    """Write *text* as the catalogue, after keeping the version it replaces as a dated copy. Refuses (SaveError)
    when the file changed since *expected_version* was read or *text* has errors."""
    with _lock:
        try:
            old = catalogue.read_text(encoding="utf-8-sig")
        except OSError as e:
            raise SaveError(f"Filen kan inte läsas ({type(e).__name__}).") from e
        if version(old) != expected_version:
            raise SaveError("Filen har ändrats sedan du öppnade sidan (av någon annan, eller i en textredigerare). "
                            "Dina ändringar står kvar i formuläret: kontrollera dem och spara igen.")
        try:
            catalogue_file.parse_source(text, str(catalogue))
        except CatalogueError as e:
            raise SaveError(f"Filen har fel och sparas inte: {e}") from e
        copy = _keep_copy(catalogue, old, note, now)
        try:
            catalogue_file.write_whole(catalogue, text)
        except OSError as e:
            raise SaveError(f"Filen kunde inte sparas ({type(e).__name__}: behörighet eller disk). Inget ändrades.") from e
        catalogue_store.current(catalogue)  # this process uses it at once; the bot at its next message
        return copy


def restore(catalogue: Path, name: str, now: dt.datetime | None = None) -> Copy:
    """Make the dated copy *name* the catalogue again (the version it replaces is kept as a copy too)."""
    chosen = next((c for c in copies(catalogue) if c.name == name), None)
    if chosen is None:
        raise SaveError("Kopian finns inte (längre) – ladda om sidan.")
    text = chosen.path.read_text(encoding="utf-8")
    with _lock:
        current_text = catalogue.read_text(encoding="utf-8-sig") if catalogue.exists() else ""
    return save(catalogue, text, version(current_text),
                f"före återställningen av kopian från {chosen.saved:%Y-%m-%d %H:%M}", now)


def _keep_copy(catalogue: Path, text: str, note: str, now: dt.datetime | None) -> Copy:
    folder = copies_directory(catalogue)
    saved = (now or dt.datetime.now()).replace(tzinfo=None)
    path = folder / f"{saved:%Y-%m-%dT%H-%M-%S-%f}.yml"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        catalogue_file.write_whole(path, text)
        path.with_suffix(".txt").write_text(note + "\n", encoding="utf-8")
        for old in sorted(folder.glob("*.yml"))[:-KEEP_COPIES]:
            old.unlink(missing_ok=True)
            old.with_suffix(".txt").unlink(missing_ok=True)
    except OSError as e:
        raise SaveError(f"Ingen kopia kunde sparas i {folder} ({type(e).__name__}), så filen sparades inte.") from e
    return Copy(path, saved, note)
