"""One resource on the staff page (/personal/resurs/<id>): edit it in a form, check it like `make check`, see the
reply a child and a parent get at a chosen time before saving, and its coming 14 days. Saving writes
`resources.yml` (staff/edit.py: only what changed, comments and order kept) after a dated copy of the old
version; the page of copies (/personal/kopior) restores one.

Who may edit is decided here, on the server (`edit.may_edit`): a token for another municipality gets the page
without the form, and its POST is refused (403).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Tuple
from urllib.parse import urlencode

from bot import catalogue_file, catalogue_store, hours
from bot.catalogue import Catalogue, CatalogueError, Resource
from staff import check, edit, preview
from staff.page import MAX_FIELD, PATH, esc, first, layout, numbers, options, problem_list, reply_box

MAX_TEXT = 2000  # longest value read from the edit form (an about text, the exceptions)
PREVIEW_READERS = (("barn", "Ett barn"), ("förälder", "En förälder"))


@dataclass
class Outcome:
    status: int
    html: str = ""
    location: str | None = None  # 303 See Other, after a save


def _read(path: Path) -> Tuple[str, check.Report]:
    text = catalogue_file.read_text(path)
    return text, check.check_text(text, check.display_name(path))


def _entry(report: check.Report, resource_id: str) -> Tuple[int, dict] | None:
    return edit.entry_of(report.document.data if report.document is not None else None, resource_id)


def handle(method: str, resource_id: str, query: Dict[str, List[str]], form: Dict[str, List[str]], scope: str,
           form_key: str, path: Path, now: dt.datetime) -> Outcome:
    try:
        text, report = _read(path)
    except CatalogueError as e:
        return Outcome(503, layout("Filen kan inte läsas", problem_list(("error", p) for p in e.problems), scope))
    found = _entry(report, resource_id)
    if found is None:
        return Outcome(404, layout("Resursen finns inte", f'<p>Det finns ingen resurs med id {esc(resource_id)} i filen. '
                                                          f'<a href="{PATH}">Till alla resurser</a>.</p>', scope))
    _position, entry = found
    allowed = edit.may_edit(scope, entry)
    if method == "POST" and not allowed:
        return Outcome(403, layout("Inte tillåtet", _not_yours(entry, scope), scope))
    values = edit.form_values(entry)
    chosen = {k: first(query, k) for k in ("behov", "tid")}
    message, draft_report, draft_text, field_errors = "", report, text, {}
    if method == "POST":
        values.update({name: first(form, name, MAX_TEXT) for name in edit.BY_NAME if name in form})
        chosen = {k: first(form, k) for k in ("behov", "tid")}
        try:
            edited = edit.apply(text, resource_id, values)
        except edit.FormError as e:
            field_errors[e.field] = [str(e)]
            return Outcome(200, _page(entry, values, chosen, report, _live(path), scope, form_key, now,
                                      f'<p class="alert"><strong>Inte sparat.</strong> {esc(e)}</p>', field_errors,
                                      edit.version(text)))
        draft_text = edited.text
        draft_report = check.check_text(draft_text, report.name, today=now.date()) if edited.changed else report
        if not edited.changed:
            message = '<p class="note">Inget är ändrat.</p>'
        elif draft_report.errors:
            message = ('<p class="alert"><strong>Inte sparat.</strong> Ändringen har fel (se nedan). Rätta dem och '
                       "förhandsvisa eller spara igen.</p>")
        elif first(form, "atgard") == "spara":
            note = f"före ändringen av {entry.get('name') or resource_id} ({', '.join(edited.changed)})"
            try:
                edit.save(path, draft_text, first(form, "version", 64), note)
            except edit.SaveError as e:
                message = f'<p class="alert"><strong>Inte sparat.</strong> {esc(e)}</p>'
            else:
                return Outcome(303, location=f"{PATH}/resurs/{resource_id}?{urlencode({'sparad': ', '.join(edited.changed)})}")
        else:
            message = ('<p class="note"><strong>Förhandsvisning – inte sparad.</strong> Ändrat: '
                       f"{esc(', '.join(edited.changed))}. Kontrollen hittade inga fel; spara när svaren ser rätt ut.</p>")
    elif first(query, "sparad"):
        message = (f'<p class="saved"><strong>Sparat</strong> ({esc(first(query, "sparad", 200))}). Boten använder '
                   "ändringen från nästa meddelande; en kopia av versionen före finns under Sparade versioner.</p>")
    if draft_report is not report:
        field_errors = _field_errors(draft_report, resource_id)
    return Outcome(200, _page(entry, values, chosen, draft_report, _live(path), scope, form_key, now, message,
                                 field_errors, edit.version(text), allowed, draft_report is not report))


def _live(path: Path) -> Catalogue | None:
    """The catalogue the bot uses now (the last good one while the file is broken)."""
    try:
        return catalogue_store.current(path)
    except CatalogueError:
        return None


def _not_yours(entry: dict, scope: str) -> str:
    whose = entry.get("municipality") or "nationell (hela landet)"
    return (f"<p>Din token gäller {esc(scope)}. Resursen {esc(entry.get('name'))} hör till {esc(whose)} och kan bara "
            f'ändras med en token för den kommunen eller för alla. <a href="{PATH}">Till alla resurser</a>.</p>')


def _field_errors(report: check.Report, resource_id: str) -> Dict[str, List[str]]:
    found = _entry(report, resource_id)
    out: Dict[str, List[str]] = {}
    if found is None or report.document is None:
        return out
    for p in report.errors:
        name = edit.field_of(report.document, found[0], p.line)
        if name:
            out.setdefault(name, []).append(p.message)
    return out


def _input(f: edit.Field, value: str, errors: List[str], allowed: bool) -> str:
    ident = f"f-{f.name}"
    described = [f"{ident}-hint"] if f.hint else []
    described += [f"{ident}-fel"] if errors else []
    attrs = (f'id="{ident}" name="{f.name}"' + (f' aria-describedby="{" ".join(described)}"' if described else "")
             + (' aria-invalid="true"' if errors else "") + ("" if allowed else " disabled"))
    if f.kind == "long" or f.kind == "lines":
        control = f'<textarea {attrs} rows="{3 if f.kind == "long" else 4}" maxlength="{MAX_TEXT}">{esc(value)}</textarea>'
    elif f.name == "anonym":
        control = f"<select {attrs}>{options(edit.ANONYMOUS, value)}</select>"
    elif f.name == "helgdagar":
        control = f"<select {attrs}>{options(edit.HOLIDAYS, value)}</select>"
    elif f.kind == "check":  # the hidden empty value first: an unticked box still says so
        control = (f'<input type="hidden" name="{f.name}" value="">'
                   f'<input type="checkbox" {attrs} value="ja"{" checked" if value == "ja" else ""}>')
    else:
        kind = {"url": "url", "number": "text", "date": "text", "phone": "tel"}.get(f.kind, "text")
        extra = ' inputmode="numeric"' if f.kind == "number" else ""
        control = f'<input type="{kind}" {attrs} value="{esc(value)}" maxlength="{MAX_TEXT}"{extra}>'
    hint = f'<span class="hint" id="{ident}-hint">{numbers(f.hint)}</span>' if f.hint else ""  # its example unbroken
    error = (f'<span class="field-error" id="{ident}-fel">{"; ".join(esc(e) for e in errors)}</span>' if errors else "")
    wide = f.kind in ("long", "lines", "url") or f.name == "namn"
    klass = "field" + (" check" if f.kind == "check" else "") + (" wide" if wide else "")
    return f'<div class="{klass}"><label for="{ident}">{esc(f.label)}</label>{control}{hint}{error}</div>'


GROUPS = (("Namn och texter", ("namn", "om_barn", "om_vuxen")),
          ("Kontakt", ("telefon", "sms", "chatt", "etjanst", "webb", "epost", "anonym", "alder_min", "alder_max")),
          ("Öppettider", edit.HOURS_FIELDS),
          ("Källa", ("kalla", "kontrollerad")))


def _page(entry: dict, values: Dict[str, str], chosen: Dict[str, str], report: check.Report, live: Catalogue | None,
          scope: str, form_key: str, now: dt.datetime, message: str, field_errors: Dict[str, List[str]], version: str,
          allowed: bool = True, is_draft: bool = False) -> str:
    resource_id = str(entry.get("id"))
    shown = report.parsed.catalogue if report.parsed is not None else live
    r = next((x for x in shown.resources if x.id == resource_id), None) if shown is not None else None
    spans = check.Spans.of(report.document)
    errors = [p for p in report.errors if spans.owner(p.line) == ("resources", resource_id)]
    parts = [message]
    if errors:
        parts.append('<section class="summary" id="fel"><h2>Fel i ändringen</h2>'
                     + problem_list(("error", p) for p in errors)
                     + "".join(f'<p><a href="#f-{esc(name)}">Till fältet {esc(edit.BY_NAME[name].label)}</a></p>'
                               for name in field_errors if name in edit.BY_NAME) + "</section>")
    others = [p for p in report.errors if p not in errors]
    if others:
        parts.append('<section class="summary"><h2>Fel på andra ställen i filen</h2><p>Filen kan inte sparas förrän '
                     "de också är rättade.</p>" + problem_list((("error", p) for p in others), with_who=True) + "</section>")
    if not allowed:
        parts.append(f'<div class="note">{_not_yours(entry, scope)}</div>')
    parts.append(_form(resource_id, values, chosen, field_errors, shown, form_key, version, allowed))
    if r is not None and shown is not None:
        parts.append(_previews(shown, r, chosen, now, is_draft and report.parsed is not None))
        parts.append(_week(r, now))
    title = str(entry.get("name") or resource_id)
    place = f"kommun {entry['municipality']}" if entry.get("municipality") else "nationell resurs"
    return layout(title, "".join(parts), scope, f'<p class="id">id {esc(resource_id)} · {esc(place)}</p>')


def _form(resource_id: str, values: Dict[str, str], chosen: Dict[str, str], field_errors: Dict[str, List[str]],
          cat: Catalogue | None, form_key: str, version: str, allowed: bool) -> str:
    groups = []
    for legend, names in GROUPS:
        fields = "".join(_input(edit.BY_NAME[n], values.get(n, ""), field_errors.get(n, []), allowed) for n in names)
        groups.append(f'<fieldset><legend>{esc(legend)}</legend><div class="grid">{fields}</div></fieldset>')
    needs = _needs(cat, resource_id)
    preview_choice = (
        '<fieldset><legend>Förhandsvisning</legend><div class="grid">'
        f'<div class="field wide"><label for="f-behov">Behov</label><select id="f-behov" name="behov">'
        f'{options(((k, k) for k in needs), chosen.get("behov") or (needs[0] if needs else ""))}</select></div>'
        f'<div class="field"><label for="f-tid">Tid (tomt = nu)</label><input id="f-tid" name="tid" '
        f'maxlength="{MAX_FIELD}" value="{esc(chosen.get("tid", ""))}" placeholder="lördag 22:00"></div>'
        "</div></fieldset>")
    if not allowed:
        return (f'<form method="get" action="{PATH}/resurs/{esc(resource_id)}#forhandsvisning" class="edit">'
                f'{preview_choice}<div class="buttons"><button type="submit">Visa svaren</button></div></form>'
                f'<details class="readonly"><summary>Resursens fält</summary>{"".join(groups)}</details>')
    return (f'<form method="post" action="{PATH}/resurs/{esc(resource_id)}" class="edit">'
            f'<input type="hidden" name="skydd" value="{esc(form_key)}">'
            f'<input type="hidden" name="version" value="{esc(version)}">'
            f'{"".join(groups)}{preview_choice}'
            '<div class="buttons"><button type="submit" name="atgard" value="forhandsvisa">Kontrollera och förhandsvisa'
            '</button><button type="submit" name="atgard" value="spara" class="save">Spara</button></div>'
            "<p class=\"hint\">Spara kontrollerar först, precis som make check. Har ändringen fel sparas ingenting.</p>"
            "</form>")


def _needs(cat: Catalogue | None, resource_id: str) -> List[str]:
    r = next((x for x in cat.resources if x.id == resource_id), None) if cat is not None else None
    if r is None or cat is None:
        return []
    return preview.needs_leading_to(cat, preview.route_key(r)) or list(cat.needs)


def _previews(cat: Catalogue, r: Resource, chosen: Dict[str, str], now: dt.datetime, is_draft: bool) -> str:
    needs = _needs(cat, r.id)
    need = chosen.get("behov") if chosen.get("behov") in cat.needs else (needs[0] if needs else None)
    if need is None:
        return ""
    place = r.municipality or ""
    boxes = []
    for reader, who in PREVIEW_READERS:
        try:
            shown = preview.preview(cat, need, reader, place, chosen.get("tid"), now=now)
        except preview.PreviewError as e:
            return f'<section id="forhandsvisning"><ul class="problems"><li class="error">{esc(e)}</li></ul></section>'
        named = preview.route_key(r) in shown.reply.keys or r.id in shown.reply.resources
        note = "" if named else f'<p class="note">{esc(who)} får inte {esc(r.name)} i svaret på det här behovet.</p>'
        boxes.append(f"<div>{reply_box(shown, f'{who} får', followups=False)}{note}</div>")
    leading = preview.needs_leading_to(cat, preview.route_key(r))
    said = ("Så ser svaren ut med din ändring – den är inte sparad ännu." if is_draft
            else "Så ser svaren ut med filen som den är nu.")
    if not leading:
        said += " Inget behov leder till resursen, så den visas aldrig."
    return (f'<section id="forhandsvisning"><h2>Förhandsvisning: {esc(need)}</h2><p>{said}</p>'
            f'<div class="cards">{"".join(boxes)}</div></section>')


def _week(r: Resource, now: dt.datetime) -> str:
    days = preview.week(r, now.date())
    if not days:
        return ('<section id="vecka"><h2>De kommande 14 dagarna</h2><p>Inga öppettider i katalogen: boten säger '
                "ingenting om tider.</p></section>")
    rows = "".join(f'<tr{" class=differs" if d.why else ""}><th scope="row">{esc(d.label())}</th>'
                   f"<td>{numbers(d.hours)}</td><td>{esc(d.why)}</td></tr>" for d in days)
    weekly = hours.weekly_summary(r.schedule) or ""
    return ('<section id="vecka"><h2>De kommande 14 dagarna</h2>'
            + (f"<p>Vanlig vecka: {numbers(weekly)}.</p>" if weekly else "")
            + f'<table><caption class="visually-hidden">Öppettider för {esc(r.name)}</caption><thead><tr><th scope="col">Dag'
            '</th><th scope="col">Öppet</th><th scope="col">Varför</th></tr></thead>'
            f"<tbody>{rows}</tbody></table></section>")


# ---------------------------------------------------------------- the dated copies


def copies_page(method: str, form: Dict[str, List[str]], scope: str, form_key: str, path: Path) -> Outcome:
    if scope != edit.ALL:
        return Outcome(403, layout("Inte tillåtet", "<p>Bara en token för alla får återställa en sparad version, "
                                                    "eftersom den gäller hela filen.</p>", scope))
    message = ""
    if method == "POST":
        try:
            edit.restore(path, first(form, "kopia", 120))
        except edit.SaveError as e:
            message = f'<p class="alert"><strong>Inte återställd.</strong> {esc(e)}</p>'
        else:
            return Outcome(303, location=f"{PATH}/kopior?aterstalld=1")
    found = edit.copies(path)
    rows = "".join(
        f'<li><form method="post" action="{PATH}/kopior"><input type="hidden" name="skydd" value="{esc(form_key)}">'
        f'<input type="hidden" name="kopia" value="{esc(c.name)}"><span>{esc(c.saved.strftime("%Y-%m-%d %H:%M:%S"))}'
        f" – {esc(c.note)}</span> <button type=\"submit\">Återställ<span class=\"visually-hidden\"> versionen från "
        f'{esc(c.saved.strftime("%Y-%m-%d %H:%M:%S"))}</span></button></form></li>' for c in found)
    body = (message + "<p>Varje gång någon sparar på personalsidan sparas versionen före ändringen här, med datum och "
            "tid. Återställ gör den versionen till filen igen (och sparar den nuvarande som en kopia först). "
            f"Kopiorna ligger i {esc(edit.copies_directory(path))}.</p>"
            + (f'<ul class="copies">{rows}</ul>' if rows else "<p>Inga sparade versioner ännu.</p>"))
    return Outcome(200, layout("Sparade versioner", body, scope))
