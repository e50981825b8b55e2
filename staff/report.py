"""The lägesbild for a municipality's safety coordinator: `make rapport` (rapport/lagesbild.html and .csv) and
the page /statistik on the staff web server. No Rasa; reads the counters of `bot.count_store`.

Everything that leaves the server goes through `build`: the counts of the chosen municipality and weeks are laid
out as tables whose sums are published too (a week's replies and their split by reader, a need's total over
the weeks and its weekly counts, …), and `bot.suppression.protect` decides every label: a count, "färre än 5"
or "dolt". The charts, the HTML and the CSV are drawn from those labels only, so a hidden number never reaches
a page, a picture or a file.

    python -m staff rapport [--kommun Söderhamn] [--fran 2026-W01] [--till 2026-W12] [--databas FIL] [--ut rapport]
"""
from __future__ import annotations

import base64
import csv
import datetime as dt
import html
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Mapping, Sequence, Tuple

from bot import counts as c
from bot.catalogue import Catalogue
from bot.crisis import KINDS as CRISIS_KINDS
from bot.languages import LANGUAGES
from bot.suppression import FEWER, HIDDEN, MIN_COUNT, Line, protect

PATH = "/statistik"
ALL = "alla"
DEFAULT_WEEKS = 12
MAX_WEEKS = 156
Key = Tuple[str, str, str]  # (table, week or ALL, category or ALL)

GROUPS = (("barn", "Barn och unga"), ("vuxna", "Vuxna"), ("okant", "Vet inte vem"))
_GROUP_OF = {"child": "barn", "guardian": "vuxna", "adult": "vuxna", "professional": "vuxna"}
LANGUAGE_NAMES = {"sv": "svenska", "en": "engelska", "ar": "arabiska", "so": "somaliska", "fa": "persiska/dari",
                  "ti": "tigrinja", "uk": "ukrainska", "fi": "finska"}
CRISIS_NAMES = {"acute_danger": "fara just nu", "suicidal": "självmordstankar", "self_harm": "självskada"}
STARTED, ENDED = "borjade", "slutade_efter_forsta_svaret"
TABLE_NAMES = {
    "svar": "Svar per vecka",
    "lasare": "Svar per vecka: barn och vuxna",
    "behov": "Behov per vecka (summan över veckorna är de vanligaste behoven)",
    "sprak": "Språk under perioden",
    "kris": "Samtal där en kris kom upp, per vecka och slag",
    "ej_forstadda": "Meddelanden som boten inte förstod, per vecka",
    "luckor": "Frågor där katalogen saknar lokal kontakt",
    "samtal": "Samtal i hela tjänsten: påbörjade och avslutade efter första svaret",
}
_WEEK = re.compile(r"^\s*(\d{4})\s*-?\s*[wWvV]?\s*(\d{1,2})\s*$")


class ReportError(ValueError):
    """An option that does not fit; the message is Swedish and says what to write."""


def parse_week(text: str) -> str:
    """"2026-W07" from "2026-W07", "2026-07" or "2026 v7"."""
    m = _WEEK.match(text or "")
    if m is None:
        raise ReportError(f"Veckan '{text}' förstås inte. Skriv år och vecka, t.ex. 2026-W07.")
    year, week = int(m.group(1)), int(m.group(2))
    try:
        dt.date.fromisocalendar(year, week, 1)
    except ValueError:
        raise ReportError(f"År {year} har ingen vecka {week}.") from None
    return f"{year}-W{week:02d}"


def weeks_between(first: str, last: str) -> List[str]:
    """Every ISO week from *first* to *last*, both included."""
    start = dt.date.fromisocalendar(int(first[:4]), int(first[6:]), 1)
    end = dt.date.fromisocalendar(int(last[:4]), int(last[6:]), 1)
    if end < start:
        raise ReportError(f"Sista veckan ({last}) är före den första ({first}).")
    found = []
    while start <= end and len(found) <= MAX_WEEKS:
        found.append(c.iso_week(start))
        start += dt.timedelta(weeks=1)
    if len(found) > MAX_WEEKS:
        raise ReportError(f"Välj högst {MAX_WEEKS} veckor åt gången.")
    return found


def default_weeks(today: dt.date, weeks: int = DEFAULT_WEEKS) -> Tuple[str, str]:
    """The *weeks* weeks up to and including this one."""
    return c.iso_week(today - dt.timedelta(weeks=weeks - 1)), c.iso_week(today)


@dataclass
class Report:
    """The published lägesbild: every cell with its label, and what the labels mean."""

    municipality: str | None  # catalogue id, None for all
    place: str  # how the municipality is named ("Söderhamn", "alla kommuner")
    weeks: List[str]
    needs: List[Tuple[str, str]]  # (need id, its line for staff)
    gaps: List[Tuple[str, str, str]]  # (key category, municipality name, service name)
    values: Dict[Key, int] = field(default_factory=dict)  # never shown: only through labels
    lines: List[Line[Key]] = field(default_factory=list)
    labels: Dict[Key, str] = field(default_factory=dict)

    def label(self, key: Key) -> str:
        return self.labels[key]

    def number(self, key: Key) -> int | None:
        """The published number of a cell, or None when it is hidden."""
        label = self.labels[key]
        return None if label in (FEWER, HIDDEN) else int(label)

    def rows(self) -> List[Tuple[str, str, str, str]]:
        """(table, week, category, label) for every published cell, in a fixed order."""
        order = {name: i for i, name in enumerate(TABLE_NAMES)}
        return [(t, w, k, self.labels[(t, w, k)]) for t, w, k in
                sorted(self.labels, key=lambda key: (order[key[0]], key[1] == ALL, key[1], key[2] == ALL, key[2]))]


def _group(reader: str) -> str:
    return _GROUP_OF.get(reader, "okant")


def _gap_categories(cat: Catalogue, municipality: str | None) -> List[Tuple[str, str, str]]:
    """The (category, municipality name, service name) of every local service a need routes to that a
    municipality has no resource of – a fixed list from the catalogue, so the list itself says nothing."""
    routed = sorted({s for need in cat.needs.values() for entries in need.route.values() for e in entries
                     if (s := _service(e))})
    places = [m for m in cat.municipalities if municipality in (None, m.id)]
    return [(f"{m.id}:{service}", m.name, cat.services[service].name or service) for m in places for service in routed
            if service in cat.services and not cat.local(service, m.id)]


def _service(entry: str) -> str | None:
    return entry.split(":", 1)[1] if entry.startswith("local:") else None


def build(counts: Mapping[c.Cell, int], cat: Catalogue, municipality: str | None, weeks: Sequence[str]) -> Report:
    """The published tables for *municipality* (a catalogue id; None: all) and *weeks*, suppressed."""
    place = cat.municipality(municipality) if municipality else None
    if municipality and place is None:
        raise ReportError(f"Kommunen '{municipality}' finns inte i katalogen.")
    report = Report(municipality, place.name if place else "alla kommuner", list(weeks),
                    [(n, cat.needs[n].description or n) for n in cat.needs], _gap_categories(cat, municipality))
    v: Counter[Key] = Counter()
    for key in _keys(report):
        v[key] = 0
    wanted = set(report.weeks)
    continued: Counter[str] = Counter()
    need_ids = {n for n, _ in report.needs}
    gap_ids = {g for g, _, _ in report.gaps}
    for cell, n in counts.items():
        if cell.week not in wanted:
            continue
        if cell.kind == c.CONVERSATION_STARTED:
            v[("samtal", cell.week, STARTED)] += n
        elif cell.kind == c.CONVERSATION_CONTINUED:
            continued[cell.week] += n
        elif municipality is not None and cell.municipality != municipality:
            continue
        elif cell.kind == c.REPLY:
            v[("svar", cell.week, ALL)] += n
            v[("lasare", cell.week, _group(cell.reader))] += n
            v[("sprak", ALL, cell.language if cell.language in LANGUAGE_NAMES else "sv")] += n
            if cell.need in need_ids:
                v[("behov", cell.week, cell.need)] += n
        elif cell.kind == c.NOT_UNDERSTOOD:
            v[("ej_forstadda", cell.week, ALL)] += n
        elif cell.kind == c.CRISIS_CONVERSATION and cell.crisis in CRISIS_KINDS:
            v[("kris", cell.week, cell.crisis)] += n
        elif cell.kind == c.NO_LOCAL_RESOURCE and f"{cell.municipality}:{cell.service}" in gap_ids:
            v[("luckor", ALL, f"{cell.municipality}:{cell.service}")] += n
    for week in report.weeks:
        v[("samtal", week, ENDED)] = max(0, v[("samtal", week, STARTED)] - continued[week])
    report.lines = _lines(report)
    totals = {line.total for line in report.lines}
    for line in sorted(report.lines, key=lambda line: any(p in totals for p in line.parts)):  # the lowest sums first
        v[line.total] = sum(v[p] for p in line.parts)
    assert all(v[line.total] == sum(v[p] for p in line.parts) for line in report.lines), "inconsistent sums"
    report.values = dict(v)
    report.labels = protect(report.values, report.lines)
    return report


def _keys(report: Report) -> List[Key]:
    keys: List[Key] = [("svar", ALL, ALL), ("behov", ALL, ALL), ("kris", ALL, ALL), ("ej_forstadda", ALL, ALL)]
    keys += [("behov", ALL, n) for n, _ in report.needs] + [("sprak", ALL, lang) for lang in ("sv", *LANGUAGES)]
    keys += [("samtal", ALL, STARTED), ("samtal", ALL, ENDED)] + [("luckor", ALL, g) for g, _, _ in report.gaps]
    for w in report.weeks:
        keys += [("svar", w, ALL), ("kris", w, ALL), ("ej_forstadda", w, ALL), ("samtal", w, STARTED), ("samtal", w, ENDED)]
        keys += [("lasare", w, g) for g, _ in GROUPS] + [("behov", w, n) for n, _ in report.needs]
        keys += [("kris", w, k) for k in CRISIS_KINDS]
    return keys


def _lines(report: Report) -> List[Line[Key]]:
    """The sums published with the cells: a tree (docs in bot/suppression.py) but for the replies' grand total,
    which both the weeks and the languages add up to."""
    weeks = report.weeks
    lines = [Line(("svar", ALL, ALL), tuple(("svar", w, ALL) for w in weeks)),
             Line(("svar", ALL, ALL), tuple(("sprak", ALL, lang) for lang in ("sv", *LANGUAGES))),
             Line(("behov", ALL, ALL), tuple(("behov", ALL, n) for n, _ in report.needs)),
             Line(("kris", ALL, ALL), tuple(("kris", w, ALL) for w in weeks)),
             Line(("ej_forstadda", ALL, ALL), tuple(("ej_forstadda", w, ALL) for w in weeks)),
             Line(("samtal", ALL, STARTED), tuple(("samtal", w, STARTED) for w in weeks)),
             Line(("samtal", ALL, ENDED), tuple(("samtal", w, ENDED) for w in weeks))]
    lines += [Line(("svar", w, ALL), tuple(("lasare", w, g) for g, _ in GROUPS)) for w in weeks]
    lines += [Line(("kris", w, ALL), tuple(("kris", w, k) for k in CRISIS_KINDS)) for w in weeks]
    lines += [Line(("behov", ALL, n), tuple(("behov", w, n) for w in weeks)) for n, _ in report.needs]
    return lines


# ---------------------------------------------------------------- the CSV


def csv_text(report: Report) -> str:
    """One row per published cell: kommun;tabell;vecka;kategori;antal (a number, "färre än 5" or "dolt")."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(["kommun", "tabell", "vecka", "kategori", "antal"])
    for table, week, category, label in report.rows():
        writer.writerow([report.municipality or ALL, table, week, category, label])
    return out.getvalue()


# ---------------------------------------------------------------- the charts (matplotlib)


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _png(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=96, bbox_inches="tight")
    _plt().close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _week_chart(report: Report, series: Sequence[Tuple[str, Sequence[Key]]], title: str) -> str:
    """A line per series over the weeks; a hidden week is a gap in its line, never a guess."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(8, 3.4))
    x = list(range(len(report.weeks)))
    for name, keys in series:
        y = [report.number(k) for k in keys]
        ax.plot(x, [float("nan") if n is None else n for n in y], marker="o", label=name)
    ticks = x[:: max(1, len(x) // 12)]
    ax.set_xticks(ticks)
    ax.set_xticklabels([report.weeks[i][2:] for i in ticks], rotation=45, ha="right", fontsize=8)
    ax.set_title(title, fontsize=11)
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    if len(series) > 1:
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    return _png(fig)


def _language_chart(report: Report) -> str:
    plt = _plt()
    shown = [(LANGUAGE_NAMES[k[2]], report.number(k)) for k in (("sprak", ALL, lang) for lang in ("sv", *LANGUAGES))]
    fig, ax = plt.subplots(figsize=(8, 3))
    names = [n for n, _ in shown]
    heights = [0 if v is None else v for _, v in shown]
    bars = ax.bar(names, heights, color=["#1f77b4" if v is not None else "#ffffff" for _, v in shown])
    for bar, (_, v) in zip(bars, shown, strict=True):
        if v is None:
            ax.annotate("färre än 5\neller dolt", (bar.get_x() + bar.get_width() / 2, 0), ha="center", va="bottom",
                        fontsize=7, color="#555555")
    ax.set_title("Språk under perioden", fontsize=11)
    ax.tick_params(axis="x", labelsize=8)
    return _png(fig)


def charts(report: Report) -> Dict[str, str]:
    """The charts as data: URLs (PNG), drawn from the published labels only."""
    top = _top_needs(report)[:5]
    return {
        "behov": _week_chart(report, [(_short(report, n), [("behov", w, n) for w in report.weeks]) for n in top],
                             "De vanligaste behoven per vecka"),
        "kris": _week_chart(report, [("Krissamtal", [("kris", w, ALL) for w in report.weeks])],
                            "Samtal där en kris kom upp, per vecka"),
        "lasare": _week_chart(report, [(name, [("lasare", w, g) for w in report.weeks]) for g, name in GROUPS[:2]],
                              "Barn och unga jämfört med vuxna, svar per vecka"),
        "sprak": _language_chart(report),
        "ej_forstadda": _week_chart(report, [("Inte förstått", [("ej_forstadda", w, ALL) for w in report.weeks])],
                                    "Meddelanden som boten inte förstod, per vecka"),
    }


def _top_needs(report: Report) -> List[str]:
    """Needs with a published total, largest first (hidden ones are never ranked: their order would tell)."""
    shown = [(report.number(("behov", ALL, n)), n) for n, _ in report.needs]
    return [n for v, n in sorted(((v, n) for v, n in shown if v is not None), key=lambda t: (-t[0], t[1]))]


def _short(report: Report, need: str) -> str:
    text = dict(report.needs)[need]
    return text if len(text) <= 42 else text[:40].rstrip() + " …"


# ---------------------------------------------------------------- the page

STYLE = """body{font-family:system-ui,sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem;color:#1a1a1a;line-height:1.45}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5rem 0}th,td{border:1px solid #bbb;padding:.25rem .5rem;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}.dold{color:#555;font-style:italic}
img{max-width:100%;height:auto}.note{background:#f3f3f3;padding:.5rem 1rem;border-left:4px solid #888}
form{margin:1rem 0}label{margin-right:.5rem}input,select{margin-right:1rem}"""


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def _cell(label: str) -> str:
    return f'<td class="n dold">{esc(label)}</td>' if label in (FEWER, HIDDEN) else f'<td class="n">{esc(label)}</td>'


def _week_table(report: Report, caption: str, columns: Sequence[Tuple[str, Sequence[Key]]],
                total: Sequence[Key | None]) -> str:
    """Weeks down, *columns* across, and the period's totals (None: a column whose total is not published)."""
    head = "".join(f'<th scope="col">{esc(name)}</th>' for name, _ in columns)
    body = "".join(f'<tr><th scope="row">{esc(w)}</th>' + "".join(_cell(report.label(keys[i])) for _, keys in columns)
                   + "</tr>" for i, w in enumerate(report.weeks))
    body += ('<tr><th scope="row">Hela perioden</th>'
             + "".join("<td></td>" if k is None else _cell(report.label(k)) for k in total) + "</tr>")
    return (f'<table><caption>{esc(caption)}</caption><thead><tr><th scope="col">Vecka</th>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>")


def _gap_list(report: Report) -> str:
    items = []
    for key, place, service in report.gaps:
        label = report.label(("luckor", ALL, key))
        amount = "Färre än 5" if label == FEWER else label
        items.append((report.number(("luckor", ALL, key)) or -1, f"<li>{esc(amount)} frågor om {esc(service.lower())} i "
                                                                   f"{esc(place)}, där katalogen saknar lokal kontakt.</li>"))
    if not items:
        return "<p>Katalogen har en lokal kontakt för varje tjänst som behoven leder till.</p>"
    return "<ul>" + "".join(text for _, text in sorted(items, key=lambda t: -t[0])) + "</ul>"


def html_page(report: Report, form: str = "") -> str:
    """The whole lägesbild as one Swedish HTML page (charts embedded; no scripts, nothing from other hosts)."""
    pictures = charts(report)
    weeks = report.weeks
    top = _top_needs(report)
    hidden_needs = [n for n, _ in report.needs if n not in top]
    rows = "".join(f'<tr><td>{esc(dict(report.needs)[n])}</td>{_cell(report.label(("behov", ALL, n)))}</tr>'
                   for n in top + hidden_needs)
    needs_table = (f'<table><caption>Behov under perioden, vanligast först</caption><thead><tr><th scope="col">Behov'
                   f'</th><th scope="col">Svar</th></tr></thead><tbody>{rows}<tr><th scope="row">Alla behov</th>'
                   f'{_cell(report.label(("behov", ALL, ALL)))}</tr></tbody></table>')
    readers = _week_table(report, "Svar per vecka, efter vem som skrev",
                          [(name, [("lasare", w, g) for w in weeks]) for g, name in GROUPS]
                          + [("Alla svar", [("svar", w, ALL) for w in weeks])],
                          [None] * len(GROUPS) + [("svar", ALL, ALL)])
    crisis = _week_table(report, "Samtal där en kris kom upp",
                         [(CRISIS_NAMES[k], [("kris", w, k) for w in weeks]) for k in CRISIS_KINDS]
                         + [("Alla slag", [("kris", w, ALL) for w in weeks])], [None] * len(CRISIS_KINDS) + [("kris", ALL, ALL)])
    unclear = _week_table(report, "Meddelanden som boten inte förstod",
                          [("Inte förstått", [("ej_forstadda", w, ALL) for w in weeks])], [("ej_forstadda", ALL, ALL)])
    talks = _week_table(report, "Samtal i hela tjänsten (alla kommuner)",
                        [("Påbörjade", [("samtal", w, STARTED) for w in weeks]),
                         ("Slutade efter första svaret", [("samtal", w, ENDED) for w in weeks])],
                        [("samtal", ALL, STARTED), ("samtal", ALL, ENDED)])
    languages = "".join(f'<tr><td>{esc(LANGUAGE_NAMES[lang])}</td>{_cell(report.label(("sprak", ALL, lang)))}</tr>'
                        for lang in ("sv", *LANGUAGES))
    alt = "Diagrammet visar samma tal som tabellen under det; veckor med färre än 5 eller dolda tal saknar punkt."
    return f"""<!DOCTYPE html>
<html lang="sv"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Lägesbild – {esc(report.place)}, {esc(weeks[0])}–{esc(weeks[-1])}</title><style>{STYLE}</style></head>
<body><main>
<h1>Lägesbild från Stödlotsen – {esc(report.place)}</h1>
<p>Vecka {esc(weeks[0])} till {esc(weeks[-1])}. Vad barn, föräldrar och andra vuxna har frågat chattboten om, räknat
i siffror.</p>
{form}
<p class="note">Inga meddelanden, namn, samtals-id eller klockslag sparas, bara antal per vecka. Ett antal under
{MIN_COUNT} visas som <em>{FEWER}</em>. Ett tal som annars skulle gå att räkna ut från summorna visas som
<em>{HIDDEN}</em> (det är då minst {MIN_COUNT}). Ett svar är ett svar från boten; ett samtal kan ha flera svar.</p>
<h2>De vanligaste behoven</h2>
<img src="{pictures['behov']}" alt="Linjediagram: de fem vanligaste behoven per vecka. {alt}">
{needs_table}
<h2>Kriser</h2>
<img src="{pictures['kris']}" alt="Linjediagram: samtal där en kris kom upp, per vecka. {alt}">
{crisis}
<h2>Barn och vuxna</h2>
<img src="{pictures['lasare']}" alt="Linjediagram: svar till barn och unga och till vuxna per vecka. {alt}">
{readers}
<h2>Språk</h2>
<img src="{pictures['sprak']}" alt="Stapeldiagram: svar per språk under perioden. {alt}">
<table><caption>Svar per språk under perioden</caption><thead><tr><th scope="col">Språk</th><th scope="col">Svar</th>
</tr></thead><tbody>{languages}</tbody></table>
<h2>Luckor i katalogen</h2>
<p>Behov som ledde till en tjänst som kommunen inte har någon lokal kontakt för i katalogen.</p>
{_gap_list(report)}
<h2>Det boten inte förstod</h2>
<img src="{pictures['ej_forstadda']}" alt="Linjediagram: meddelanden som boten inte förstod, per vecka. {alt}">
{unclear}
<h2>Samtal</h2>
<p>Ett samtal slutar efter en timme utan meddelanden. Samtal räknas för hela tjänsten, inte per kommun.</p>
{talks}
<p>Alla tal finns också i CSV-filen (lagesbild.csv), med samma döljning.</p>
</main></body></html>
"""


def write(report: Report, out: Path) -> Tuple[Path, Path]:
    """rapport/lagesbild.html and rapport/lagesbild.csv (the CSV with a BOM, so that Excel reads å, ä, ö)."""
    out.mkdir(parents=True, exist_ok=True)
    page, table = out / "lagesbild.html", out / "lagesbild.csv"
    page.write_text(html_page(report), encoding="utf-8")
    table.write_text(csv_text(report), encoding="utf-8-sig")
    return page, table


# ---------------------------------------------------------------- where the counts come from, and the two ways out


def read_counts(database: str | None, first: str, last: str) -> Counter[c.Cell]:
    """The counters of the weeks *first*–*last*: from *database* (a file or an SQLAlchemy URL), else from the
    store endpoints.yml names (bot.count_store.locate)."""
    from bot import count_store

    if database:
        url = database if "://" in database else f"sqlite:///{database}"
        if "://" not in database and not Path(database).is_file():
            raise ReportError(f"Databasen {database} finns inte.")
    else:
        url, _ = count_store.locate()
    store = count_store.Store(url)
    try:
        return store.read(first, last)
    finally:
        store.close()


def choose(cat: Catalogue, kommun: str | None, first: str | None, last: str | None,
           today: dt.date | None = None) -> Tuple[str | None, List[str]]:
    """The municipality id (by id, name or alias; None: all) and the weeks staff asked for."""
    municipality = None
    if kommun and kommun.strip().lower() not in ("", ALL, "alla kommuner"):
        from staff import preview

        try:
            found = preview.municipality(cat, kommun)
        except preview.PreviewError as e:
            raise ReportError(str(e)) from None
        municipality = found.id if found else None
    start, end = default_weeks(today or dt.date.today())
    return municipality, weeks_between(parse_week(first) if first else start, parse_week(last) if last else end)


def _form(cat: Catalogue, municipality: str | None, weeks: Sequence[str]) -> str:
    options = [("", "alla kommuner")] + [(m.id, m.name) for m in cat.municipalities]
    chosen = "".join(f'<option value="{esc(i)}"{" selected" if i == (municipality or "") else ""}>{esc(n)}</option>'
                     for i, n in options)
    return (f'<form method="get" action="{PATH}"><label for="kommun">Kommun</label><select id="kommun" name="kommun">'
            f'{chosen}</select><label for="fran">Från vecka</label><input id="fran" name="fran" size="9" '
            f'value="{esc(weeks[0])}"><label for="till">Till vecka</label><input id="till" name="till" size="9" '
            f'value="{esc(weeks[-1])}"><button type="submit">Visa</button></form>')


def render(query: Mapping[str, List[str]], path: Path | str | None = None, database: str | None = None,
           today: dt.date | None = None) -> str:
    """The page /statistik: the same lägesbild as `make rapport`, for the municipality and weeks in *query*."""
    from bot import catalogue_store

    def first_of(name: str) -> str | None:
        values = query.get(name) or [""]
        return values[0][:40] or None

    cat = catalogue_store.load(path)
    try:
        municipality, weeks = choose(cat, first_of("kommun"), first_of("fran"), first_of("till"), today)
        report = build(read_counts(database, weeks[0], weeks[-1]), cat, municipality, weeks)
    except ReportError as e:
        municipality, weeks = None, list(default_weeks(today or dt.date.today()))
        return (f'<!DOCTYPE html>\n<html lang="sv"><head><meta charset="utf-8"><title>Lägesbild</title>'
                f"<style>{STYLE}</style></head><body><main><h1>Lägesbild från Stödlotsen</h1>"
                f"{_form(cat, municipality, weeks)}<p>{esc(e)}</p></main></body></html>\n")
    return html_page(report, form=_form(cat, municipality, weeks))


def main(kommun: str | None, first: str | None, last: str | None, database: str | None, out: str,
         catalogue: str | None = None) -> int:
    """`python -m staff rapport`: write the two files and say where they are."""
    import sys

    from bot import catalogue_store

    cat = catalogue_store.load(catalogue)
    try:
        municipality, weeks = choose(cat, kommun, first, last)
        report = build(read_counts(database, weeks[0], weeks[-1]), cat, municipality, weeks)
    except ReportError as e:
        print(e, file=sys.stderr)
        return 2
    page, table = write(report, Path(out))
    print(f"Lägesbild för {report.place}, vecka {weeks[0]}–{weeks[-1]}: {page} och {table}")
    return 0
