"""Command line: preview what the bot answers, without Rasa (docs/katalog.md, "Förhandsvisa").

    python -m staff svar child_bullying --vem barn --kommun Kungälv --tid "lördag 22:00" [--sprak ar]
    python -m staff resurs soderhamn_fritid [--tid "2026-12-24"]     # one resource: card, coming 14 days, needs
    python -m staff behov
    python -m staff kris "ja vill int leva"
    python -m staff check resources.yml [--links] [--kommun Söderhamn]
    python -m staff rapport --kommun Söderhamn --fran 2026-W01 --till 2026-W12 [--databas FIL] [--ut rapport]
"""
from __future__ import annotations

import argparse
import sys

from bot import catalogue_store, crisis, languages, replies
from bot.catalogue import Catalogue, CatalogueError
from staff import check, preview
from staff import report as lagesbild_report

# The crisis kinds as staff read them.
CRISIS_KINDS = {"suicidal": "självmordstankar", "self_harm": "självskada", "acute_danger": "fara just nu"}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m staff", description="Förhandsgranska Stödlotsens svar.")
    ap.add_argument("--katalog", dest="catalogue", help="katalogfil (standard: resources.yml)")
    sub = ap.add_subparsers(dest="cmd", required=True)
    answer = sub.add_parser("svar", help="visa svaret på ett behov")
    answer.add_argument("need", metavar="behov", help="t.ex. child_bullying (se 'behov')")
    answer.add_argument("--vem", dest="reader", help="vem som läser: barn, förälder, vuxen eller yrkesperson "
                                                     "(child, guardian, adult, professional)")
    answer.add_argument("--kommun", dest="municipality", metavar="KOMMUN",
                        help="kommunens namn eller id, t.ex. Kungälv eller kungalv")
    answer.add_argument("--tid", dest="when", metavar="TID", help=f"när frågan ställs, t.ex. {preview.TIME_EXAMPLES} "
                                                                   "(standard: nu)")
    answer.add_argument("--text", default="", help="meddelandet, t.ex. \"jag är 9\" (åldern och orden kan ändra svaret)")
    answer.add_argument("--sprak", dest="language", metavar="SPRÅK",
                        help=f"skribentens språk ({', '.join(languages.LANGUAGES)}): visar raden ett krissvar får på det")
    one = sub.add_parser("resurs", help="visa en resurs: kontaktvägar, de kommande 14 dagarnas öppettider och behoven "
                                        "som leder dit")
    one.add_argument("resource", metavar="resurs", help="resursens id eller namn, t.ex. soderhamn_fritid eller Bris")
    one.add_argument("--tid", dest="when", metavar="TID", help="första dagen, t.ex. 2026-12-20 (standard: i dag)")
    crisis_text = sub.add_parser("kris", help="visa vad krisreglerna ser i en text")
    crisis_text.add_argument("text")
    sub.add_parser("behov", help="lista behoven i katalogen, med en rad om vart och ett")
    check_file = sub.add_parser("check", help="kontrollera en katalogfil (fel ger slutkod 1, varningar 0)")
    check_file.add_argument("file", metavar="fil", nargs="?", help="katalogfilen (standard: resources.yml)")
    check_file.add_argument("--links", action="store_true", help="hämta också varje webbadress och lista döda länkar")
    check_file.add_argument("--kommun", dest="municipality", metavar="KOMMUN",
                            help=f"visa varningarna för en kommun (namn eller id), eller {check.ALL} för alla; "
                                 "de andra räknas bara")
    lagesbild = sub.add_parser("rapport", help="skriv lägesbilden (rapport/lagesbild.html och .csv)")
    lagesbild.add_argument("--kommun", help="kommunens namn eller id (standard: alla kommuner)")
    lagesbild.add_argument("--fran", help="första veckan, t.ex. 2026-W01 (standard: 11 veckor före denna)")
    lagesbild.add_argument("--till", help="sista veckan, t.ex. 2026-W12 (standard: denna vecka)")
    lagesbild.add_argument("--databas", help="räknarnas databas, en fil eller en adress (standard: den endpoints.yml anger)")
    lagesbild.add_argument("--ut", default="rapport", help="mappen filerna skrivs i (standard: rapport)")
    args = ap.parse_args(argv)

    if args.cmd == "rapport":
        return lagesbild_report.main(args.kommun, args.fran, args.till, args.databas, args.ut, args.catalogue)
    if args.cmd == "check":
        return _check(args.file or args.catalogue, args.links, args.municipality)
    if args.cmd == "kris":
        print(_crisis(args.text))
        return 0
    try:
        cat = catalogue_store.load(args.catalogue)
    except CatalogueError as e:
        print(f"{e}\n\nRätta felen (make check visar alla) och försök igen.", file=sys.stderr)
        return 1
    if args.cmd == "behov":
        listed = preview.needs(cat)
        width = max(len(key) for key, _ in listed)
        for key, description in listed:
            print(f"{key:<{width}}  {description}")
        return 0
    try:
        if args.cmd == "resurs":
            print(_resource(cat, args.resource, args.when))
            return 0
        shown = preview.preview(cat, args.need, args.reader, args.municipality, args.when, args.text,
                                language=args.language)
    except preview.PreviewError as e:
        print(e, file=sys.stderr)
        return 2
    print(shown.text())
    return 0


def _check(path: str | None, links: bool, municipality: str | None) -> int:
    report = check.with_translations(check.check(path, links=links), path)
    chosen = None
    if municipality and municipality.strip():
        chosen = check.ALL if municipality.strip().lower() == check.ALL else report.find_municipality(municipality)
        if chosen is None:
            known = ", ".join(f"{name} ({key})" for key, name in report.municipality_names().items())
            print(f"Kommunen '{municipality}' finns inte i katalogen. Kända kommuner: {known}; eller {check.ALL}.",
                  file=sys.stderr)
            return 2
    print(report.text(chosen))
    return report.exit_code


def _crisis(text: str) -> str:
    a = crisis.assess(text)
    lines = []
    if a.kind:
        lines.append(f"Krisreglerna ser: {CRISIS_KINDS.get(a.kind, a.kind)} (regeln {a.rule} i bot/crisis_patterns.yml). "
                     "Boten svarar då med 112 först.")
    else:
        lines.append("Krisreglerna ser ingen kris i texten.")
    if a.idiom:
        lines.append("Texten har ett vardagligt uttryck (t.ex. \"dog av skratt\") som reglerna inte tar som kris.")
    lines.append("Obs: det här är bara reglerna. I boten röstar också klassificeraren och den semantiska grannen, och en "
                 "kris som någon av dem ser räknas. Hela bedömningen syns bara i den körande boten.")
    return "\n".join(lines)


def _resource(cat: Catalogue, value: str, when: str | None) -> str:
    r = preview.resource(cat, value)
    assert r is not None
    moment = preview.moment(when)
    place = cat.municipality(r.municipality)
    lines = [f"{r.name} (id {r.id})", f"Kommun: {place.name if place else 'nationell'}"
             + (f", tjänst {r.service}" if r.service else ""),
             "", replies.describe_resource(r, child=False, now=moment), ""]
    days = preview.week(r, moment.date())
    if days:
        lines.append(f"Öppettider {days[0].label()} – {days[-1].label()}:")
        lines += [f"  {d.label():<22} {d.hours}" + (f"  ({d.why})" if d.why else "") for d in days]
    else:
        lines.append("Inga öppettider i katalogen (boten säger ingenting om tider).")
    leading = preview.needs_leading_to(cat, preview.route_key(r))
    lines += ["", f"Behov som leder hit: {', '.join(leading) if leading else 'inga – resursen visas aldrig'}"]
    lines.append(f"Källa: {r.source}. Kontrollerad: {r.last_verified.isoformat()}.")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
