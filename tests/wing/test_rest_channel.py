"""rasa_wing/channels/rest.py in-process: what SafeRestInput answers when Rasa answers, fails, hangs or is silent."""
import asyncio

import pytest
import rasa.core.actions.action as rasa_action

from rasa_wing.channels.inbound import Inbound
from rasa_wing.channels.rest import SafeRestInput
from tests.support.markers import found, reply_text

CRISIS = Inbound(sender="s1", text="jag vill inte leva längre", metadata=None, input_channel=None)
NEED = Inbound(sender="s2", text="jag blir mobbad i skolan", metadata={"kommun": "kungalv"}, input_channel=None)


def answer(channel, handler, inbound):
    return asyncio.run(channel.reply(handler, inbound))


async def normal(message):
    assert message.text == NEED.text and message.metadata == {"kommun": "kungalv"} and message.input_channel == "rest"
    await message.output_channel.send_text_message(message.sender_id, "Ring Bris på 116 111.")


async def silent(message):
    return None


async def failing(message):
    raise RuntimeError("the tracker store is gone")


async def hanging(message):
    await asyncio.sleep(3600)


def test_the_bots_own_reply_passes_through_unchanged():
    messages = answer(SafeRestInput(reply_timeout=5), normal, NEED)
    assert messages == [{"recipient_id": "s2", "text": "Ring Bris på 116 111."}]


@pytest.mark.parametrize("handler", [silent, failing, hanging], ids=["silent", "failing", "hanging"])
def test_a_crisis_gets_112_and_90101_whatever_goes_wrong(handler, caplog):
    messages = answer(SafeRestInput(reply_timeout=0.2), handler, CRISIS)
    assert "112" in messages[0]["text"] and all(m["recipient_id"] == "s1" for m in messages)
    assert {"akut", "sjalvmord"} <= found(reply_text(messages))
    assert "nödsvaret" in caplog.text and "leva" not in caplog.text


@pytest.mark.parametrize("handler", [silent, failing, hanging], ids=["silent", "failing", "hanging"])
def test_a_need_gets_bris_and_114_14_whatever_goes_wrong(handler):
    assert {"bris", "tips_polis", "akut"} <= found(reply_text(answer(SafeRestInput(reply_timeout=0.2), handler, NEED)))


def test_the_time_limits_come_from_credentials_or_the_environment(monkeypatch):
    monkeypatch.setattr(rasa_action, "DEFAULT_REQUEST_TIMEOUT", rasa_action.DEFAULT_REQUEST_TIMEOUT)
    monkeypatch.setenv("STODLOTSEN_REPLY_TIMEOUT", "4")
    monkeypatch.setenv("STODLOTSEN_ACTION_TIMEOUT", "3")
    channel = SafeRestInput.from_credentials(None)
    assert channel.reply_timeout == 4 and channel.action_timeout == 3
    assert rasa_action.DEFAULT_REQUEST_TIMEOUT == 3  # Rasa no longer waits 5 minutes for the action server
    assert SafeRestInput.from_credentials({"reply_timeout": 7}).reply_timeout == 7
    monkeypatch.setenv("STODLOTSEN_REPLY_TIMEOUT", "soon")
    assert SafeRestInput().reply_timeout == 10


def test_the_channel_keeps_the_rest_url():
    assert SafeRestInput.name() == "rest" and SafeRestInput().url_prefix() == "rest"


def test_rasa_passes_the_action_time_limit_to_the_action_call(monkeypatch):
    from rasa.utils.endpoints import EndpointConfig

    from tests.support import rasa_harness

    monkeypatch.setattr(rasa_action, "DEFAULT_REQUEST_TIMEOUT", rasa_action.DEFAULT_REQUEST_TIMEOUT)
    SafeRestInput(action_timeout=3)
    request, timeouts = EndpointConfig.request, []

    async def recording(self, *args, **kwargs):
        timeouts.append(kwargs.get("timeout"))
        return await request(self, *args, **kwargs)

    monkeypatch.setattr(EndpointConfig, "request", recording)
    assert rasa_harness.handle(["hej"]) == [[{"recipient_id": "harness", "text": "Ring Bris på 116 111."}]]
    assert timeouts == [3]


def test_on_an_untested_rasa_the_action_time_limit_is_left_alone(monkeypatch, caplog):
    from rasa_wing import compat

    monkeypatch.setattr(rasa_action, "DEFAULT_REQUEST_TIMEOUT", 300)
    monkeypatch.setattr(compat, "installed_version", lambda package: "3.7.0")
    channel = SafeRestInput(reply_timeout=5, action_timeout=3)
    assert rasa_action.DEFAULT_REQUEST_TIMEOUT == 300 and channel.reply_timeout == 5
    assert len([r for r in caplog.records if r.name.startswith("rasa_wing")]) == 1
    assert "STODLOTSEN_ACTION_TIMEOUT" in caplog.text and "3.7.0" in caplog.text
