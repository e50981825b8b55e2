"""End to end, issue 27: every format and language the second hardening round found stored in clear, with fresh
random values (tools/privacy_corpus.findings), sent to the running bot in real conversations; then the SQLite
file (every table, raw and decoded) and the log must hold none of them. Then the names and numbers given earlier
come back without a cue, as a genitive and without the leading 0, after a restart of the bot.
"""
import json
import random
import re
import sqlite3
import time
import uuid

import pytest

from bot import names
from tests.support.markers import reply_text
from tools import privacy_corpus
from tools.botserver import BotServer

SEED = random.randrange(1 << 30)
RNG = random.Random(SEED)
CORPUS = privacy_corpus.findings(RNG, sorted(names.first_names()))
GIVEN_NAME = "".join(RNG.choice(["Ma", "Lo", "Vi", "Sa", "Ke", "Ti"]) for _ in range(2)) + "ndra"
GIVEN_PHONE = privacy_corpus.mobile(RNG)
PER_CONVERSATION = 8  # messages per sender, inside its burst (the rate limit is not what this is about)


def _send(bot, sender, text):
    status, messages = bot.send(sender, text)
    assert status == 200 and reply_text(messages).strip(), text
    time.sleep(0.3)


@pytest.fixture(scope="module")
def talked(bot):
    for i in range(0, len(CORPUS), PER_CONVERSATION):
        sender = f"corpus-{uuid.uuid4().hex}"
        for finding in CORPUS[i:i + PER_CONVERSATION]:
            _send(bot, sender, finding.text)
    return True


def _stored(bot) -> str:
    with sqlite3.connect(bot.db) as conn:
        tables = [t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        rows = [row for t in tables for row in conn.execute(f'SELECT * FROM "{t}"')]
    raw = "\n".join(" ".join("" if v is None else str(v) for v in row) for row in rows)
    decoded = []
    for row in rows:
        try:
            decoded.append(json.dumps(json.loads(row[-1]), ensure_ascii=False))
        except (TypeError, ValueError):
            pass
    return raw + "\n" + "\n".join(decoded)


def _texts(stored: str) -> str:
    """The texts (user messages, replies, slot values) of the decoded events, one a line: where a number's digits
    may be looked for without meeting timestamps and hashes."""
    return "\n".join(m.group(1) for m in re.finditer(r'"(?:text|value)": "((?:[^"\\]|\\.)*)"', stored))


def _leaks(haystack: str, secrets) -> list:
    digits = "\n".join(re.sub(r"\D", "", line) for line in _texts(haystack).splitlines())
    out = []
    for secret in secrets:
        if re.search(r"[^\W\d_]", secret):  # with letters: anywhere in the file
            if secret in haystack:
                out.append(secret)
        elif len(re.sub(r"\D", "", secret)) >= 6 and re.sub(r"\D", "", secret) in digits:  # a number: in the texts
            out.append(secret + " (digits)")
    return out


@pytest.mark.parametrize("finding", CORPUS, ids=[f"{f.id} (seed {SEED})" for f in CORPUS])
def test_the_database_holds_none_of_the_corpus(bot, talked, finding):
    from bot.privacy import normalise

    secrets = {s for s in finding.secrets} | {normalise(s) for s in finding.secrets}
    assert _leaks(_stored(bot), secrets) == []


def test_the_log_holds_none_of_the_corpus(bot, talked):
    log = (bot.workdir / "bot.log").read_text(errors="replace")
    assert "Registered function for 'action_route'" in log, "the log is not the bot's log"
    for finding in CORPUS:
        assert finding.text not in log
        assert [s for s in finding.secrets if s in log] == [], finding.id


def test_names_and_numbers_given_earlier_are_scrubbed_after_a_restart(bot, talked):
    """The last test of the module: it stops the module's bot and starts another on the same database."""
    sender = f"earlier-{uuid.uuid4().hex}"
    _send(bot, sender, f"hej jag heter {GIVEN_NAME} och mitt nummer är {GIVEN_PHONE}")
    bot.stop()
    again = BotServer(bot.workdir).start()  # nothing of the conversation is left in memory
    try:
        bare = GIVEN_PHONE[1:]  # without its leading 0
        for text in (f"{GIVEN_NAME} slog mig igen", f"{GIVEN_NAME}s pappa är arg",
                     f"ring {bare[:2]} {bare[2:5]} {bare[5:]}", f"{GIVEN_NAME.lower()} här igen"):
            _send(again, sender, text)
        stored = _stored(again)
    finally:
        again.stop()
    assert GIVEN_NAME not in stored and GIVEN_NAME.lower() not in stored
    assert _leaks(stored, [GIVEN_PHONE, bare]) == []
    assert "[namn] slog mig igen" in stored and "[namn] pappa är arg" in stored
