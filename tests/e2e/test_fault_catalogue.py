"""Fault: the catalogue cannot be read when the bot starts (end to end).

The bot starts anyway, says loudly in the log what is wrong (KATALOGFEL + file and problem) and
answers with the built-in emergency replies.
"""
import uuid

import pytest

from tests.support.markers import found, reply_text
from tools.botserver import MODEL, on_catalogue


@pytest.fixture(scope="module")
def bot(tmp_path_factory):
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` first")
    server = on_catalogue(tmp_path_factory.mktemp("bot"), "resources:\n  - id: bris\n    phone: [116 111\n").start()
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


# ---------------------------------------------------------------- a restart with a broken file (issue 26)

# Söderhamn's own family support, added as staff would (the shipped file may not have one yet); a number that is in
# no other file, so a reply that gives it can only come from the last good version.
SODERHAMN_FAMILY = '''  - id: soderhamn_familjestod_prov
    name: Familjestödet i Söderhamn
    municipality: soderhamn
    service: familjestod
    about:
      adult: "Familjestödet i Söderhamn ger råd och stöd till föräldrar."
    phone: "0270-999 01"
    source: "test (tests/e2e/test_fault_catalogue.py)"
    last_verified: 2026-11-22
'''
PARENT_IN_SODERHAMN = "Jag är orolig för min son, han har börjat röka på och skolkar. Vi bor i Söderhamn."


def soderhamn_family_phones(text: str) -> set[str]:
    from bot import catalogue_file

    cat = catalogue_file.parse(text)
    return {r.phone for r in cat.resources if r.municipality == "soderhamn" and r.service == "familjestod" and r.phone}


@pytest.fixture(scope="module")
def restarted(tmp_path_factory):
    """The bot with a good catalogue, stopped; the file broken by an edit; the bot started again."""
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` first")
    from tests.support.catalogue_edits import SHIPPED

    start = SHIPPED.index("  - id: soderhamn_fritid\n")
    good = SHIPPED[:start] + SODERHAMN_FAMILY + SHIPPED[start:]
    server = on_catalogue(tmp_path_factory.mktemp("omstart"), good).start()
    before = server.send(f"cat-{uuid.uuid4().hex[:10]}", PARENT_IN_SODERHAMN)
    server.stop()
    server.catalogue.write_text(good.replace('phone: "116 111"', 'phone: "11G 111"'), encoding="utf-8")  # a typo, a restart
    server.start()
    yield server, good, before
    server.stop()


def test_the_running_bot_answered_a_parent_in_soderhamn_with_soderhamns_family_support(restarted):
    _server, good, (status, messages) = restarted
    assert status == 200 and "0270-999 01" in soderhamn_family_phones(good)
    assert any(phone in reply_text(messages) for phone in soderhamn_family_phones(good)), reply_text(messages)


def test_after_a_restart_with_a_broken_file_a_parent_in_soderhamn_still_gets_soderhamns_resources(restarted):
    server, good, _ = restarted
    status, messages = server.send(f"cat-{uuid.uuid4().hex[:10]}", PARENT_IN_SODERHAMN)
    text = reply_text(messages)
    assert status == 200
    assert any(phone in text for phone in soderhamn_family_phones(good)), text
    assert "bris_vuxen" in found(text) or "familjestod" in found(text), text


def test_the_log_says_the_last_good_version_is_used_and_why(restarted):
    server, _, _ = restarted
    log = (server.workdir / "bot.log").read_text(errors="replace")
    said = [line for line in log.splitlines() if "KATALOGFEL" in line]
    assert said, server.log_tail()
    assert "senast fungerande katalogen, sparad" in said[0] and "senast-fungerande" in said[0]
    assert "'11G 111' innehåller bokstäver" in log
    assert "inbyggda nödsvar" not in log  # not the bare emergency replies
