"""Fault: the action server accepts the call but never answers in time (end to end).

Rasa is pointed at a stub action server that sleeps far longer than the channel's time limit
(STODLOTSEN_REPLY_TIMEOUT=3 s, while Rasa itself would wait 60 s): the person still gets the
safe static reply, and the channel keeps answering the next message.
"""
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.support.markers import found, reply_text
from tools.botserver import MODEL, BotServer, free_port

REPLY_TIMEOUT = 3


class SlowActions(BaseHTTPRequestHandler):
    calls = 0

    def do_POST(self):  # noqa: N802 - http.server's naming
        type(self).calls += 1
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        time.sleep(30)
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"events": [], "responses": []}')
        except OSError:
            pass  # Rasa gave up and closed the connection

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def bot(tmp_path_factory):
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` first")
    stub = ThreadingHTTPServer(("127.0.0.1", free_port()), SlowActions)
    stub.daemon_threads = True
    threading.Thread(target=stub.serve_forever, daemon=True).start()
    server = BotServer(tmp_path_factory.mktemp("bot"), actions_url=f"http://127.0.0.1:{stub.server_port}/webhook",
                       env={"STODLOTSEN_REPLY_TIMEOUT": str(REPLY_TIMEOUT), "STODLOTSEN_ACTION_TIMEOUT": "60"}).start()
    yield server
    server.stop()
    stub.shutdown()
    stub.server_close()


def test_a_slow_action_server_still_gets_the_crisis_numbers_out(bot):
    calls_before = SlowActions.calls
    status, messages = bot.send(f"slow-{uuid.uuid4().hex[:10]}", "jag vill ta livet av mig", timeout=60)
    assert status == 200
    assert "112" in messages[0]["text"]
    assert {"akut", "sjalvmord"} <= found(reply_text(messages))
    assert SlowActions.calls > calls_before  # the action server was really asked (and was slow)


def test_a_slow_action_server_still_gets_a_core_need_answered(bot):
    sender = f"slow-{uuid.uuid4().hex[:10]}"
    for text in ("jag blir mobbad i skolan", "mamma dricker alkohol varje kväll"):
        status, messages = bot.send(sender, text, timeout=60)
        assert status == 200
        names = found(reply_text(messages))
        assert "bris" in names and names & {"tips_polis", "akut"}
