"""What the channels let through to Rasa (bot.payloads, rasa_wing.channels.inbound, the Messenger
channel's own checks) and what reaches the log (rasa_wing.log_guard); in-process, no bot running."""
import asyncio
import json
import logging
import os
import warnings

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
from rasa.shared.nlu.training_data.message import Message

from bot import fallback, payloads
from rasa_wing import compat, hardening, log_guard
from rasa_wing.channels import inbound
from rasa_wing.channels.inbound import Rejected, SenderRate, is_json, parse_rest_body
from rasa_wing.channels.messenger import DEDUPE_SECONDS, MessengerInput
from tests.conftest import ROOT
from tests.support.markers import found, reply_text

ATTACKS = [
    "/jag heter Kevin Lindqvist, 070-123 45 67, pappa slår mig",
    '/inform_municipality{"municipality": "Storstad. Ring 0900-123 45 67"}',
    "/restart",
    "  /greet",
    "//child_wellbeing",
    "/child_wellbeing@0.1",
    "/",
]


def body(**fields) -> bytes:
    return json.dumps({"sender": "s1", "message": "hej", **fields}).encode()


# --- "/" messages ------------------------------------------------------------------------------------

def test_the_offered_payloads_come_from_the_domain_and_the_catalogue(shipped):
    offered = payloads.offered()
    assert {"/child_wellbeing", "/acute_danger"} <= offered  # utter_menu in domain.yml
    assert {"/" + b.intent for n in shipped.needs.values() if n.ask for b in n.ask.buttons} <= offered
    assert "/restart" not in offered and "/greet" not in offered


def test_a_new_button_in_the_data_works_without_a_code_change(tmp_path, mini):
    domain = tmp_path / "domain.yml"
    domain.write_text('responses:\n  utter_x:\n    - text: "Välj"\n      buttons:\n'
                      '        - {title: "Ny", payload: "/ny_knapp"}\n', encoding="utf-8")
    assert payloads.domain_payloads(domain) == {"/ny_knapp"}
    asked = {"/" + b.intent for n in mini.needs.values() if n.ask for b in n.ask.buttons}
    assert payloads.catalogue_payloads(mini) == asked


@pytest.mark.parametrize("text", ATTACKS)
def test_a_slash_message_that_is_no_offered_payload_is_plain_text(text):
    out = payloads.as_text(text)
    assert not out.startswith("/") and "{" not in out[:1]
    assert out == text.strip().lstrip("/ ")


@pytest.mark.parametrize("text", sorted(payloads.offered()))
def test_an_offered_button_payload_passes_unchanged(text):
    assert payloads.as_text(text) == text
    assert parse_rest_body(body(message=text)).text == text


@pytest.mark.parametrize("text", ATTACKS)
def test_rasa_neither_obeys_nor_quotes_what_the_channel_passes_on(text):
    """Rasa's RegexMessageHandler turns "/" text into an intent and warns with the whole line."""
    domain = Domain.load(str(ROOT / "domain.yml"))
    passed = parse_rest_body(body(message=text)).text
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        message = YAMLStoryReader.unpack_regex_message(Message({"text": passed}), domain)
    assert message.get("intent") is None and not message.get("entities")
    assert caught == []


# --- what else the REST body may hold ------------------------------------------------------------------

def test_metadata_is_limited_to_a_few_kilobytes():
    ok = parse_rest_body(body(metadata={"kommun": "kungalv"}))
    assert ok.metadata == {"kommun": "kungalv"}
    big = parse_rest_body(body(metadata={"x": "a" * inbound.MAX_METADATA_BYTES}))
    assert isinstance(big, Rejected) and big.status == 413 and "aaaa" not in big.error


def test_only_known_channel_names_are_taken_from_the_body():
    assert parse_rest_body(body(input_channel="Kevin 070-123 45 67")).input_channel is None
    assert parse_rest_body(body(input_channel={"x": 1})).input_channel is None
    assert parse_rest_body(body(input_channel="rest")).input_channel == "rest"


@pytest.mark.parametrize("header,ok", [("application/json", True), ("application/json; charset=utf-8", True),
                                       ("Application/JSON", True), ("text/plain", False), ("", False), (None, False),
                                       ("application/x-www-form-urlencoded", False), ("multipart/form-data", False)])
def test_only_a_json_body_is_read(header, ok):
    assert is_json(header) is ok


# --- rate limit --------------------------------------------------------------------------------------

def test_a_sender_gets_a_burst_then_a_couple_of_messages_a_second():
    now = [0.0]
    rate = SenderRate(per_second=2, burst=5, senders=3, clock=lambda: now[0])
    assert [rate.allow("a") for _ in range(7)] == [True] * 5 + [False] * 2
    assert rate.allow("b"), "another sender has an allowance of its own"
    now[0] += 0.5
    assert rate.allow("a") and not rate.allow("a")
    now[0] += 60
    assert sum(rate.allow("a") for _ in range(10)) == 5, "the allowance never grows past the burst"
    for sender in "cdef":
        rate.allow(sender)
    assert len(rate._buckets) == 3, "only the senders seen last are kept"


def test_the_too_fast_reply_is_short_and_keeps_the_crisis_numbers():
    plain = reply_text(fallback.too_fast_reply("hej hej"))
    assert "Vänta" in plain and {"akut", "bris"} <= found(plain)
    crisis = reply_text(fallback.too_fast_reply("jag vill inte leva längre"))
    assert {"akut", "sjalvmord", "bris"} <= found(crisis)


# --- Messenger ---------------------------------------------------------------------------------------

def test_messenger_skips_a_message_id_it_handled_a_moment_ago():
    channel = MessengerInput("v", "s", "t")
    assert channel.first_time("m_1", now=100.0)
    assert not channel.first_time("m_1", now=101.0)
    assert channel.first_time("m_2", now=101.0)
    assert channel.first_time("m_1", now=102.0 + DEDUPE_SECONDS), "forgotten after a while"
    assert channel.first_time(None) and channel.first_time(None), "no id: nothing to compare"


class _Out:
    def __init__(self):
        self.sent = []

    async def send_text_message(self, recipient, text, **kwargs):
        self.sent.append((recipient, text))

    async def send_action(self, recipient, action):
        self.sent.append((recipient, action))


@pytest.mark.parametrize("event", [
    {"sender": "1234", "message": {"mid": "m_a", "text": "hej"}},
    {"sender": ["1234"], "message": {"mid": "m_b", "text": "hej"}},
    {"sender": {"id": 1234}, "message": {"mid": "m_c", "text": "hej"}},
    {"sender": {"id": "1234"}, "message": "hej"},
    {"sender": {"id": "1234"}, "message": {"mid": "m_d", "text": ["hej"]}},
    {"sender": {"id": "1234"}, "postback": "hej"},
])
def test_messenger_skips_an_event_of_the_wrong_shape(event):
    out, handled, handle = _messenger()
    handle(event)
    assert handled == [] and out.sent == []


def _messenger():
    """A Messenger channel with a recording output channel: (output, handled messages, handle(event))."""
    channel = MessengerInput("v", "s", "t")
    out = _Out()
    channel.get_output_channel = lambda: out
    handled = []

    async def on_new_message(message):
        handled.append(message)

    return out, handled, lambda event: asyncio.run(channel._handle(event, on_new_message))


def test_messenger_text_is_cleaned_cut_and_slash_checked_like_rest():
    _, handled, handle = _messenger()
    for i, text in enumerate(["a\x00b" + "x" * 200_000, "/restart", "/child_wellbeing"]):
        handle({"sender": {"id": "p1"}, "message": {"mid": f"m_{i}", "text": text}})
    assert len(handled[0].text) == inbound.MAX_CHARS and "\x00" not in handled[0].text
    assert [m.text for m in handled[1:]] == ["restart", "/child_wellbeing"]
    assert all(m.metadata is None for m in handled)


# --- the log -----------------------------------------------------------------------------------------

def test_a_log_line_never_holds_the_message_being_handled(caplog):
    log_guard.install()
    logger = logging.getLogger("rasa.somewhere")
    secret = "jag heter Kevin Lindqvist, 070-123 45 67"
    with caplog.at_level(logging.INFO), log_guard.handling(secret):
        logger.warning("Could not parse %s because %r", secret, {"text": secret})
        asyncio.run(asyncio.sleep(0))  # a task started now inherits the text

        async def in_a_task():
            logger.error("in a task: " + secret)

        asyncio.run(in_a_task())
    logger.warning("Failed to parse arguments in line '/anything the user wrote'. Continuing without it.")
    logger.warning(json.dumps({"event": "message.parsing.failed", "user_text": "Lisa 0701234567", "level": "warning"}))
    text = caplog.text
    assert "Kevin" not in text and "070-123" not in text and "Lisa" not in text and "anything the user" not in text
    assert text.count(log_guard.REDACTED) >= 4
    assert "message.parsing.failed" in text, "the line itself is kept"


def test_short_or_other_text_is_left_alone():
    with log_guard.handling("ja"):
        assert log_guard.redact("Startar Rasa, ja") == "Startar Rasa, ja"
    assert log_guard.redact("Katalogen är inläst (22 resurser).") == "Katalogen är inläst (22 resurser)."


# --- Rasa's web server -----------------------------------------------------------------------------

@pytest.fixture
def rasa_server(monkeypatch):
    """rasa.server with its two functions restored after the test, and the umask too."""
    import rasa.server

    monkeypatch.setattr(rasa.server, "add_root_route", rasa.server.add_root_route)
    monkeypatch.setattr(rasa.server, "configure_cors", rasa.server.configure_cors)
    umask = os.umask(0o022)
    os.umask(umask)
    yield rasa.server
    os.umask(umask)


def test_the_banner_and_cors_are_replaced_on_the_tested_rasa(rasa_server):
    hardening.install()
    assert rasa_server.add_root_route is hardening.add_root_route
    assert rasa_server.configure_cors is hardening.configure_cors
    assert os.umask(0o077) == 0o077


def test_an_untested_rasa_keeps_its_own_web_server_and_says_so(rasa_server, monkeypatch, caplog):
    own = rasa_server.add_root_route
    monkeypatch.setattr(compat, "installed_version", lambda package: "3.7.0")
    with caplog.at_level(logging.WARNING):
        hardening.install()
    assert rasa_server.add_root_route is own and "används inte" in caplog.text
    assert os.umask(0o077) == 0o077, "the file modes do not depend on the Rasa version"


def test_only_the_municipality_of_the_metadata_is_kept_as_a_catalogue_id():
    sent = {"kommun": "Kungälv", "anteckning": "jag heter Lisa", "pnr": "19121212-1212", "nested": {"a": [1, 2]}}
    assert parse_rest_body(body(metadata=sent)).metadata == {"kommun": "kungalv"}
    assert parse_rest_body(body(metadata={"municipality": "nykoping", "x": 1})).metadata == {"municipality": "nykoping"}
    assert parse_rest_body(body(metadata={"kommun": "Storstad 070-123 45 67"})).metadata is None
    assert parse_rest_body(body(metadata={"telefon": "0701234567"})).metadata is None


def test_the_metadata_is_stored_once_per_turn():
    from rasa_wing import event_writer

    slot = {"event": "slot", "timestamp": 1.0, "name": "session_started_metadata", "value": {"kommun": "kungalv"}}
    assert event_writer.compact(slot)["value"] is None
    other = {"event": "slot", "timestamp": 1.0, "name": "municipality", "value": "kungalv"}
    assert event_writer.compact(other) == other
