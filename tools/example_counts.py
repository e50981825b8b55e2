"""A generated example database of the lägesbild's counters (`make rapport EXEMPEL=ja`, the report's tests).

    python -m tools.example_counts rapport/exempel.db [--veckor 16] [--slump 7]

Made-up numbers with a few patterns a safety coordinator would look for: more questions about knives in
Söderhamn the week after a stabbing, more parents worried about recruitment in the autumn, Somali-speaking
parents asking about social services in Katrineholm, and the local services the catalogue lacks. Never real data.
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
from collections import Counter
from pathlib import Path

from bot import catalogue_store
from bot import counts as c
from bot.count_store import Store

READERS = ("child", "child", "child", "guardian", "guardian", "adult", "professional", "")
CHANNELS = ("rest", "rest", "rest", "facebook")
QUESTIONS = ("", "", "", "anonymity", "cost", "hours", "what_happens", "anonymity+what_happens")


def generate(weeks: int = 16, seed: int = 7, today: dt.date | None = None) -> Counter[c.Cell]:
    """Counters for the *weeks* weeks up to *today*, for every municipality of the shipped catalogue."""
    rng = random.Random(seed)
    cat = catalogue_store.load()
    today = today or dt.date.today()
    needs = [n for n in cat.needs if n not in ("worried_about_child",)]
    found: Counter[c.Cell] = Counter()
    for back in range(weeks - 1, -1, -1):
        day = today - dt.timedelta(weeks=back)
        week = c.iso_week(day)
        autumn = day.month in (9, 10, 11)
        for m in cat.municipalities:
            size = {"katrineholm": 1.0, "nykoping": 1.6, "soderhamn": 0.8, "kungalv": 1.2}.get(m.id, 1.0)
            for need in needs:
                mean = size * (6 if need.startswith("child_") else 2.5)
                if need == "knife_carrying" and m.id == "soderhamn" and back == weeks // 2:
                    mean *= 8  # the week after a stabbing
                if need == "parent_own_child" and autumn:
                    mean *= 2.5
                n = max(0, int(rng.gauss(mean, mean / 2)))
                reader = cat.needs[need].reader(None) if rng.random() < 0.7 else rng.choice(READERS)
                for _ in range(n):
                    language = "so" if m.id == "katrineholm" and reader == "guardian" and rng.random() < 0.3 else \
                        rng.choice(("sv",) * 30 + ("en", "ar", "so", "fa", "ti", "uk", "fi"))
                    crisis = need if need in ("suicidal", "self_harm", "acute_danger") else ""
                    found[c.Cell(week, c.REPLY, municipality=m.id, need=need, reader=reader, channel=rng.choice(CHANNELS),
                                 language=language, crisis=crisis, questions=rng.choice(QUESTIONS))] += 1
                    if crisis and rng.random() < 0.8:
                        found[c.Cell(week, c.CRISIS_CONVERSATION, municipality=m.id, crisis=crisis, reader=reader)] += 1
                    for service in {e.split(":", 1)[1] for entries in cat.needs[need].route.values() for e in entries
                                    if e.startswith("local:")}:
                        if not cat.local(service, m.id):
                            found[c.Cell(week, c.NO_LOCAL_RESOURCE, municipality=m.id, need=need, service=service)] += 1
            for _ in range(max(0, int(rng.gauss(9 * size, 4)))):
                found[c.Cell(week, c.NOT_UNDERSTOOD, municipality=m.id, channel="rest", language="sv")] += 1
        started = rng.randint(120, 260)
        found[c.Cell(week, c.CONVERSATION_STARTED, channel="rest")] += started
        found[c.Cell(week, c.CONVERSATION_CONTINUED, channel="rest")] += int(started * rng.uniform(0.55, 0.8))
    return found


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tools.example_counts", description="Skapar en exempeldatabas för lägesbilden.")
    ap.add_argument("path", help="SQLite-filen som skapas (en gammal fil med samma namn ersätts)")
    ap.add_argument("--veckor", type=int, default=16)
    ap.add_argument("--slump", type=int, default=7)
    args = ap.parse_args(argv)
    path = Path(args.path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for old in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        old.unlink(missing_ok=True)
    store = Store(f"sqlite:///{path}")
    store.add(generate(args.veckor, args.slump))
    store.close()
    print(f"Exempeldatabas med påhittade tal: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
