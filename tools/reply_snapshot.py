"""Every reply the domain can give, as text: need × reader × municipality (and none) at fixed times, the
opening-hours answers, every follow-up answer (topic × resource × reader) and the conversation's own lines.

    .venv/bin/python -m tools.reply_snapshot > tests/fixtures/replies.txt    # after an intended change

`tests/domain/test_reply_snapshot.py` compares this output with `tests/fixtures/replies.txt`, so a refactoring
that changes a reply fails, and an intended change shows up as a diff in review.
"""
from __future__ import annotations

import datetime as dt
import sys
from zoneinfo import ZoneInfo

from bot import catalogue, catalogue_store, followup, lines, replies
from bot.catalogue import AUDIENCES

# A weekday morning (local offices open), a weekday night and a Saturday afternoon, in winter time.
TIMES = (
    dt.datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Europe/Stockholm")),
    dt.datetime(2026, 11, 24, 23, 30, tzinfo=ZoneInfo("Europe/Stockholm")),
    dt.datetime(2026, 11, 28, 14, 0, tzinfo=ZoneInfo("Europe/Stockholm")),
)


def render(cat: catalogue.Catalogue) -> str:
    out = []
    municipality_ids = [None, *(m.id for m in cat.municipalities)]
    for now in TIMES:
        for need in sorted(cat.needs):
            for audience in (None, *AUDIENCES):
                for municipality_id in municipality_ids:
                    reply = replies.compose(cat, need, audience=audience, municipality_id=municipality_id, now=now)
                    out.append(f"### {now:%Y-%m-%d %H:%M} {need} vem={audience or '-'} kommun={municipality_id or '-'}")
                    out.append(reply.text)
                    out.extend(f"[{b['title']}] {b['payload']}" for b in reply.buttons)
    asked = [r.name for r in cat.resources if not r.is_local] + [s.aliases[0] for s in cat.services.values() if s.aliases]
    for now in TIMES:
        for name in asked:
            for audience in ("child", "adult"):
                for municipality_id in municipality_ids:
                    question = f"är {name} öppet på lördag?"
                    reply = replies.opening_hours(cat, question, audience=audience, municipality_id=municipality_id, now=now)
                    out.append(f"### {now:%Y-%m-%d %H:%M} öppettider '{name}' vem={audience} kommun={municipality_id or '-'}")
                    out.append(reply.text)
        for need in sorted(cat.needs):
            reply = replies.opening_hours(cat, "när är ni öppna?", audience="adult", last_need=need, now=now)
            out.append(f"### {now:%Y-%m-%d %H:%M} öppettider efter {need}")
            out.append(reply.text)
    out += _followups(cat, municipality_ids)
    return "\n".join(out) + "\n"


def _followups(cat: catalogue.Catalogue, municipality_ids: list) -> list:
    """Follow-up answers about each national resource and each municipal service, and the conversation's lines."""
    out = []
    keys = [r.id for r in cat.resources if not r.is_local and not r.emergency] + [f"local:{s}" for s in cat.services]
    topics = [t for t in followup.TOPICS if t != followup.HOURS]
    for key in keys:
        for topic in topics:
            for reader in ("child", "adult", "professional"):
                for municipality_id in municipality_ids if key.startswith("local:") else [None]:
                    reply = followup.answer(cat, [topic], [key], reader, municipality_id)
                    out.append(f"### följdfråga {topic} om {key} vem={reader} kommun={municipality_id or '-'}")
                    out.append(reply.text if reply else "-")
    if cat.conversation is not None:
        for reader in ("child", "adult"):
            for key in lines.SMALL_TALK:
                out += [f"### samtal {key} vem={reader}", lines.small_talk(cat, key, reader)]
            out += [f"### samtal plea vem={reader}", lines.plea(cat, reader)]
            out += [f"### samtal other_language vem={reader}", lines.other_language(cat, reader) or "-"]
            for kind in ("acute_danger", "suicidal", "self_harm", "calmed"):
                out += [f"### krisrad {kind} vem={reader}", lines.reminder(cat, kind, reader) or "-"]
        for audience in AUDIENCES:
            out += [f"### samtal roll {audience}", lines.role(cat, audience)]
    return out


if __name__ == "__main__":
    sys.stdout.write(render(catalogue_store.load(sys.argv[1] if len(sys.argv) > 1 else None)))
