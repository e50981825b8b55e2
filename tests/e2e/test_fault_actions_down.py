"""Fault: the action server stops mid-conversation and comes back (end to end).

While it is down, a crisis still gets 112 and Mind Självmordslinjen 90101 in the first reply and
a core need gets Bris and 114 14 / 112, and even a greeting gets the static reply with 112 and
Bris (every turn goes through the action server); when it is back, the bot answers from the catalogue again
by itself.
"""
import re
import socket
import time
import urllib.error
import urllib.request
import uuid

import pytest

from tests.support.markers import found, reply_text

TECHNICAL = "tekniskt fel"


def say(bot, sender, text):
    status, messages = bot.send(sender, text)
    assert status == 200, bot.log_tail()
    return messages


def test_stop_the_action_server_mid_conversation_then_start_it(bot):
    sender = f"fault-{uuid.uuid4().hex[:10]}"
    normal = say(bot, sender, "jag blir mobbad i skolan")
    assert "bris" in found(reply_text(normal)) and TECHNICAL not in reply_text(normal)

    bot.stop_actions()
    try:
        crisis = say(bot, sender, "jag vill inte leva längre")
        assert "112" in crisis[0]["text"], crisis
        assert {"akut", "sjalvmord"} <= found(reply_text(crisis))

        core = say(bot, sender, "min pappa slår mig när han är full")
        names = found(reply_text(core))
        assert "bris" in names and names & {"tips_polis", "akut"}

        other = say(bot, f"fault-{uuid.uuid4().hex[:10]}", "jag är orolig för ett barn i min klass")
        assert "bris" in found(reply_text(other))
        greeting = reply_text(say(bot, sender, "hej"))  # a greeting too: every message gets 112 and Bris
        assert TECHNICAL in greeting and {"bris", "akut"} <= found(greeting), greeting
    finally:
        bot.start_actions()

    deadline = time.monotonic() + 20
    while True:
        back = say(bot, sender, "jag blir mobbad i skolan")
        if TECHNICAL not in reply_text(back) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert TECHNICAL not in reply_text(back) and "bris" in found(reply_text(back)), reply_text(back)


def metric(bot, name: str) -> float:
    """The value of one series on the bot's /metrics (0 when it is not there yet)."""
    with urllib.request.urlopen(bot.metrics_url, timeout=5) as resp:
        text = resp.read().decode()
    found_value = re.search(r"^" + re.escape(name) + r" ([0-9.e+]+)$", text, re.MULTILINE)
    return float(found_value.group(1)) if found_value else 0.0


def test_metrics_count_the_static_replies_sent_while_the_action_server_was_down(bot):
    # The module's first test stopped the action server and sent four messages meanwhile.
    assert metric(bot, 'stodlotsen_static_replies_total{reason="no_reply"}') >= 4
    assert metric(bot, "stodlotsen_action_server_failures_total") >= 4
    assert metric(bot, 'stodlotsen_crisis_messages_total{kind="suicidal"}') >= 1
    assert metric(bot, 'stodlotsen_messages_total{channel="rest"}') >= 6
    assert metric(bot, 'stodlotsen_reply_seconds_count{channel="rest"}') >= 6


def _other_addresses() -> list:
    """This machine's addresses outside loopback (none in some sandboxes)."""
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
    except OSError:
        return []
    return sorted({i[4][0] for i in infos if not i[4][0].startswith("127.")})


def test_metrics_listen_on_loopback_only_and_not_on_rasas_port(bot):
    assert metric(bot, "stodlotsen_static_replies_total{reason=\"timeout\"}") >= 0  # loopback answers
    for address in _other_addresses():
        with socket.socket() as s, pytest.raises(OSError):
            s.settimeout(2)
            s.connect((address, bot.metrics_port))
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"http://127.0.0.1:{bot.rasa_port}/metrics", timeout=5)
    assert refused.value.code == 404


def test_the_log_names_the_fault_but_not_the_message(bot):
    log = (bot.workdir / "bot.log").read_text(errors="replace")
    assert "inbyggda nödsvaret" in log
    assert "inte leva längre" not in log and "slår mig när han är full" not in log
