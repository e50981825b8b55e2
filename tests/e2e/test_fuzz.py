"""Fuzz the running bot: the REST webhook and the action server's /webhook (end to end, hypothesis).

Random unicode (RTL, emoji, zero-width, null bytes), 100 kB messages, invalid JSON, missing
fields, wrong types, HTML and SQL fragments and random metadata. Never a 5xx, the processes
stay up, and the next normal message still gets its Bris reply.
"""
import json
import urllib.error
import urllib.request
import uuid
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.markers import found, reply_text

FUZZ = settings(max_examples=60, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                       HealthCheck.data_too_large])

NASTY = [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "'; DROP TABLE events; --", "1 OR 1=1",
    "\" OR \"\"=\"", "{{7*7}} ${7*7} %s %n", "../../etc/passwd", "\x00", "a\x00b", "\u202ejag vill dö\u202c",
    "\u200b\u200c\u200d\ufeff", "مرحبا كيف حالك", "שלום", "😀" * 500, "👨‍👩‍👧‍👦🏳️‍🌈", "\U0010ffff", "Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇",
    "/child_bullying", "/acute_danger{\"x\": 1}", "/nonexistent_intent", "/", "   ", "\n\n\t", "x" * 100_000,
    ("jag blir mobbad " * 7000)[:100_000],
]
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=10), kids, max_size=4),
    max_leaves=10,
)
TEXT = st.one_of(st.text(max_size=300), st.sampled_from(NASTY),
                 st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1000, max_size=3000))


def post(url: str, data: bytes, headers: dict | None = None, timeout: float = 60) -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def still_answers(bot):
    assert all(p.poll() is None for p in bot.procs), bot.log_tail()
    status, messages = bot.send(f"fuzz-{uuid.uuid4().hex[:10]}", "jag blir mobbad i skolan")
    assert status == 200 and "bris" in found(reply_text(messages)), bot.log_tail()


def actions_url(bot):
    return f"http://127.0.0.1:{bot.actions_port}/webhook"


# -- REST webhook ---------------------------------------------------------------------------

@pytest.mark.parametrize("text", NASTY)
def test_nasty_messages_get_a_reply(bot, text):
    status, body = post(bot.url, json.dumps({"sender": f"fuzz-{uuid.uuid4().hex[:8]}", "message": text}).encode())
    assert status == 200, body[:200]
    assert reply_text(json.loads(body)).strip()


@FUZZ
@given(text=TEXT, metadata=st.one_of(st.none(), st.dictionaries(st.text(max_size=12), JSON, max_size=4)))
def test_random_messages_get_a_reply(bot, text, metadata):
    payload = {"sender": f"fuzz-{uuid.uuid4().hex[:8]}", "message": text, "metadata": metadata}
    status, body = post(bot.url, json.dumps(payload).encode())
    assert status == 200, body[:200]
    assert reply_text(json.loads(body)).strip()


BAD_BODIES = st.one_of(
    st.binary(max_size=300),
    JSON.map(lambda v: json.dumps(v).encode()),
    st.fixed_dictionaries({}, optional={"sender": JSON, "message": JSON, "metadata": JSON, "input_channel": JSON})
    .map(lambda v: json.dumps(v).encode()),
    st.text(max_size=50).map(lambda t: ('{"sender": "a", "message": "' + t).encode("utf-8", "surrogatepass")),
)


@FUZZ
@given(raw=BAD_BODIES)
def test_random_bodies_never_give_a_5xx(bot, raw):
    status, body = post(bot.url, raw)
    assert status < 500, body[:200]
    if status >= 400:
        assert raw[:40] not in body or len(raw) < 3  # the error does not echo the request


def test_bad_requests_get_a_swedish_error(bot):
    status, body = post(bot.url, b'{"sender": "a", "message": ')
    assert status == 400 and "JSON" in json.loads(body)["error"]
    status, body = post(bot.url, json.dumps({"sender": "a", "message": 42}).encode())
    assert status == 400 and "saknas eller är inte en text" in json.loads(body)["error"]


def test_streaming_gives_one_message_per_line(bot):
    sender = f"fuzz-{uuid.uuid4().hex[:8]}"
    status, body = post(bot.url + "?stream=true", json.dumps({"sender": sender, "message": "jag blir mobbad"}).encode())
    assert status == 200
    messages = [json.loads(line) for line in body.decode().splitlines()]
    assert messages and all(m["recipient_id"] == sender for m in messages)
    assert "bris" in found(reply_text(messages))


def test_the_rest_webhook_survived_the_fuzzing(bot):
    still_answers(bot)


# -- action server --------------------------------------------------------------------------

def action_call(text, intent, metadata, slots):
    return {
        "next_action": "action_route", "sender_id": "fuzz", "version": "3.6.21", "domain": {},
        "tracker": {"sender_id": "fuzz", "slots": slots, "events": [],
                    "latest_message": {"text": text, "intent": {"name": intent, "confidence": 0.9},
                                       "entities": [], "metadata": metadata}},
    }


@FUZZ
@given(text=TEXT, intent=st.one_of(st.sampled_from(["child_bullying", "suicidal", "inform_municipality", "greet",
                                                     "worried_about_child", "orosanmalan_question"]), st.text(max_size=20)),
       metadata=st.one_of(st.none(), st.dictionaries(st.sampled_from(["municipality", "kommun", "x"]), JSON, max_size=3)),
       slots=st.dictionaries(st.sampled_from(["municipality", "audience", "last_need"]), JSON, max_size=3))
def test_the_action_server_answers_random_trackers(bot, text, intent, metadata, slots):
    status, body = post(actions_url(bot), json.dumps(action_call(text, intent, metadata, slots)).encode())
    assert status == 200, body[:200]
    assert json.loads(body)["responses"]


@FUZZ
@given(raw=st.one_of(
    st.binary(max_size=300),
    JSON.map(lambda v: json.dumps(v).encode()),
    st.fixed_dictionaries({}, optional={"next_action": JSON, "tracker": JSON, "domain": JSON, "version": JSON,
                                        "sender_id": JSON}).map(lambda v: json.dumps(v).encode()),
    st.fixed_dictionaries({"next_action": st.just("action_route"), "tracker": st.fixed_dictionaries(
        {}, optional={"sender_id": JSON, "slots": JSON, "events": JSON, "latest_message": JSON, "paused": JSON,
                      "active_loop": JSON, "followup_action": JSON})}).map(lambda v: json.dumps(v).encode()),
))
def test_the_action_server_never_gives_a_5xx(bot, raw):
    status, body = post(actions_url(bot), raw)
    assert status < 500, body[:200]
    status, body = post(actions_url(bot), zlib.compress(raw), headers={"Content-Encoding": "deflate"})
    assert status < 500, body[:200]


def test_the_action_server_survived_the_fuzzing(bot):
    status, body = post(actions_url(bot), json.dumps(action_call("jag blir mobbad i skolan", "child_bullying",
                                                                  None, {})).encode())
    assert status == 200 and "116 111" in body.decode()
    still_answers(bot)
