"""End to end, issue 27: the cap on the conversation store's growth per hour (rasa_wing/disk_growth.py), wired through
the running bot: the tracker store counts what it stores, the REST channel asks before it lets a new conversation
in. With a cap of 20 kB an hour, a few conversations reach it; then a new conversation gets the static reply (112
and Bris) and is not stored, a conversation already going on is answered and stored as before, and the log gets
one alert line. (The second round's flood grew the database by 99 MB in 77 s.)
"""
import sqlite3
import time
import uuid

import pytest

from bot import storage
from tests.support.markers import reply_text
from tools.botserver import MODEL, BotServer

CAP_MB = "0.02"
MAX_CONVERSATIONS = 60  # bounded: the cap is reached long before


@pytest.fixture(scope="module")
def bot(tmp_path_factory):
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` first")
    server = BotServer(tmp_path_factory.mktemp("bot"), env={"STODLOTSEN_MAX_GROWTH_MB_PER_HOUR": CAP_MB}).start()
    yield server
    server.stop()


def _stored(bot, sender: str) -> int:
    key = storage.load_key(bot.key_file)
    with sqlite3.connect(bot.db) as conn:
        (count,) = conn.execute("SELECT count(*) FROM events WHERE sender_id = ?",
                                (storage.hash_sender(sender, key),)).fetchone()
    return count


def test_over_the_growth_cap_new_conversations_get_the_static_reply_and_an_alert_is_logged(bot):
    going = f"going-{uuid.uuid4().hex}"
    status, messages = bot.send(going, "jag blir mobbad i skolan")
    assert status == 200 and "tekniskt fel" not in reply_text(messages)

    refused = None
    for _ in range(MAX_CONVERSATIONS):
        sender = f"new-{uuid.uuid4().hex}"
        status, messages = bot.send(sender, "jag blir mobbad i skolan")
        assert status == 200
        if "tekniskt fel" in reply_text(messages):
            refused = sender
            break
        time.sleep(0.1)
    assert refused is not None, f"{MAX_CONVERSATIONS} new conversations and the cap of {CAP_MB} MB was never reached"
    reply = reply_text(messages)
    assert "112" in reply and "116 111" in reply, reply

    _, crisis = bot.send(f"crisis-{uuid.uuid4().hex}", "jag vill inte leva längre")
    assert "112" in reply_text(crisis) and "90101" in reply_text(crisis).replace(" ", ""), reply_text(crisis)

    before = _stored(bot, going)
    status, messages = bot.send(going, "är det anonymt?")
    assert status == 200 and "tekniskt fel" not in reply_text(messages), "a conversation going on was refused"
    deadline = time.monotonic() + 10
    while _stored(bot, going) == before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _stored(bot, going) > before, "a conversation going on was not stored"
    assert _stored(bot, refused) == 0, "a refused new conversation was stored"

    log = (bot.workdir / "bot.log").read_text(errors="replace")
    assert log.count("LARM: samtalsdatabasen har vuxit") == 1, "no alert line, or more than one"
