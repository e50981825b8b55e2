"""Command line: preview what the bot answers, without Rasa (docs/katalog.md, "Förhandsvisa").

    python -m staff svar child_bullying --vem barn --kommun Kungälv --tid "lördag 22:00"
    python -m staff behov
    python -m staff kris "ja vill int leva"
    python -m staff check resources.yml [--links]
    python -m staff rapport --kommun Söderhamn --fran 2026-W01 --till 2026-W12 [--databas FIL] [--ut rapport]
"""
from __future__ import annotations

import argparse
import sys

from bot import catalogue_store, crisis
from bot.catalogue import CatalogueError
from staff import check, preview
from staff import report as lagesbild_report


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
    crisis_text = sub.add_parser("kris", help="visa vad krisskiktet ser i en text")
    crisis_text.add_argument("text")
    sub.add_parser("behov", help="lista behoven i katalogen, med en rad om vart och ett")
    check_file = sub.add_parser("check", help="kontrollera en katalogfil (fel ger slutkod 1, varningar 0)")
    check_file.add_argument("file", metavar="fil", nargs="?", help="katalogfilen (standard: resources.yml)")
    check_file.add_argument("--links", action="store_true", help="hämta också varje webbadress och lista döda länkar")
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
        report = check.check(args.file or args.catalogue, links=args.links)
        print(report.text())
        translations = check.unreviewed_translations()
        if translations:
            print("\n" + translations)
        return report.exit_code

    if args.cmd == "kris":
        a = crisis.assess(args.text)
        print(f"typ: {a.kind or '-'}  regel: {a.rule or '-'}  uttryck: {'ja' if a.idiom else 'nej'}")
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
        shown = preview.preview(cat, args.need, args.reader, args.municipality, args.when, args.text)
    except preview.PreviewError as e:
        print(e, file=sys.stderr)
        return 2
    print(shown.text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
