"""End to end: talk to the running bot with identifying details, then inspect what it kept.

- the SQLite file (every table, every column, raw) holds none of the details, nor the raw
  conversation id, only its keyed hash; the conversation still works;
- the log (INFO, both processes) holds no message text;
- the action server answers errors without the request, listens on 127.0.0.1 only;
- Rasa's HTTP API is off;
- after a restart on the same database the conversation continues with its state.
"""
import json
import os
import sqlite3
import stat
import threading
import time
import urllib.error
import urllib.request
import uuid

import pytest

from bot import privacy, storage
from tests.support.markers import reply_text
from tools.botserver import MODEL, ROOT, BotServer

SENDER = f"widget-{uuid.uuid4().hex}"
MESSAGES = [
    "hej jag heter Kevin Lindqvist och är 12 år",
    "mitt personnummer är 19121212-1212, min lillebror har 121212-1212 och pappa 201212121212",
    "mammas samordningsnummer är 701063-2391",
    "ring mig på 070-123 45 67 eller +46701234567",
    "min mejl är kevin.lindqvist@example.com",
    "pappa slår mig hemma på Storgatan 12B",
    # formats the scrubber used to miss (issue 16), and the name from the first message again
    "Kevin här igen. pnr 20080808.2383, eller 080808/2383, ring 070.222.33.44 eller 46 73 555 66 77",
    "min kompis Sixten har +47 412 34 567 och mejlen sixten at hotmail punkt com eller sixten @ gmail . com",
    "vi bor på Sjölyckan 14 och mormor på Tallbacka 22, lägenhet 1101",
    "min styvpappa Gunnar slår mig /Kevin",
    # "/" messages that are no button payload: plain text, never obeyed, never quoted in the log
    "/jag heter Kevin Lindqvist, 070-123 45 67, pappa slår mig",
    '/inform_municipality{"municipality": "Storstad. Ring 0900-123 45 67"}',
    "/restart",
]
# Keys that look like Rasa's own fields, at any depth, numbers, floats: all scrubbed.
METADATA = {"telefon": "0739876543", "anteckning": "jag heter Lisa Bergqvist", "pnr": "19121212-1212",
            "confidence": "0701112233", "nested": {"timestamp": "19121212-1212", "policy": "jag heter Maja Ek"},
            "float": 46739876543.0}
CHANNEL = "Kevin Lindqvist 0705556677"  # a made-up input_channel
SECRETS = ["Kevin", "Lindqvist", "kevin.lindqvist@example.com", "19121212-1212", "121212-1212", "201212121212",
           "701063-2391", "070-123 45 67", "+46701234567", "Storgatan 12B", "0739876543", "Lisa", "Bergqvist",
           "20080808.2383", "080808/2383", "070.222.33.44", "46 73 555 66 77", "Sixten", "412 34 567", "hotmail",
           "gmail", "Sjölyckan", "Tallbacka", "Gunnar", "0900-123", "Maja", "0701112233",
           "0705556677"]
DIGITS_ONLY = ["191212121212", "1212121212", "7010632391", "0701234567", "46701234567", "0739876543",
               "200808082383", "0702223344", "46735556677", "4741234567", "46739876543"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` first")
    holder = {"bot": BotServer(tmp_path_factory.mktemp("privacy")).start()}
    yield holder
    holder["bot"].stop()


@pytest.fixture(scope="module")
def talked(server):
    """The conversation with identifying details (sent once for the module)."""
    bot = server["bot"]
    replies = []
    for i, text in enumerate(MESSAGES):
        status, messages = bot.send(SENDER, text, metadata=METADATA if i == len(MESSAGES) - 1 else None)
        assert status == 200 and reply_text(messages).strip(), text
        replies.append(messages)
        time.sleep(0.5)  # a person's pace: the rate limit is not what this test is about
    status, text = post(bot.url, json.dumps({"sender": SENDER, "message": "hej", "input_channel": CHANNEL}).encode())
    assert status == 200 and "Kevin" not in text
    status, messages = bot.send(SENDER, "jag bor i kungälv")
    assert status == 200
    return replies


def stored(bot) -> str:
    with sqlite3.connect(bot.db) as conn:
        tables = [t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        assert "events" in tables
        rows = [row for t in tables for row in conn.execute(f'SELECT * FROM "{t}"')]
    assert rows, "the bot stored nothing: is the tracker store configured?"
    # raw JSON as written, and decoded (json.dumps escapes å/ä/ö and would hide a match)
    text = "\n".join(" ".join("" if v is None else str(v) for v in row) for row in rows)
    decoded = "\n".join(json.dumps(json.loads(r[-1]), ensure_ascii=False) for r in rows if r[-1])
    return text + "\n" + decoded


def test_database_holds_no_identifying_details(server, talked):
    bot = server["bot"]
    data = stored(bot)
    for secret in SECRETS + DIGITS_ONLY:
        assert secret not in data, f"{secret!r} is stored"
    # slots, entities and metadata are there, scrubbed
    assert '"metadata": {"telefon": "[telefon]", "anteckning": "jag heter [namn]", "pnr": "[personnummer]", ' in data
    assert '"nested": {"timestamp": "[personnummer]", "policy": "jag heter [namn]"}, "float": "[telefon]"' in data
    assert '"input_channel": "rest"' in data  # the made-up channel name (CHANNEL) is not kept
    assert '"name": "municipality", "value": "kungalv"' in data
    for placeholder in (privacy.NAME, privacy.PERSONNUMMER, privacy.PHONE, privacy.EMAIL, privacy.ADDRESS):
        assert placeholder in data


def test_the_statistics_hold_counts_only_one_per_reply(server, talked):
    """The lägesbild's counters beside the tracker store: every answered message counted once, the conversation
    once, and nothing of what was written or who wrote it."""
    bot = server["bot"]
    deadline = time.monotonic() + 20
    while True:  # the counters are stored every half second (tools/botserver.py)
        if bot.statistics_db.exists():
            with sqlite3.connect(bot.statistics_db) as conn:
                rows = conn.execute("SELECT * FROM lagesbild").fetchall()
                tables = [t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
            replies = sum(r[-1] for r in rows if r[1] == "reply")
            if replies >= len(MESSAGES) + 2 or time.monotonic() > deadline:
                break
        elif time.monotonic() > deadline:
            pytest.fail("no statistics database beside the tracker store")
        time.sleep(0.5)
    assert tables == ["lagesbild"]
    assert replies == len(MESSAGES) + 2  # every message this module sent got one reply
    started = sum(r[-1] for r in rows if r[1] == "conversation_started")
    continued = sum(r[-1] for r in rows if r[1] == "conversation_continued")
    assert (started, continued) == (1, 1)  # one conversation, and it went on after the first reply
    dump = repr(rows)
    for secret in SECRETS + DIGITS_ONLY + [SENDER, storage.SENDER_PREFIX, "slår", "pappa", "Storstad"]:
        assert secret not in dump, secret
    assert {r[5] for r in rows if r[1] == "reply"} == {"rest"}  # the made-up channel name counts as rest


def test_slash_messages_are_neither_obeyed_nor_an_error(talked):
    restart, municipality, *_ = reversed(talked)  # the last messages were the "/" ones
    assert "Storstad" not in reply_text(municipality) and "0900" not in reply_text(municipality)
    assert "tekniskt fel" not in reply_text(restart), "/restart got the technical-error reply"


def test_the_database_the_wal_and_the_log_are_private(server, talked):
    bot = server["bot"]
    files = [p for p in (bot.db, bot.db.with_name(bot.db.name + "-wal"), bot.db.with_name(bot.db.name + "-shm"))
             if p.exists()]
    assert bot.db in files
    for path in files:
        assert stat.S_IMODE(os.stat(path).st_mode) & 0o077 == 0, f"{path.name} can be read by others"


def test_conversation_id_is_stored_as_keyed_hash(server, talked):
    bot = server["bot"]
    data = stored(bot)
    assert SENDER not in data
    key = storage.load_key(bot.key_file)  # STODLOTSEN_HASH_KEY wins, as in the bot
    with sqlite3.connect(bot.db) as conn:
        senders = {s for (s,) in conn.execute("SELECT DISTINCT sender_id FROM events")}
    assert storage.hash_sender(SENDER, key) in senders
    assert all(s.startswith(storage.SENDER_PREFIX) for s in senders)


def test_conversation_still_works_with_the_remembered_municipality(server, talked):
    status, messages = server["bot"].send(SENDER, "finns det nån fritidsgård man kan gå till efter skolan")
    text = reply_text(messages)
    assert status == 200 and "Kungälv" in text and "fritidsg" in text.lower()


def test_log_holds_no_message_text(server, talked):
    log = (server["bot"].workdir / "bot.log").read_text(errors="replace")
    assert "Registered function for 'action_route'" in log, "the log is not the bot's log"
    for text in MESSAGES:
        assert text not in log and text.lstrip("/") not in log
    for secret in SECRETS + DIGITS_ONLY + [SENDER]:
        assert secret not in log, f"{secret!r} is in the log"
    assert "ERROR" not in log, [line for line in log.splitlines() if "ERROR" in line]


def test_no_version_banner_and_only_json_bodies(server):
    bot = server["bot"]
    with urllib.request.urlopen(f"http://127.0.0.1:{bot.rasa_port}/", timeout=10) as resp:
        text = resp.read().decode()
        assert "Rasa" not in text and "3.6" not in text and "Rasa" not in (resp.headers.get("Server") or "")
    # what a page on another site can send without a CORS preflight
    for content_type in ("text/plain", "application/x-www-form-urlencoded"):
        req = urllib.request.Request(bot.url, data=json.dumps({"sender": "x-site", "message": "hej"}).encode(),
                                     headers={"Content-Type": content_type})
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(req, timeout=20)
        assert err.value.code == 415


def test_large_metadata_is_refused_and_the_bot_goes_on(server):
    bot = server["bot"]
    status, _ = bot.send(f"big-{uuid.uuid4().hex}", "hej", metadata={"blob": "ab " * 600_000})
    assert status == 413
    status, messages = bot.send(f"after-{uuid.uuid4().hex}", "jag blir mobbad")
    assert status == 200 and "116 111" in reply_text(messages)


def test_a_flood_from_one_sender_gets_a_short_reply_and_is_not_stored(server):
    bot = server["bot"]
    sender = f"flood-{uuid.uuid4().hex}"
    answers = []

    def one():
        answers.append(bot.send(sender, "hej hej"))

    threads = [threading.Thread(target=one) for _ in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(status == 200 and reply_text(m).strip() for status, m in answers)
    too_fast = [m for _, m in answers if "snabbare än jag hinner" in reply_text(m)]
    assert len(too_fast) >= 20, len(too_fast)
    key = storage.load_key(bot.key_file)
    with sqlite3.connect(bot.db) as conn:
        (stored,) = conn.execute("SELECT count(*) FROM events WHERE sender_id = ? AND type_name = 'user'",
                                 (storage.hash_sender(sender, key),)).fetchone()
    assert stored == 40 - len(too_fast) and stored <= 20


def post(url: str, body: bytes) -> tuple[int, str]:
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=20) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_action_server_errors_do_not_echo_the_request(server):
    bot = server["bot"]
    url = f"http://127.0.0.1:{bot.actions_port}/webhook"
    secret = "jag heter Kevin Lindqvist 070-123 45 67"
    # rasa-sdk's own handler answers these with {"error": ..., "request_body": <the whole request>}
    crashing = {"next_action": "action_route", "version": "3.6.21", "tracker": f"{SENDER} {secret}", "domain": {}}
    no_sender = {"next_action": "action_route", "tracker": {"latest_message": {"text": secret}}, "domain": {}}
    for body in (json.dumps(crashing).encode(), json.dumps(no_sender).encode(), ("{not json " + secret).encode()):
        status, text = post(url, body)
        assert status >= 400
        assert "Kevin" not in text and "070-123" not in text and SENDER not in text
        assert set(json.loads(text)) == {"error"}, text  # no "request_body", nothing else
    assert "Kevin" not in (bot.workdir / "bot.log").read_text(errors="replace")


def _listening_addresses(port: int) -> set:
    """Local addresses of sockets listening on *port* (from /proc/net/tcp and tcp6)."""
    found = set()
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(name).read().splitlines()[1:]  # noqa: SIM115
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            address, hex_port = fields[1].split(":")
            if int(hex_port, 16) == port and fields[3] == "0A":  # 0A = LISTEN
                found.add(address)
    return found


def test_action_server_listens_on_loopback_only(server):
    addresses = _listening_addresses(server["bot"].actions_port)
    assert addresses == {"0100007F"}, addresses  # 127.0.0.1, nothing else (no 0.0.0.0, no ::)


def test_rasa_http_api_is_off(server):
    bot = server["bot"]
    for path in (f"/conversations/{SENDER}/tracker", "/status", "/version/../model"):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{bot.rasa_port}{path}", timeout=10) as resp:
                status = resp.status
        except urllib.error.HTTPError as e:
            status = e.code
        assert status in (401, 403, 404), path
    # make run turns the API on only together with a token
    api_lines = [line for line in (ROOT / "tools" / "run.sh").read_text().splitlines()
                 if "--enable-api" in line and not line.lstrip().startswith("#")]
    assert api_lines and all("--auth-token" in line for line in api_lines)


def test_restart_keeps_the_conversation(server, talked):
    """Stop Rasa and the action server, start them again on the same database: the state is there."""
    old = server["bot"]
    old.stop()
    server["bot"] = BotServer(old.workdir).start()
    status, messages = server["bot"].send(SENDER, "finns det nån fritidsgård man kan gå till efter skolan")
    text = reply_text(messages)
    assert status == 200 and "Kungälv" in text, text

