"""Command line: preview what the bot answers, without Rasa.

    python -m bot svar child_bullying --vem child --kommun kungalv
    python -m bot kris "ja vill int leva"
    python -m bot behov
    python -m bot check resources.yml [--links]
"""
from __future__ import annotations

import argparse
import sys

from bot import catalogue, check, crisis, replies
from bot.catalogue import AUDIENCES, CatalogueError


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bot", description="Förhandsgranska Stödlotsens svar.")
    ap.add_argument("--katalog", dest="catalogue", help="katalogfil (standard: resources.yml)")
    sub = ap.add_subparsers(dest="cmd", required=True)
    answer = sub.add_parser("svar", help="visa svaret på ett behov")
    answer.add_argument("need", metavar="behov", help="t.ex. child_bullying (se 'behov')")
    answer.add_argument("--vem", dest="audience", choices=AUDIENCES, help="vem som skriver")
    answer.add_argument("--kommun", dest="municipality", metavar="KOMMUN", help="kommunens id, t.ex. kungalv")
    answer.add_argument("--text", default="", help="meddelandet (väljer svar på orosanmälningsfrågor)")
    crisis_text = sub.add_parser("kris", help="visa vad krisskiktet ser i en text")
    crisis_text.add_argument("text")
    sub.add_parser("behov", help="lista behoven i katalogen")
    check_file = sub.add_parser("check", help="kontrollera en katalogfil (fel ger slutkod 1, varningar 0)")
    check_file.add_argument("file", metavar="fil", nargs="?", help="katalogfilen (standard: resources.yml)")
    check_file.add_argument("--links", action="store_true", help="hämta också varje webbadress och lista döda länkar")
    args = ap.parse_args(argv)

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
        cat = catalogue.load(args.catalogue)
    except CatalogueError as e:
        print(e, file=sys.stderr)
        return 1
    if args.cmd == "behov":
        for need_id in sorted(cat.needs):
            print(need_id)
        return 0
    if cat.need(args.need) is None:
        print(f"Okänt behov '{args.need}'. Finns: {', '.join(sorted(cat.needs))}", file=sys.stderr)
        return 2
    reply = replies.compose(cat, args.need, audience=args.audience, municipality_id=args.municipality, text=args.text)
    print(reply.text)
    for b in reply.buttons:
        print(f"[{b['title']}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
