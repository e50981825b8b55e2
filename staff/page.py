"""The staff page (/personal on the demo web server): the whole catalogue at a glance, and the way in to editing.

The overview (`render`): `make check`'s errors first, with links to the card each is about; every municipality
with its resources as cards (number, addresses, today's hours, source, when it was last checked) in a section
that opens and closes, the warnings beside their card, the needs with no local resource there; the national
resources; and a preview of the reply for any need, reader, municipality, time and language (a GET form).
Each card leads to the resource's own page (staff/resource_page.py: its form, the coming 14 days, the preview
before save). When the file was broken at the bot's start, the page says which saved version the bot uses.

Server-rendered HTML, everything escaped, no scripts; the style sheet is inline and allowed by its hash
(tools/webserver.py). The helpers here (`layout`, `card`, `problem_list`, `numbers`) serve the other pages too.
"""
from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path
from typing import Dict, Iterable, List, Tuple

from bot import catalogue, catalogue_file, catalogue_store, hours, languages, yamllines
from bot.catalogue import Catalogue, CatalogueError, Problem, Resource, service_of
from staff import check, edit, preview, translations

PATH = "/personal"
MAX_FIELD = 60  # longest form value read (a need id, a name, "lördag 22:00")
PREVIEW_FIELDS = ("behov", "vem", "kommun", "tid", "text", "sprak")
# (the word staff.preview.reader reads, what the form shows)
READERS = (("barn", "barn eller ung"), ("förälder", "förälder"), ("vuxen", "annan vuxen"), ("yrkesperson", "yrkesperson"))
Key = check.Key
STYLE = (Path(__file__).with_name("page.css")).read_text(encoding="utf-8")
# A phone number in a text (not a date): kept on one line (CSS .tel), never broken mid-number on a phone.
_NUMBER = re.compile(r"(?<![\w.-])(?!\d{4}-\d\d-\d\d\b)\+?\d{2,4}(?:[ -]\d{2,4}){1,4}(?!\w|[.,]\d)")


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def numbers(text: object) -> str:
    """*text* escaped, with each phone number in a span that does not break."""
    out, last = [], 0
    text = str(text)
    for m in _NUMBER.finditer(text):
        out += [esc(text[last:m.start()]), f'<span class="tel">{esc(m.group(0))}</span>']
        last = m.end()
    return "".join(out) + esc(text[last:])


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


def layout(title: str, main: str, scope: str, subtitle: str = "") -> str:
    """A whole page: the heading, who is signed in and what they may do, and *main*."""
    may = {edit.ALL: "alla – du kan ändra alla resurser och återställa sparade versioner",
           edit.REVIEW: "översättningar – du kan granska översättningarna"}.get(
        scope, f"{scope} – du kan ändra kommunens egna resurser")
    return ("<!DOCTYPE html>\n"
            f'<html lang="sv"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, '
            f'initial-scale=1"><meta name="robots" content="noindex"><title>{esc(title)}</title>'
            f"<style>{STYLE}</style></head><body><header><p class=\"crumbs\"><a href=\"{PATH}\">Stödkatalogen</a> · "
            f'<a href="{PATH}/oversattningar">Översättningar</a>'
            + (f' · <a href="{PATH}/kopior">Sparade versioner</a>' if scope == edit.ALL else "")
            + f"</p><h1>{esc(title)}</h1>{subtitle}<p class=\"scope\">Din token gäller: {esc(may)}.</p></header>"
            f"<main>{main}</main></body></html>")


# ---------------------------------------------------------------- which problem belongs to which card


def sorted_problems(report: check.Report) -> Dict[Key | None, List[Tuple[str, Problem]]]:
    spans = check.Spans.of(report.document)
    by_key: Dict[Key | None, List[Tuple[str, Problem]]] = {}
    for kind, problems in (("error", report.errors), ("warning", report.warnings), ("note", report.notes)):
        for p in problems:
            by_key.setdefault(spans.owner(p.line), []).append((kind, p))
    return by_key


def problem_list(items: Iterable[Tuple[str, Problem]], with_who: bool = False, links: Dict[str, str] | None = None) -> str:
    """Problems as a list; *links*: {where: anchor} makes the one a problem is about a link to its card."""
    rows = []
    for kind, p in items:
        label = {"error": "FEL", "warning": "VARNING"}.get(kind, "INTE BEKRÄFTAT")
        place = f"rad {p.line}: " if p.line else ""
        who = ""
        if with_who and p.where:
            anchor = (links or {}).get(p.where)
            who = f'<a href="#{esc(anchor)}">{esc(p.where)}</a>: ' if anchor else f"{esc(p.where)}: "
        rows.append(f'<li class="{kind}"><strong>{label}</strong> {esc(place)}{who}{numbers(p.message)}</li>')
    return f'<ul class="problems">{"".join(rows)}</ul>' if rows else ""


# ---------------------------------------------------------------- cards


def checked(day: dt.date, today: dt.date) -> str:
    age = (today - day).days
    text = f"{day.isoformat()} ({age} {'dag' if age == 1 else 'dagar'} sedan)"
    return f'<span class="old">{esc(text)}</span>' if age > check.STALE_AFTER_DAYS else esc(text)


def _today(r: Resource, now: dt.datetime) -> str:
    if r.schedule is None:
        return "inga öppettider i katalogen"
    today, status = hours.day_summary(r.schedule, now.date()), hours.describe(r.schedule, now)
    return f"{today} – {status}" if today != status else status


def card(r: Resource, now: dt.datetime, problems: List[Tuple[str, Problem]], level: int = 4, scope: str = edit.ALL) -> str:
    rows = [("Telefon", f'<span class="tel">{esc(r.phone)}</span>') if r.phone else None,
            ("Sms", f'<span class="tel">{esc(r.sms)}</span>') if r.sms else None,
            ("Chatt", link(r.chat)) if r.chat else None, ("E-tjänst", link(r.eservice)) if r.eservice else None,
            ("Webb", link(r.web)) if r.web else None, ("E-post", esc(r.email)) if r.email else None,
            ("I dag", esc(_today(r, now))),
            ("Anonymt", {True: "ja", False: "nej", None: "okänt"}[r.anonymous]),
            ("Åldrar", esc(f"{r.ages.min or ''}–{r.ages.max or ''}")) if r.ages and (r.ages.min or r.ages.max) else None,
            ("Källa", _source(r.source)), ("Kontrollerad", checked(r.last_verified, now.date()))]
    if not (r.phone or r.sms or r.chat or r.eservice or r.web or r.email):
        rows.insert(0, ("Kontakt", '<span class="old">inget nummer och ingen adress</span>'))
    body = "".join(f"<dt>{label}:</dt><dd>{value}</dd>" for label, value in filter(None, rows))
    service = f" · tjänst {esc(r.service)}" if r.service else ""
    action = "Ändra, 14 dagar och förhandsvisning" if edit.may_edit(scope, r) else "14 dagar och förhandsvisning"
    return (f'<article class="card" id="resurs-{esc(r.id)}"><h{level}>{esc(r.name)}</h{level}>'
            f'<div class="id">id {esc(r.id)}{service}</div><dl>{body}</dl>{problem_list(problems)}'
            f'<p class="more"><a href="{PATH}/resurs/{esc(r.id)}">{action}<span class="visually-hidden">: '
            f"{esc(r.name)}</span></a></p></article>")


def _missing_needs(cat: Catalogue, municipality_id: str) -> List[Tuple[str, List[str]]]:
    """(need, the services it routes to that this municipality has no resource for)."""
    out = []
    for need_id, need in cat.needs.items():
        wanted = {service_of(e) for entries in need.route.values() for e in entries} - {None}
        missing = sorted(s for s in wanted if not cat.local(s, municipality_id))
        if missing:
            out.append((need_id, missing))
    return out


def _opened(problems: Dict[Key | None, List[Tuple[str, Problem]]], keys: Iterable[Key]) -> bool:
    return any(kind == "error" for key in keys for kind, _ in problems.get(key, []))


def municipality_section(cat: Catalogue, m: catalogue.Municipality, now: dt.datetime,
                         problems: Dict[Key | None, List[Tuple[str, Problem]]], scope: str = edit.ALL) -> str:
    own = [r for r in cat.resources if r.municipality == m.id]
    cards = [card(r, now, problems.get(("resources", r.id), []), scope=scope) for r in own]
    missing = _missing_needs(cat, m.id)
    descriptions = dict(preview.needs(cat))
    rows = "".join(
        f"<li><strong>{esc(need_id)}</strong> – {esc(descriptions[need_id])} Saknar: "
        f"{esc(', '.join((cat.services[s].name or s) + f' ({s})' for s in services))}. Användarna får den allmänna texten.</li>"
        for need_id, services in missing)
    is_open = scope == m.id or _opened(problems, [("municipalities", m.id), *(("resources", r.id) for r in own)])
    return (f'<section id="kommun-{esc(m.id)}"><details{" open" if is_open else ""}><summary><h2>{esc(m.name)} '
            f'<span class="id">id {esc(m.id)} · {len(cards)} resurser</span></h2></summary>'
            f"<p>Källa: {_source(m.source)}. Kontrollerad: {checked(m.last_verified, now.date())}.</p>"
            f"{problem_list(problems.get(('municipalities', m.id), []))}"
            f'<h3>Kommunens resurser ({len(cards)})</h3>'
            f'<div class="cards">{"".join(cards) or "<p>Inga egna resurser ännu.</p>"}</div>'
            f"<h3>Behov utan egen resurs i {esc(m.name)} ({len(missing)})</h3>"
            f"<ul>{rows or '<li>Alla behov har en egen resurs här.</li>'}</ul></details></section>")


# ---------------------------------------------------------------- the preview form


def first(query: Dict[str, List[str]], key: str, limit: int = MAX_FIELD) -> str:
    return (query.get(key) or [""])[-1][:limit]


def options(choices: Iterable[Tuple[str, str]], chosen: str) -> str:
    return "".join(f'<option value="{esc(v)}"{" selected" if v == chosen else ""}>{esc(text)}</option>'
                   for v, text in choices)


def language_choices() -> List[Tuple[str, str]]:
    return [("", "svenska"), *((code, translations.language_name(code)) for code in languages.LANGUAGES)]


def reply_box(shown: preview.Preview, heading: str = "Så svarar boten", followups: bool = True) -> str:
    """A preview as the user sees it: the messages, the line in another language, the buttons, the follow-ups."""
    head = "".join(f"<li>{esc(line)}</li>" for line in shown.heading().splitlines())
    messages = "".join(f"<p>{numbers(m)}</p>" for m in shown.reply.messages)
    if shown.language_line and shown.language:
        messages += (f'<p lang="{esc(shown.language)}" dir="{translations.direction(shown.language)}">'
                     f"{numbers(shown.language_line)}</p>")
    buttons = "".join(f"<span>{esc(b['title'])}</span>" for b in shown.reply.buttons)
    asked = "".join(f"<dt>{esc(q)}</dt>" + "".join(f"<dd>{numbers(m)}</dd>" for m in answer)
                    for q, answer in shown.followups) if followups else ""
    return (f'<div class="reply"><h3>{esc(heading)}</h3><ul>{head}</ul>{messages}'
            f'{f"<p class=buttons>Knappar: {buttons}</p>" if buttons else ""}'
            f'{f"<h4>Följdfrågor om stöden i svaret</h4><dl>{asked}</dl>" if asked else ""}</div>')


def preview_section(cat: Catalogue, query: Dict[str, List[str]], now: dt.datetime) -> str:
    chosen = {k: first(query, k) for k in PREVIEW_FIELDS}
    needs = preview.needs(cat)
    form = (
        f'<form method="get" action="{PATH}#forhandsvisning" class="grid">'
        f'<div class="wide"><label for="behov">Behov</label><select id="behov" name="behov">'
        f'{options(((k, f"{k} – {d}") for k, d in needs), chosen["behov"])}</select></div>'
        f'<div><label for="vem">Vem läser</label><select id="vem" name="vem">'
        f'{options([("", "behovets vanliga läsare"), *READERS], chosen["vem"])}'
        f'</select></div>'
        f'<div><label for="kommun">Kommun</label><select id="kommun" name="kommun">'
        f'{options([("", "ingen kommun vald"), *((m.id, m.name) for m in cat.municipalities)], chosen["kommun"])}'
        f'</select></div>'
        f'<div><label for="tid">Tid (tomt = nu)</label><input id="tid" name="tid" maxlength="{MAX_FIELD}" '
        f'value="{esc(chosen["tid"])}" placeholder="lördag 22:00"></div>'
        f'<div><label for="text">Meddelande (valfritt)</label><input id="text" name="text" maxlength="{MAX_FIELD}" '
        f'value="{esc(chosen["text"])}" placeholder="jag är 9"></div>'
        f'<div><label for="sprak">Skriver på</label><select id="sprak" name="sprak">'
        f'{options(language_choices(), chosen["sprak"])}</select></div>'
        f'<div><button type="submit">Visa svaret</button></div></form>')
    result = ""
    if chosen["behov"]:
        try:
            shown = preview.preview(cat, chosen["behov"], chosen["vem"], chosen["kommun"], chosen["tid"], chosen["text"],
                                    now=now, language=chosen["sprak"] or None)
        except preview.PreviewError as e:
            result = f'<ul class="problems"><li class="error"><strong>FEL</strong> {esc(e)}</li></ul>'
        else:
            result = reply_box(shown)
    return (f'<section id="forhandsvisning"><h2>Förhandsvisa ett svar</h2>'
            f"<p>Samma som <code>make forhandsvisa</code>: välj behov, läsare, kommun och tid, och skriv gärna vad "
            f"användaren skriver (en ålder, \"jag är 9\", eller vissa ord ändrar svaret). Med ett annat språk än svenska "
            f"syns raden som ett krissvar får på det språket.</p>{form}{result}</section>")


# ---------------------------------------------------------------- the page


def shown_catalogue(path: Path, report: check.Report) -> Tuple[Catalogue | None, yamllines.Document]:
    """The catalogue to show and the file's line index. With errors: the version the bot uses (the last good)."""
    try:
        last_good = catalogue_store.current(path)  # also remembers this version for when the file breaks
    except CatalogueError:
        last_good = None
    if report.parsed is not None:
        return report.parsed.catalogue, report.parsed.document
    return last_good, report.document or yamllines.Document(None)


def status(report: check.Report, cat: Catalogue | None, path: Path) -> str:
    """What the bot uses now, in one or two sentences."""
    used = catalogue_store.fallback(path)
    if used is not None and report.errors:
        return (f"<p class=\"alert\"><strong>{len(report.errors)} fel</strong> – filen hade fel redan när boten startade. "
                f"Boten använder den senast fungerande versionen, sparad {esc(used.saved.strftime('%Y-%m-%d %H:%M'))}, "
                "med kommunernas egna resurser, och den visas nedan. Rätta felen så används filen igen.</p>")
    if report.errors:
        return (f"<p class=\"alert\"><strong>{len(report.errors)} fel</strong> – filen används inte förrän felen är "
                "rättade. Boten fortsätter med den senaste fungerande versionen" + (", som visas nedan." if cat else ".")
                + "</p>")
    return f"<p><strong>Inga fel</strong>, {len(report.warnings)} varningar. Katalogen används av boten.</p>"


def _summary(report: check.Report, cat: Catalogue | None, path: Path,
             problems: Dict[Key | None, List[Tuple[str, Problem]]]) -> str:
    shown_keys = set()
    if cat is not None:
        shown_keys = {("resources", r.id) for r in cat.resources} | {("municipalities", m.id) for m in cat.municipalities}
    general = [item for key, items in problems.items() if key not in shown_keys for item in items]
    anchors = {}
    if cat is not None:
        anchors = {r.name: f"resurs-{r.id}" for r in cat.resources}
        anchors.update({f"kommunen {m.name}": f"kommun-{m.id}" for m in cat.municipalities})
    parts = [status(report, cat, path)]
    for group, errors in report.grouped(report.errors):
        title = report.municipality_names().get(group, group) if group else check.NATIONAL
        parts.append(f"<h3>Fel: {esc(title)} ({len(errors)})</h3>"
                     + problem_list((("error", p) for p in errors), with_who=True, links=anchors))
    if cat is not None and report.warnings:
        parts.append("<p>Varningarna står vid kortet de gäller" + (", de övriga här:" if general else ".") + "</p>")
    others = [item for item in general if item[0] == "warning"]
    parts.append(problem_list(others, with_who=True))
    return f'<section class="summary" id="kontroll"><h2>Kontroll (make check)</h2>{"".join(parts)}</section>'


def render(query: Dict[str, List[str]], path: Path | str | None = None, now: dt.datetime | None = None,
           scope: str = edit.ALL) -> str:
    """The whole page for *query* (the preview form's values), from the catalogue file as it is now."""
    now = (now or dt.datetime.now(hours.STOCKHOLM)).astimezone(hours.STOCKHOLM)
    path = catalogue_file.catalogue_path(path)
    report = check.with_translations(check.check(path, today=now.date()), path)
    cat, _doc = shown_catalogue(path, report)
    problems = sorted_problems(report)
    parts = [_summary(report, cat, path, problems)]
    waiting = sum(report.translations.waiting().values()) if report.translations else 0
    if cat is not None:
        nav = "".join(f'<li><a href="#kommun-{esc(m.id)}">{esc(m.name)}</a></li>' for m in cat.municipalities)
        parts.insert(0, f'<nav aria-label="Innehåll"><ul><li><a href="#forhandsvisning">Förhandsvisa</a></li>{nav}'
                        '<li><a href="#nationella">Nationella resurser</a></li>'
                        f'<li><a href="{PATH}/oversattningar">Översättningar ({waiting} rader väntar)</a></li></ul></nav>')
        parts.append(preview_section(cat, query, now))
        parts += [municipality_section(cat, m, now, problems, scope) for m in cat.municipalities]
        national = [r for r in cat.resources if not r.is_local]
        cards = [card(r, now, problems.get(("resources", r.id), []), level=3, scope=scope) for r in national]
        is_open = _opened(problems, [("resources", r.id) for r in national])
        parts.append(f'<section id="nationella"><details{" open" if is_open else ""}><summary><h2>Nationella resurser '
                     f'<span class="id">{len(cards)} resurser</span></h2></summary>'
                     f'<div class="cards">{"".join(cards)}</div></details></section>')
    subtitle = (f"<p>Filen {esc(report.name)}, läst {esc(preview.say_moment(now))}. Ändra en resurs via dess kort: "
                "sidan kontrollerar ändringen, visar svaret före du sparar och sparar i filen.</p>")
    return layout("Stödkatalogen – för personal", "".join(parts), scope, subtitle)
