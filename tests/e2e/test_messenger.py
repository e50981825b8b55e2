"""End to end: the Messenger webhook of a running bot, with a local stub of the Send API (no internet).

The bot runs with FB_* secrets and FB_GRAPH_URL pointing at a stub HTTP server in this process that
records every Send API request.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bot import storage
from rasa_wing.channels import inbound
from tools.botserver import MODEL, BotServer

VERIFY = "verifiera-mig"
SECRET = "appens-hemlighet"
TOKEN = "sidans-token"


class GraphStub:
    """Records POST /<version>/me/messages like the Send API and answers as it does."""

    def __init__(self):
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                url = urllib.parse.urlsplit(self.path)
                with stub.lock:
                    stub.requests.append({"path": url.path, "query": urllib.parse.parse_qs(url.query), "body": body})
                answer = json.dumps({"recipient_id": body.get("recipient", {}).get("id"), "message_id": "m.1"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def for_recipient(self, psid: str) -> list[dict]:
        with self.lock:
            return [r for r in self.requests if r["body"].get("recipient", {}).get("id") == psid]

    def settle(self, before: int, quiet: float = 3.0, nothing: float = 8.0, timeout: float = 60.0) -> None:
        """Wait for the replies to a call made when the stub had *before* requests: until no Send API call has come
        for *quiet* seconds after the first new one, or none at all for *nothing* seconds. The webhook answers 200
        first and handles the events afterwards (issue 27), so the replies come after the POST returns."""
        started = time.monotonic()
        seen, since = before, started
        while time.monotonic() - started < timeout:
            with self.lock:
                count = len(self.requests)
            if count != seen:
                seen, since = count, time.monotonic()
            elif time.monotonic() - since >= (quiet if seen > before else nothing):
                return
            time.sleep(0.1)

    def count(self) -> int:
        with self.lock:
            return len(self.requests)


STUB: list = []  # the module's Send API stub, for post()


@pytest.fixture(scope="module")
def graph():
    stub = GraphStub()
    STUB[:] = [stub]
    yield stub
    STUB.clear()
    stub.server.shutdown()


@pytest.fixture(scope="module")
def bot(tmp_path_factory, graph):
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` first")
    env = {"FB_VERIFY_TOKEN": VERIFY, "FB_APP_SECRET": SECRET, "FB_PAGE_ACCESS_TOKEN": TOKEN, "FB_GRAPH_URL": graph.url}
    server = BotServer(tmp_path_factory.mktemp("bot"), env=env).start()
    yield server
    server.stop()


def webhook_url(bot) -> str:
    return f"http://127.0.0.1:{bot.rasa_port}/webhooks/facebook/webhook"


def call(req: urllib.request.Request) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def event(psid: str, text: str | None = None, quick_reply: str | None = None) -> bytes:
    message = {"mid": "m_" + uuid.uuid4().hex, "text": text or quick_reply}
    if quick_reply:
        message["quick_reply"] = {"payload": quick_reply}
    return json.dumps({"object": "page", "entry": [{"id": "sida-1", "time": 1, "messaging": [
        {"sender": {"id": psid}, "recipient": {"id": "sida-1"}, "timestamp": 1, "message": message}]}]}).encode()


def post(bot, body: bytes, signature: str | None) -> tuple[int, str]:
    """POST to the webhook; after a 200, wait until the bot's replies have reached the Send API stub."""
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature
    before = STUB[0].count() if STUB else 0
    answer = call(urllib.request.Request(webhook_url(bot), data=body, headers=headers, method="POST"))
    if answer[0] == 200 and STUB:
        STUB[0].settle(before)
    return answer


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def texts(requests: list[dict]) -> str:
    parts = []
    for r in requests:
        message = r["body"].get("message") or {}
        parts.append(message.get("text") or message.get("attachment", {}).get("payload", {}).get("text", ""))
    return "\n".join(parts)


def test_verify_token_handshake(bot):
    query = urllib.parse.urlencode({"hub.mode": "subscribe", "hub.verify_token": VERIFY, "hub.challenge": "1158201444"})
    assert call(urllib.request.Request(webhook_url(bot) + "?" + query)) == (200, "1158201444")
    wrong = urllib.parse.urlencode({"hub.mode": "subscribe", "hub.verify_token": "gissning", "hub.challenge": "42"})
    status, body = call(urllib.request.Request(webhook_url(bot) + "?" + wrong))
    assert status == 403
    assert "42" not in body


@pytest.mark.parametrize(
    "signature",
    [None, "", "sha256=" + "0" * 64, "wrong-secret", "sha1-only"],
    ids=["missing", "empty", "zeros", "wrong-secret", "sha1-only"],
)
def test_bad_or_missing_signature_gets_403_and_no_reply(bot, graph, signature):
    psid = "bad-" + uuid.uuid4().hex[:8]
    body = event(psid, "alla i klassen är elaka mot mig")
    if signature == "wrong-secret":
        signature = sign(body, "en-annan-hemlighet")
    elif signature == "sha1-only":
        signature = "sha1=" + hmac.new(SECRET.encode(), body, hashlib.sha1).hexdigest()
    status, _ = post(bot, body, signature)
    assert status == 403
    # A correctly signed message sent after this one has been answered (post waits for its replies), so
    # anything the rejected one could have caused would be in the stub by now.
    ok_psid = "ok-" + uuid.uuid4().hex[:8]
    good = event(ok_psid, "hej")
    assert post(bot, good, sign(good))[0] == 200
    assert graph.for_recipient(ok_psid), "the correctly signed message got no reply"
    assert graph.for_recipient(psid) == []


def test_unsigned_calls_write_at_most_one_log_line_a_minute(bot, graph):
    """Each unsigned POST used to write a log line: a flood of them filled the log (issue 27)."""
    log = bot.workdir / "bot.log"

    def lines() -> int:
        return log.read_text(errors="replace").count("X-Hub-Signature-256")

    before = lines()
    for _ in range(30):
        body = event("unsigned-" + uuid.uuid4().hex[:8], "hej")
        assert post(bot, body, None)[0] == 403
    time.sleep(1)  # the log line, if any, is written
    assert lines() - before <= 1
    assert lines() >= 1, "an unsigned call is never logged at all"


def test_wrong_verify_tokens_write_at_most_one_log_line_a_minute(bot):
    log = bot.workdir / "bot.log"

    def lines() -> int:
        return log.read_text(errors="replace").count("verify token")

    before = lines()
    for i in range(30):
        query = urllib.parse.urlencode({"hub.mode": "subscribe", "hub.verify_token": f"gissning-{i}", "hub.challenge": "1"})
        assert call(urllib.request.Request(f"{webhook_url(bot)}?{query}"))[0] == 403
    time.sleep(1)
    assert lines() - before <= 1
    assert lines() >= 1, "a wrong verify token is never logged at all"


def test_signed_message_gets_the_swedish_reply_through_the_send_api(bot, graph):
    psid = "barn-" + uuid.uuid4().hex[:8]
    body = event(psid, "alla i klassen är elaka mot mig")
    assert post(bot, body, sign(body)) == (200, "EVENT_RECEIVED")
    sent = [r for r in graph.for_recipient(psid) if "message" in r["body"]]
    assert sent, "no Send API message"
    assert all(r["path"].endswith("/me/messages") and r["query"]["access_token"] == [TOKEN] for r in sent)
    reply = texts(sent)
    assert "Bris" in reply and "116 111" in reply
    assert "Det är inte ditt fel" in reply
    assert all(len(t) < 640 for t in reply.split("\n") if t)


def test_buttons_arrive_as_quick_replies_and_a_quick_reply_is_understood(bot, graph):
    psid = "vuxen-" + uuid.uuid4().hex[:8]
    body = event(psid, "jag är orolig för ett barn")
    assert post(bot, body, sign(body))[0] == 200
    sent = [r["body"]["message"] for r in graph.for_recipient(psid) if "message" in r["body"]]
    quick = [q for m in sent for q in m.get("quick_replies", [])]
    assert quick, f"no quick replies in {sent}"
    assert len(quick) <= 13 and all(len(q["title"]) <= 20 for q in quick)
    own = next(q for q in quick if q["title"] == "Mitt eget barn")
    before = len(graph.for_recipient(psid))
    answer = event(psid, quick_reply=own["payload"])
    assert post(bot, answer, sign(answer))[0] == 200
    reply = texts(graph.for_recipient(psid)[before:])
    assert "familjest" in reply.lower(), reply


def _stored_user_texts(bot, psid: str, at_least: int = 1, timeout: float = 30.0) -> list[str]:
    """The sender's stored messages, once at least *at_least* are there (the turn is stored after its replies)."""
    key = storage.load_key(bot.key_file)
    deadline = time.monotonic() + timeout
    while True:
        with sqlite3.connect(bot.db) as conn:
            rows = conn.execute("SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id",
                                (storage.hash_sender(psid, key),)).fetchall()
        if len(rows) >= at_least or time.monotonic() > deadline:
            return [json.loads(data)["text"] for (data,) in rows]
        time.sleep(0.2)


def test_a_replayed_signed_body_is_handled_once(bot, graph):
    psid = "replay-" + uuid.uuid4().hex[:8]
    body = event(psid, "alla i klassen är elaka mot mig")
    assert post(bot, body, sign(body)) == (200, "EVENT_RECEIVED")
    answered = len(graph.for_recipient(psid))
    assert answered
    assert post(bot, body, sign(body)) == (200, "EVENT_RECEIVED")
    assert len(graph.for_recipient(psid)) == answered, "the replay was answered again"
    assert len(_stored_user_texts(bot, psid)) == 1, "the replay was stored again"


def test_an_event_of_the_wrong_shape_costs_the_rest_of_the_batch_nothing(bot, graph):
    psid = "batch-" + uuid.uuid4().hex[:8]
    good = json.loads(event(psid, "jag blir mobbad"))["entry"][0]["messaging"][0]
    bad = [dict(good, sender="1234"), dict(good, sender={"id": 5}), dict(good, message="text"), "not an event"]
    body = json.dumps({"object": "page", "entry": [{"id": "sida-1", "messaging": [*bad, good]}, "x"]}).encode()
    assert post(bot, body, sign(body)) == (200, "EVENT_RECEIVED")
    assert "116 111" in texts(graph.for_recipient(psid))


def test_a_long_messenger_text_is_cut_like_rest(bot, graph):
    psid = "long-" + uuid.uuid4().hex[:8]
    body = event(psid, "jag blir mobbad " + "och " * 300_000 + "slut")
    assert post(bot, body, sign(body))[0] == 200
    (stored,) = _stored_user_texts(bot, psid)
    assert len(stored) <= inbound.MAX_CHARS and stored.endswith("slut")


def test_the_conversation_is_carried_by_the_sender_id_as_on_the_widget(bot, graph):
    """Messenger keeps the same state as REST: a follow-up after a need, and the crisis line after a goodbye."""
    def say(psid: str, text: str) -> str:
        before = len(graph.for_recipient(psid))
        body = event(psid, text)
        assert post(bot, body, sign(body))[0] == 200
        return texts(graph.for_recipient(psid)[before:])

    child = "foljd-" + uuid.uuid4().hex[:8]
    say(child, "dom i klassen trycker ner mig hela tiden")
    reply = say(child, "behöver jag säga vem jag är")
    assert "116 111" in reply and "anonym" in reply

    other = "kris-" + uuid.uuid4().hex[:8]
    say(other, "jag vill inte leva längre")
    goodbye = say(other, "ok tack hej då")
    assert "90101" in goodbye
    # the two senders' states never mix: the first child's goodbye is plain
    assert "90101" not in say(child, "ok tack hej då")


def test_the_webhook_answers_before_it_handles_a_batch(bot, graph):
    """100 events in one call: the 200 comes at once (Meta waits 20 s at most), every event is answered after it."""
    psids = ["many-" + uuid.uuid4().hex[:8] for _ in range(100)]
    messaging = [json.loads(event(p, "hej"))["entry"][0]["messaging"][0] for p in psids]
    body = json.dumps({"object": "page", "entry": [{"id": "sida-1", "time": 1, "messaging": messaging}]}).encode()
    started = time.monotonic()
    status, text = call(urllib.request.Request(webhook_url(bot), data=body, method="POST",
                                               headers={"Content-Type": "application/json", "X-Hub-Signature-256": sign(body)}))
    assert (status, text) == (200, "EVENT_RECEIVED")
    assert time.monotonic() - started < 5, "the webhook handled the batch before it answered"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not all(graph.for_recipient(p) for p in psids):
        time.sleep(0.5)
    assert all(graph.for_recipient(p) for p in psids), "an event of the batch was never answered"


def test_a_replayed_postback_is_handled_once(bot, graph):
    psid = "postback-" + uuid.uuid4().hex[:8]
    postback = {"sender": {"id": psid}, "recipient": {"id": "sida-1"}, "timestamp": 1_700_000_000_000,
                "postback": {"title": "Mitt eget barn", "payload": "hej", "mid": "m_" + uuid.uuid4().hex}}
    body = json.dumps({"object": "page", "entry": [{"id": "sida-1", "time": 1, "messaging": [postback]}]}).encode()
    assert post(bot, body, sign(body)) == (200, "EVENT_RECEIVED")
    answered = len(graph.for_recipient(psid))
    assert answered
    assert post(bot, body, sign(body)) == (200, "EVENT_RECEIVED")
    assert len(graph.for_recipient(psid)) == answered, "the replayed postback was answered again"
    assert len(_stored_user_texts(bot, psid)) == 1
