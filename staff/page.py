"""The staff page (/personal on the demo web server): the whole catalogue at a glance, read-only.

Every municipality with its resources as cards (number, addresses, today's hours, source, when it
was last checked), `make check`'s errors and warnings beside the card they concern, the needs that
have no local resource there, and a preview of the reply for any need, reader, municipality and
time (a GET form). Staff still edit resources.yml; this page only shows it. Server-rendered HTML,
everything escaped, no scripts; the style sheet is inline and allowed by its hash (tools/webserver.py).
"""
from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Tuple

from bot import catalogue, catalogue_file, catalogue_store, hours, yamllines
from bot.catalogue import Catalogue, CatalogueError, Problem, Resource, service_of
from staff import check, preview

PATH = "/personal"
MAX_FIELD = 60  # longest form value read (a need id, a name, "lördag 22:00")
PREVIEW_FIELDS = ("behov", "vem", "kommun", "tid", "text")
# (the word staff.preview.reader reads, what the form shows)
READERS = (("barn", "barn eller ung"), ("förälder", "förälder"), ("vuxen", "annan vuxen"), ("yrkesperson", "yrkesperson"))
Key = Tuple[str, str]  # ("resources", "bris"), ("municipalities", "kungalv"), ("needs", "suicidal")

STYLE = (Path(__file__).with_name("page.css")).read_text(encoding="utf-8")


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def link(url: str | None) -> str:
    """An address as a link when it is one (http/https), else as text."""
    if not url:
        return ""
    if url.startswith(("https://", "http://")):
        return f'<a href="{esc(url)}" rel="noopener noreferrer">{esc(url)}</a>'
    return esc(url)


def _source(text: str | None) -> str:
    """A source: its addresses as links, the rest as text."""
    if not text:
        return '<span class="old">saknas</span>'
    parts = []
    for word in text.split(" "):
        parts.append(link(word) if word.startswith(("https://", "http://")) else esc(word))
    return " ".join(parts)


# ---------------------------------------------------------------- which problem belongs to which card


@dataclass(frozen=True)
class Spans:
    """The lines each entry of the file covers, so a problem at a line lands on its card."""

    starts: List[Tuple[int, Key | None]]  # (first line, entry) in file order; None for section headings

    @classmethod
    def of(cls, doc: yamllines.Document) -> Spans:
        starts: List[Tuple[int, Key | None]] = []
        data = doc.data if isinstance(doc.data, dict) else {}
        for section in catalogue_file.SECTIONS:
            if (section,) in doc.lines:
                starts.append((doc.lines[(section,)], None))
            entries = data.get(section)
            if isinstance(entries, list):
                keyed = [(i, e.get("id")) for i, e in enumerate(entries) if isinstance(e, dict)]
            elif isinstance(entries, dict):
                keyed = [(key, key) for key in entries]
            else:
                keyed = []
            for position, key in keyed:
                line = doc.lines.get((section, position))
                if line is not None and key is not None:
                    starts.append((line, (section, str(key))))
        return cls(sorted(starts, key=lambda s: s[0]))

    def owner(self, line: int | None) -> Key | None:
        found = None
        for start, key in self.starts:
            if line is None or start > line:
                break
            found = key
        return found


def _sorted_problems(report: check.Report, spans: Spans) -> Dict[Key | None, List[Tuple[str, Problem]]]:
    by_key: Dict[Key | None, List[Tuple[str, Problem]]] = {}
    for kind, problems in (("error", report.errors), ("warning", report.warnings), ("note", report.notes)):
        for p in problems:
            by_key.setdefault(spans.owner(p.line), []).append((kind, p))
    return by_key


def _problem_list(items: Iterable[Tuple[str, Problem]], with_who: bool = False) -> str:
    rows = []
    for kind, p in items:
        label = {"error": "FEL", "warning": "VARNING"}.get(kind, "INTE BEKRÄFTAT")
        place = f"rad {p.line}: " if p.line else ""
        who = f"{p.where}: " if with_who and p.where else ""
        rows.append(f'<li class="{kind}"><strong>{label}</strong> {esc(place)}{esc(who)}{esc(p.message)}</li>')
    return f'<ul class="problems">{"".join(rows)}</ul>' if rows else ""


# ---------------------------------------------------------------- cards


def _checked(day: dt.date, today: dt.date) -> str:
    age = (today - day).days
    text = f"{day.isoformat()} ({age} {'dag' if age == 1 else 'dagar'} sedan)"
    return f'<span class="old">{esc(text)}</span>' if age > check.STALE_AFTER_DAYS else esc(text)


def _today(r: Resource, now: dt.datetime) -> str:
    if r.schedule is None:
        return "inga öppettider i katalogen"
    today, status = hours.day_summary(r.schedule, now.date()), hours.describe(r.schedule, now)
    return f"{today} – {status}" if today != status else status


def card(r: Resource, now: dt.datetime, problems: List[Tuple[str, Problem]], level: int = 4) -> str:
    rows = [("Telefon", esc(r.phone)) if r.phone else None, ("Sms", esc(r.sms)) if r.sms else None,
            ("Chatt", link(r.chat)) if r.chat else None, ("E-tjänst", link(r.eservice)) if r.eservice else None,
            ("Webb", link(r.web)) if r.web else None, ("E-post", esc(r.email)) if r.email else None,
            ("I dag", esc(_today(r, now))),
            ("Anonymt", {True: "ja", False: "nej", None: "okänt"}[r.anonymous]),
            ("Åldrar", esc(f"{r.ages.min or ''}–{r.ages.max or ''}")) if r.ages and (r.ages.min or r.ages.max) else None,
            ("Källa", _source(r.source)), ("Kontrollerad", _checked(r.last_verified, now.date()))]
    if not (r.phone or r.sms or r.chat or r.eservice or r.web or r.email):
        rows.insert(0, ("Kontakt", '<span class="old">inget nummer och ingen adress</span>'))
    body = "".join(f"<dt>{label}:</dt><dd>{value}</dd>" for label, value in filter(None, rows))
    service = f" · tjänst {esc(r.service)}" if r.service else ""
    return (f'<article class="card" id="resurs-{esc(r.id)}"><h{level}>{esc(r.name)}</h{level}>'
            f'<div class="id">id {esc(r.id)}{service}</div><dl>{body}</dl>{_problem_list(problems)}</article>')


def _missing_needs(cat: Catalogue, municipality_id: str) -> List[Tuple[str, List[str]]]:
    """(need, the services it routes to that this municipality has no resource for)."""
    out = []
    for need_id, need in cat.needs.items():
        wanted = {service_of(e) for entries in need.route.values() for e in entries} - {None}
        missing = sorted(s for s in wanted if not cat.local(s, municipality_id))
        if missing:
            out.append((need_id, missing))
    return out


def municipality_section(cat: Catalogue, m: catalogue.Municipality, now: dt.datetime,
                         problems: Dict[Key | None, List[Tuple[str, Problem]]]) -> str:
    cards = [card(r, now, problems.get(("resources", r.id), [])) for r in cat.resources if r.municipality == m.id]
    missing = _missing_needs(cat, m.id)
    descriptions = dict(preview.needs(cat))
    rows = "".join(
        f"<li><strong>{esc(need_id)}</strong> – {esc(descriptions[need_id])} Saknar: "
        f"{esc(', '.join((cat.services[s].name or s) + f' ({s})' for s in services))}. Användarna får den allmänna texten.</li>"
        for need_id, services in missing)
    return (f'<section id="kommun-{esc(m.id)}"><h2>{esc(m.name)} <span class="id">id {esc(m.id)}</span></h2>'
            f"<p>Källa: {_source(m.source)}. Kontrollerad: {_checked(m.last_verified, now.date())}.</p>"
            f"{_problem_list(problems.get(('municipalities', m.id), []))}"
            f'<h3>Kommunens resurser ({len(cards)})</h3>'
            f'<div class="cards">{"".join(cards) or "<p>Inga egna resurser ännu.</p>"}</div>'
            f"<h3>Behov utan egen resurs i {esc(m.name)} ({len(missing)})</h3>"
            f"<ul>{rows or '<li>Alla behov har en egen resurs här.</li>'}</ul></section>")


# ---------------------------------------------------------------- the preview form


def _first(query: Dict[str, List[str]], key: str) -> str:
    return (query.get(key) or [""])[0][:MAX_FIELD]


def _options(choices: Iterable[Tuple[str, str]], chosen: str) -> str:
    return "".join(f'<option value="{esc(v)}"{" selected" if v == chosen else ""}>{esc(text)}</option>'
                   for v, text in choices)


def preview_section(cat: Catalogue, query: Dict[str, List[str]], now: dt.datetime) -> str:
    chosen = {k: _first(query, k) for k in PREVIEW_FIELDS}
    needs = preview.needs(cat)
    form = (
        f'<form method="get" action="{PATH}">'
        f'<div><label for="behov">Behov</label><select id="behov" name="behov">'
        f'{_options(((k, f"{k} – {d}") for k, d in needs), chosen["behov"])}</select></div>'
        f'<div><label for="vem">Vem läser</label><select id="vem" name="vem">'
        f'{_options([("", "behovets vanliga läsare"), *READERS], chosen["vem"])}'
        f'</select></div>'
        f'<div><label for="kommun">Kommun</label><select id="kommun" name="kommun">'
        f'{_options([("", "ingen kommun vald"), *((m.id, m.name) for m in cat.municipalities)], chosen["kommun"])}'
        f'</select></div>'
        f'<div><label for="tid">Tid (tomt = nu)</label><input id="tid" name="tid" maxlength="{MAX_FIELD}" '
        f'value="{esc(chosen["tid"])}" placeholder="lördag 22:00"></div>'
        f'<div><label for="text">Meddelande (valfritt)</label><input id="text" name="text" maxlength="{MAX_FIELD}" '
        f'value="{esc(chosen["text"])}" placeholder="jag är 9"></div>'
        f'<div><button type="submit">Visa svaret</button></div></form>')
    result = ""
    if chosen["behov"]:
        try:
            shown = preview.preview(cat, chosen["behov"], chosen["vem"], chosen["kommun"], chosen["tid"], chosen["text"],
                                    now=now)
        except preview.PreviewError as e:
            result = f'<ul class="problems"><li class="error"><strong>FEL</strong> {esc(e)}</li></ul>'
        else:
            head = "".join(f"<li>{esc(line)}</li>" for line in shown.heading().splitlines())
            messages = "".join(f"<p>{esc(m)}</p>" for m in shown.reply.messages)
            buttons = "".join(f"<span>{esc(b['title'])}</span>" for b in shown.reply.buttons)
            asked = "".join(f"<dt>{esc(q)}</dt>" + "".join(f"<dd>{esc(m)}</dd>" for m in answer)
                            for q, answer in shown.followups)
            result = (f'<div class="reply" aria-live="polite"><h3>Så svarar boten</h3><ul>{head}</ul>{messages}'
                      f'{f"<p class=buttons>Knappar: {buttons}</p>" if buttons else ""}'
                      f'{f"<h4>Följdfrågor om stöden i svaret</h4><dl>{asked}</dl>" if asked else ""}</div>')
    return (f'<section id="forhandsvisning"><h2>Förhandsvisa ett svar</h2>'
            f"<p>Samma som <code>make forhandsvisa</code>: välj behov, läsare, kommun och tid, och skriv gärna vad "
            f"användaren skriver (en ålder, \"jag är 9\", eller vissa ord ändrar svaret).</p>{form}{result}</section>")


# ---------------------------------------------------------------- the page


def _shown_catalogue(path: Path, report: check.Report) -> Tuple[Catalogue | None, yamllines.Document]:
    """The catalogue to show and the file's line index. With errors: the last version that loaded."""
    try:
        last_good = catalogue_store.current(path)  # also remembers this version for when the file breaks
    except CatalogueError:
        last_good = None
    if report.parsed is not None:
        return report.parsed.catalogue, report.parsed.document
    try:
        return last_good, yamllines.load(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError):
        return last_good, yamllines.Document(None)


def render(query: Dict[str, List[str]], path: Path | str | None = None, now: dt.datetime | None = None) -> str:
    """The whole page for *query* (the preview form's values), from the catalogue file as it is now."""
    now = (now or dt.datetime.now(hours.STOCKHOLM)).astimezone(hours.STOCKHOLM)
    path = catalogue_file.catalogue_path(path)
    report = check.check(path, today=now.date())
    cat, doc = _shown_catalogue(path, report)
    problems = _sorted_problems(report, Spans.of(doc))
    shown_keys = set()
    if cat is not None:
        shown_keys = {("resources", r.id) for r in cat.resources} | {("municipalities", m.id) for m in cat.municipalities}
    general = [item for key, items in problems.items() if key not in shown_keys for item in items]
    if report.errors:
        state = (f"<p><strong>{len(report.errors)} fel</strong> – filen används inte förrän felen är rättade. Boten "
                 "fortsätter med den senaste fungerande versionen" + (", som visas nedan." if cat else ".") + "</p>")
    else:
        state = f"<p><strong>Inga fel</strong>, {len(report.warnings)} varningar. Katalogen används av boten.</p>"
    if cat is not None and (report.errors or report.warnings):
        state += "<p>Varje fel och varning står vid kortet den gäller" + (", de övriga här:" if general else ".") + "</p>"
    parts = [f'<section class="summary" id="kontroll"><h2>Kontroll (make check)</h2>{state}'
             f"{_problem_list(general, with_who=True)}</section>"]
    if cat is not None:
        nav = "".join(f'<li><a href="#kommun-{esc(m.id)}">{esc(m.name)}</a></li>' for m in cat.municipalities)
        parts.insert(0, f'<nav aria-label="Innehåll"><ul><li><a href="#forhandsvisning">Förhandsvisa</a></li>{nav}'
                        '<li><a href="#nationella">Nationella resurser</a></li></ul></nav>')
        parts.append(preview_section(cat, query, now))
        parts += [municipality_section(cat, m, now, problems) for m in cat.municipalities]
        national = [card(r, now, problems.get(("resources", r.id), []), level=3) for r in cat.resources if not r.is_local]
        parts.append(f'<section id="nationella"><h2>Nationella resurser ({len(national)})</h2>'
                     f'<div class="cards">{"".join(national)}</div></section>')
    return ("<!DOCTYPE html>\n"
            f'<html lang="sv"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, '
            f'initial-scale=1"><meta name="robots" content="noindex"><title>Stödkatalogen – personal</title>'
            f"<style>{STYLE}</style></head><body><header><h1>Stödkatalogen – för personal</h1>"
            f"<p>Filen {esc(report.name)}, läst {esc(preview.say_moment(now))}. Sidan visar bara; ändringar görs i filen "
            "(se docs/katalog.md).</p></header>"
            f"<main>{''.join(parts)}</main></body></html>")
