"""The safe static reply (bot/fallback.py), the REST body checks (rasa_wing/channels/inbound.py) and
action_route when the catalogue cannot be read. In-process, no server."""
import json
import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot import catalogue_file, fallback
from rasa_wing.channels import inbound
from tests.conftest import FIXTURES
from tests.support.lix import lix
from tests.support.markers import found, reply_text

CRISIS = ["jag vill inte leva längre", "jag skär mig varje kväll", "han slår mig just nu hjälp"]
CORE = ["jag blir mobbad i skolan", "min pappa dricker varje dag", "hej", ""]


@pytest.fixture
def broken_catalogue(tmp_path, monkeypatch):
    path = tmp_path / "resources.yml"
    path.write_text("resources: [\n  - id: bris\n  phone: 116 111\n", encoding="utf-8")
    monkeypatch.setenv("STODLOTSEN_CATALOGUE", str(path))
    return path


def text_of(messages):
    return reply_text(messages)


def test_built_in_numbers_equal_the_shipped_catalogue(shipped):
    for resource_id, phone in fallback.BUILT_IN.items():
        assert shipped.resource(resource_id).phone == phone, resource_id


@pytest.mark.parametrize("message", CRISIS)
def test_a_crisis_gets_112_first_then_90101_and_bris(message):
    messages = fallback.static_reply(message)
    assert "112" in messages[0]["text"]
    assert {"akut", "sjalvmord", "bris"} <= found(text_of(messages))


@pytest.mark.parametrize("intent", ["suicidal", "self_harm", "acute_danger"])
def test_a_crisis_intent_or_button_payload_counts_as_a_crisis(intent):
    assert "sjalvmord" in found(text_of(fallback.static_reply("ok", intent)))
    assert "sjalvmord" in found(text_of(fallback.static_reply(f"/{intent}")))


@pytest.mark.parametrize("message", CORE)
def test_other_messages_get_bris_the_tip_line_and_112_and_no_suicide_line(message):
    names = found(text_of(fallback.static_reply(message)))
    assert {"bris", "tips_polis", "akut"} <= names
    assert "sjalvmord" not in names


def test_the_static_reply_is_plain_swedish():
    for message in CRISIS + CORE:
        for m in fallback.static_reply(message):
            assert lix(m["text"]) <= 35, m["text"]


def test_the_built_in_numbers_are_used_when_the_catalogue_is_broken(broken_catalogue, caplog):
    with caplog.at_level(logging.ERROR):
        assert fallback.numbers() == fallback.BUILT_IN
        messages = fallback.static_reply("jag vill dö")
    assert {"akut", "sjalvmord", "bris"} <= found(text_of(messages))
    assert "KATALOGFEL" in caplog.text


def test_numbers_come_from_the_catalogue_when_it_loads(tmp_path, monkeypatch):
    shipped_text = (catalogue_file.DEFAULT_PATH).read_text(encoding="utf-8")
    path = tmp_path / "resources.yml"
    path.write_text(shipped_text.replace('phone: "114 14"', 'phone: "114 15"'), encoding="utf-8")
    monkeypatch.setenv("STODLOTSEN_CATALOGUE", str(path))
    assert fallback.numbers()["polisen_tips"] == "114 15"
    assert "114 15" in text_of(fallback.static_reply("jag vill tipsa om ett brott"))


# -- action_route with a catalogue that cannot be read --------------------------------------

def run_action(name, caplog):
    from actions.route import ActionRoute

    state = json.loads((FIXTURES / "trackers" / f"{name}.json").read_text(encoding="utf-8"))
    dispatcher = CollectingDispatcher()
    with caplog.at_level(logging.ERROR):
        events = ActionRoute().run(dispatcher, Tracker.from_dict(state), {})
    return dispatcher.messages, events


def test_action_route_answers_a_crisis_with_112_when_the_catalogue_is_broken(broken_catalogue, caplog):
    messages, events = run_action("suicidal_guardian", caplog)
    assert {"akut", "sjalvmord"} <= found(text_of(messages))
    assert "KATALOGFEL" in caplog.text and str(broken_catalogue) in caplog.text


def test_action_route_answers_a_need_with_bris_and_114_14_when_the_catalogue_is_broken(broken_catalogue, caplog):
    messages, events = run_action("child_bullying", caplog)
    assert {"bris", "tips_polis", "akut"} <= found(text_of(messages))


def test_the_startup_check_says_loudly_what_is_wrong(broken_catalogue, caplog):
    from actions.route import check_catalogue

    with caplog.at_level(logging.ERROR):
        assert check_catalogue() is False
    assert "KATALOGFEL" in caplog.text and "inbyggda nödsvar" in caplog.text


def test_an_unexpected_error_in_the_action_still_gets_the_static_reply(monkeypatch, caplog):
    from actions import route

    def boom(*args, **kwargs):
        raise RuntimeError("jag vill inte leva längre")  # an error message that quotes the user

    monkeypatch.setattr(route.conversation, "respond", boom)
    messages, events = run_action("child_bullying", caplog)
    assert {"bris", "tips_polis"} <= found(text_of(messages))
    assert "RuntimeError" in caplog.text and "leva" not in caplog.text


# -- REST body checks ------------------------------------------------------------------------

def body(**fields):
    return json.dumps(fields).encode()


def test_a_normal_message_passes():
    got = inbound.parse_rest_body(body(sender="abc", message="hej", metadata={"kommun": "kungalv"}))
    assert got == inbound.Inbound("abc", "hej", {"kommun": "kungalv"}, None)


@pytest.mark.parametrize("raw", [
    b"", b"{", b"not json", b"\xff\xfe\x00", b"[]", b"[1, 2]", b"null", b"42", b'"text"',
    body(message="hej"), body(sender="a"), body(sender=None, message="hej"), body(sender="a", message=None),
    body(sender="a", message=5), body(sender="a", message=["hej"]), body(sender=["a"], message="hej"),
    body(sender="", message="hej"), body(sender="\x00", message="hej"), body(sender=True, message="hej"),
    body(sender="a" * 256, message="hej"), body(sender="a", message="hej", metadata="kungalv"),
    body(sender="a", message="hej", metadata=[1]), b"[" * 100_000,
])
def test_bad_bodies_are_refused_in_swedish_without_echo(raw):
    got = inbound.parse_rest_body(raw)
    assert isinstance(got, inbound.Rejected) and got.status == 400
    assert "hej" not in got.error and "kungalv" not in got.error


def test_a_huge_body_is_refused_before_parsing():
    got = inbound.parse_rest_body(b" " * (inbound.MAX_BODY_BYTES + 1))
    assert isinstance(got, inbound.Rejected) and got.status == 413


def test_null_bytes_and_control_characters_are_removed():
    got = inbound.parse_rest_body(body(sender="a\x00b", message="jag\x00 blir\x1b mobbad\ud800",
                                       metadata={"kom\x00mun": "kung\x07alv"}))
    assert got.sender == "ab" and got.text == "jag blir mobbad" and got.metadata == {"kommun": "kungalv"}


def test_a_long_message_keeps_its_beginning_and_its_end():
    text = "jag är ledsen " + "bla " * 30_000 + "och jag vill inte leva längre"
    got = inbound.parse_rest_body(body(sender="a", message=text))
    assert len(got.text) == inbound.MAX_CHARS and got.truncated
    assert got.text.startswith("jag är ledsen") and got.text.endswith("vill inte leva längre")


def test_numeric_sender_ids_are_accepted_as_text():
    assert inbound.parse_rest_body(body(sender=12345, message="hej")).sender == "12345"


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=200), JSON.map(lambda v: json.dumps(v).encode()),
                 st.fixed_dictionaries({"sender": JSON, "message": JSON}, optional={"metadata": JSON})
                 .map(lambda v: json.dumps(v).encode())))
def test_any_body_gives_a_message_or_a_swedish_refusal(raw):
    got = inbound.parse_rest_body(raw)
    if isinstance(got, inbound.Rejected):
        assert got.status in (400, 413) and got.error
    else:
        assert isinstance(got.text, str) and len(got.text) <= inbound.MAX_CHARS
        assert got.sender.strip() and "\x00" not in got.text + got.sender
        got.text.encode("utf-8")  # no lone surrogates left
        json.dumps(got.metadata, ensure_ascii=False).encode("utf-8")


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_the_static_reply_always_names_112_and_bris(text):
    names = found(text_of(fallback.static_reply(text)))
    assert {"akut", "bris"} <= names
