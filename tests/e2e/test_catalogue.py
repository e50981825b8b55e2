"""End to end: staff edit the catalogue while the bot runs. A good edit is used within 2 seconds,
without restart or retraining; a broken edit leaves the answers unchanged."""
import os
import time
import uuid

import pytest

from tests.conftest import ROOT
from tests.support.markers import reply_text
from tools.botserver import MODEL, on_catalogue

SHIPPED = (ROOT / "resources.yml").read_text(encoding="utf-8")
BRIS_CHILD = "Hos Bris kan du prata med en vuxen om allt."
EDITED = "Hos Bris kan du prata med en vuxen om allt, också om skolan."
KUNGALV_FRIDAY = '        fri: ["09:00-16:00"]\n'


@pytest.fixture(scope="module")
def bot(tmp_path_factory):
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` first")
    server = on_catalogue(tmp_path_factory.mktemp("bot"), SHIPPED).start()
    yield server
    server.stop()


def save(path, text: str) -> None:
    """As an editor saves: new content, a newer modification time."""
    path.write_text(text, encoding="utf-8")
    later = time.time_ns() + 10**9
    os.utime(path, ns=(later, later))


def ask(bot, text: str, **kwargs) -> str:
    status, messages = bot.send(f"e2e-cat-{uuid.uuid4().hex[:10]}", text, **kwargs)
    assert status == 200
    return reply_text(messages)


def answer_within(bot, text: str, wanted: str, seconds: float = 2.0, **kwargs) -> str:
    start = time.monotonic()
    reply = ask(bot, text, **kwargs)
    while wanted not in reply and time.monotonic() < start + seconds:
        time.sleep(0.2)
        reply = ask(bot, text, **kwargs)
    print(f"\nthe edit was in the answer after {time.monotonic() - start:.2f} s")
    return reply


def test_good_edits_are_used_and_broken_ones_ignored(bot):
    bullied = "de andra i klassen kallar mig fula saker hela tiden"
    assert BRIS_CHILD in ask(bot, bullied)

    good = SHIPPED.replace(BRIS_CHILD, EDITED, 1)
    save(bot.catalogue, good)
    assert EDITED in answer_within(bot, bullied, EDITED)

    broken = good.replace('phone: "116 111"', 'phone: "11G 111"', 1)
    for edit in (broken, broken.replace("    anonymous: true\n", "\tanonymous: true\n", 1)):  # a wrong value, a tab
        save(bot.catalogue, edit)
        time.sleep(0.5)
        after_bad = ask(bot, bullied)
        assert EDITED in after_bad and "116 111" in after_bad and "11G" not in after_bad
    log = (bot.workdir / "bot.log").read_text(errors="replace")
    assert "den senaste fungerande katalogen" in log and "'11G 111' innehåller bokstäver" in log
    assert "tabbtecken i indraget" in log  # a syntax error is reported alone (tests/staff/test_catalogue_mistakes.py)
    assert bullied not in log  # the user's words are never logged


def test_opening_hours_follow_the_catalogue(bot):
    question = "när kan jag ringa socialtjänsten"
    meta = {"municipality": "kungalv"}
    save(bot.catalogue, SHIPPED)
    assert "fredag 09.00–16.00" in answer_within(bot, question, "fredag 09.00–16.00", metadata=meta)
    save(bot.catalogue, SHIPPED.replace(KUNGALV_FRIDAY, '        fri: ["09:00-13:00"]\n', 1))
    assert "fredag 09.00–13.00" in answer_within(bot, question, "fredag 09.00–13.00", metadata=meta)
    assert "Bris: öppet dygnet runt" in ask(bot, "är bris öppet nu")
