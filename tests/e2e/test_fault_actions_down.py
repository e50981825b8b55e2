"""Fault: the action server stops mid-conversation and comes back (end to end).

While it is down, a crisis still gets 112 and Mind Självmordslinjen 90101 in the first reply and
a core need gets Bris and 114 14 / 112, and even a greeting gets the static reply with 112 and
Bris (every turn goes through the action server); when it is back, the bot answers from the catalogue again
by itself.
"""
import time
import uuid

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


def test_the_log_names_the_fault_but_not_the_message(bot):
    log = (bot.workdir / "bot.log").read_text(errors="replace")
    assert "inbyggda nödsvaret" in log
    assert "inte leva längre" not in log and "slår mig när han är full" not in log
