"""End to end: start the bot and check the first reply to our own routing cases (tests/routing_cases.yml)."""
import uuid

import pytest
import yaml

from tests.conftest import ROOT
from tests.support.markers import check_cases, found, reply_text

CASES = yaml.safe_load((ROOT / "tests" / "routing_cases.yml").read_text(encoding="utf-8"))
MIN_PASS = 0.90


def ask(bot, turns):
    sender = f"e2e-{uuid.uuid4().hex[:10]}"
    messages = []
    for turn in turns:
        status, messages = bot.send(sender, turn)
        assert status == 200
    return messages


def test_routing_cases(bot):
    check_cases("routing", CASES, lambda turns: reply_text(ask(bot, turns)), MIN_PASS)


@pytest.mark.parametrize(
    "message",
    ["", "   ", "😀😀😀", "x" * 5000, "hej " * 1250, "Where can I find the library?", "asdkjh qwpoeiru zzxv",
     "<script>alert(1)</script>", "مرحبا كيف حالك"],
    ids=["empty", "spaces", "emoji", "5000-x", "5000-words", "english", "gibberish", "html", "arabic"],
)
def test_bad_input_gets_a_polite_reply(bot, message):
    messages = ask(bot, [message])
    assert reply_text(messages).strip(), "no reply"


def test_a_calm_idiom_never_raises_the_alarm(bot):
    assert "akut" not in found(reply_text(ask(bot, ["jag dog nästan av skratt igår"])))


def test_conversation_keeps_the_municipality(bot):
    text = reply_text(ask(bot, ["jag bor i kungälv", "finns det nån fritidsgård man kan gå till efter skolan"]))
    assert "Kungälv" in text and "fritidsg" in text.lower()
    assert "Söderhamn" not in text


def test_channel_metadata_sets_the_municipality(bot):
    status, messages = bot.send(f"e2e-{uuid.uuid4().hex[:10]}", "finns det nån fritidsgård man kan gå till efter skolan",
                                metadata={"municipality": "soderhamn"})
    assert status == 200
    text = reply_text(messages)
    assert "Söderhamn" in text and "Kungälv" not in text
