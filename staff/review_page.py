"""Translation review on the staff page (/personal/oversattningar): each translated text beside its Swedish
original and as the user sees it, in its own direction (right to left for Arabic and Persian); a reviewer
approves it, or corrects it and approves, and the file records who (a role) and when (staff/translations.py).
A token for all, or one scoped to translation review, may approve; the others only read.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Dict, List
from urllib.parse import urlencode

from bot import catalogue_file
from bot.catalogue import CatalogueError
from staff import check, edit, translations
from staff.page import PATH, esc, first, layout, numbers, problem_list
from staff.resource_page import MAX_TEXT, Outcome

MAY_REVIEW = (edit.ALL, edit.REVIEW)


def handle(method: str, query: Dict[str, List[str]], form: Dict[str, List[str]], scope: str, form_key: str,
           path: Path) -> Outcome:
    found = _found(path)
    message = ""
    if method == "POST":
        if scope not in MAY_REVIEW:
            return Outcome(403, layout("Inte tillåtet", "<p>Din token får inte granska översättningar. Be om en token för "
                                                        "granskning (oversattning) eller för alla.</p>", scope))
        ident = first(form, "post", 300)
        item = next((i for i in found.items if i.ident == ident), None)
        if item is None:
            message = '<p class="alert"><strong>Inte sparat.</strong> Texten finns inte längre – ladda om sidan.</p>'
        else:
            corrected = {line.label: first(form, f"rad-{n}", MAX_TEXT) for n, line in enumerate(item.lines)
                         if f"rad-{n}" in form and " ".join(first(form, f"rad-{n}", MAX_TEXT).split()) != line.text}
            try:
                translations.review(item, first(form, "granskare", translations.MAX_REVIEWER + 20), corrected)
            except translations.ReviewError as e:
                message = f'<p class="alert"><strong>Inte sparat.</strong> {esc(e)}</p>'
            else:
                done = "rättad och godkänd" if corrected else "godkänd"
                return Outcome(303, location=f"{PATH}/oversattningar?{urlencode({'klar': done})}#{_anchor(item)}")
    elif first(query, "klar"):
        message = f'<p class="saved"><strong>Sparat:</strong> texten är {esc(first(query, "klar"))}.</p>'
    return Outcome(200, layout("Översättningar", message + _body(found, scope, form_key), scope))


def _found(path: Path) -> translations.Found:
    try:
        report = check.check_text(catalogue_file.read_text(path), check.display_name(path))
    except CatalogueError:
        report = check.Report(str(path))
    return check.with_translations(report, path).translations or translations.Found()


def _anchor(item: translations.Item) -> str:
    return f"t-{item.language}-{hashlib.sha256(item.ident.encode('utf-8')).hexdigest()[:8]}"


def _body(found: translations.Found, scope: str, form_key: str) -> str:
    waiting = found.waiting()
    counts = ", ".join(f"{translations.language_name(c)} {n}" for c, n in waiting.items()) or "inga"
    parts = [f"<p>Rader som väntar på granskning: {esc(counts)}. En text som inte är granskad visas ändå för "
             "användarna. Läs varje rad bredvid den svenska förlagan. Stämmer den: godkänn. Behöver den ändras: skriv "
             "om den i rutan och godkänn. Skriv vem du är som en roll (t.ex. \"tolk, arabiska\"), inte ditt namn.</p>"]
    if found.problems:
        parts.append('<section class="summary"><h2>Fel i filerna</h2>'
                     + problem_list((("error", p) for _name, p in found.problems), with_who=True) + "</section>")
    languages: Dict[str, List[translations.Item]] = {}
    for item in found.items:
        languages.setdefault(item.language, []).append(item)
    for code, items in languages.items():
        left = waiting.get(code, 0)
        parts.append(f'<section id="sprak-{esc(code)}"><details{" open" if left else ""}><summary><h2>'
                     f'{esc(translations.language_name(code).capitalize())} <span class="id">{left} rader väntar</span>'
                     f"</h2></summary>{''.join(_item(i, scope, form_key) for i in items)}</details></section>")
    return "".join(parts)


def _item(item: translations.Item, scope: str, form_key: str) -> str:
    lang, direction = esc(item.language), item.direction
    state = (f"Godkänd av {esc(item.reviewed_by or 'okänd')}" + (f", {esc(item.reviewed_at)}" if item.reviewed_at else "")
             if item.reviewed else "Inte granskad")
    rows = []
    name = translations.language_name(item.language)
    for n, line in enumerate(item.lines):
        original = esc(line.swedish) if line.swedish else '<span class="old">ingen svensk text med den nyckeln</span>'
        box_id = f"{_anchor(item)}-rad-{n}"
        field = (f'<label for="{box_id}">{esc(name.capitalize())}</label>'
                 f'<textarea id="{box_id}" name="rad-{n}" rows="2" lang="{lang}" dir="{direction}" '
                 f'maxlength="{MAX_TEXT}">{esc(line.text)}</textarea>' if scope in MAY_REVIEW
                 else f'<p class="label">{esc(name.capitalize())}</p><p lang="{lang}" dir="{direction}">{esc(line.text)}</p>')
        rows.append(f'<div class="line"><p class="label wide"><span class="tel">{esc(line.label)}</span></p>'
                    f'<div><p class="label">Svenska</p><p lang="sv">{original}</p></div><div>{field}</div></div>')
    table = "".join(rows)
    seen = (f'<p class="as-seen">Så ser användaren det:</p><div class="bubble" lang="{lang}" dir="{direction}">'
            f"{numbers(item.shown)}</div>")
    title = "Raden i krissvar (112, 90101, 116 111)" if item.key == item.language else item.key
    head = (f'<h3 id="{_anchor(item)}">{esc(title)} <span class="id">{esc(check.display_name(item.file))}</span></h3>'
            f'<p class="{"saved" if item.reviewed else "note"}">{state}.</p>')
    if scope not in MAY_REVIEW:
        return f'<article class="review">{head}{table}{seen}</article>'
    who_id = f"{_anchor(item)}-granskare"
    return (f'<article class="review">{head}<form method="post" action="{PATH}/oversattningar">'
            f'<input type="hidden" name="skydd" value="{esc(form_key)}">'
            f'<input type="hidden" name="post" value="{esc(item.ident)}">{table}{seen}'
            f'<div class="field"><label for="{who_id}">Granskad av (en roll, inget namn)</label>'
            f'<input id="{who_id}" name="granskare" maxlength="{translations.MAX_REVIEWER}" '
            f'value="{esc(item.reviewed_by or "")}" placeholder="tolk, {esc(translations.language_name(item.language))}">'
            '</div><div class="buttons"><button type="submit">Godkänn (med ändringarna i rutorna)</button></div>'
            "</form></article>")
