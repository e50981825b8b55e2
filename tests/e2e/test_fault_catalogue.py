"""Fault: the catalogue cannot be read when the bot starts (end to end).

The bot starts anyway, says loudly in the log what is wrong (KATALOGFEL + file and problem) and
answers with the built-in emergency replies.
"""
import uuid

import pytest

from tests.support.markers import found, reply_text
from tools.botserver import MODEL, BotServer


@pytest.fixture(scope="module")
def bot(tmp_path_factory):
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` first")
    workdir = tmp_path_factory.mktemp("bot")
    broken = workdir / "resources.yml"
    broken.write_text("resources:\n  - id: bris\n    phone: [116 111\n", encoding="utf-8")
    server = BotServer(workdir, env={"STODLOTSEN_CATALOGUE": str(broken)}).start()
    yield server
    server.stop()


def test_the_log_says_loudly_what_is_wrong(bot):
    log = (bot.workdir / "bot.log").read_text(errors="replace")
    errors = [line for line in log.splitlines() if "KATALOGFEL" in line]
    assert errors, bot.log_tail()
    assert "resources.yml" in errors[0] and "inbyggda nödsvar" in errors[0]


def test_a_crisis_gets_112_and_90101(bot):
    status, messages = bot.send(f"cat-{uuid.uuid4().hex[:10]}", "jag orkar inte leva mer, vill dö")
    assert status == 200
    assert "112" in messages[0]["text"]
    assert {"akut", "sjalvmord"} <= found(reply_text(messages))


def test_a_core_need_gets_bris_and_the_tip_line(bot):
    status, messages = bot.send(f"cat-{uuid.uuid4().hex[:10]}", "jag blir mobbad i skolan")
    assert status == 200
    assert {"bris", "tips_polis", "akut"} <= found(reply_text(messages))
