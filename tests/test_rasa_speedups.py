"""The hot-path fixes keep Rasa's behaviour: same validation, same requests, fewer sessions."""
import asyncio

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

from bot import rasa_speedups

rasa_speedups.install()


def test_valid_action_response_passes():
    action = RemoteAction("action_route", None)
    response = {"events": [{"event": "slot", "name": "municipality", "value": "kungalv"}],
                "responses": [{"text": "Hej"}]}
    assert action._validate_action_result(response) is True


@pytest.mark.parametrize("bad", [
    {"events": "not a list"},
    {"responses": [1, 2]},
    {"events": [{"event": "no_such_event"}]},
])
def test_invalid_action_response_fails_as_before(bad):
    with pytest.raises(ValidationError) as e:
        RemoteAction("action_route", None)._validate_action_result(bad)
    assert "Failed to validate Action server response" in e.value.message


def test_install_is_idempotent():
    patched = RemoteAction._validate_action_result
    rasa_speedups.install()
    assert RemoteAction._validate_action_result is patched


def test_endpoint_keeps_one_session_per_event_loop():
    endpoint = EndpointConfig("http://127.0.0.1:9/webhook")

    async def two_sessions():
        async with endpoint.session() as first:
            pass
        async with endpoint.session() as second:
            pass
        assert not first.closed  # lent, not closed after use
        await first.close()
        async with endpoint.session() as third:  # a closed session is replaced
            pass
        await third.close()
        return first, second, third

    first, second, third = asyncio.run(two_sessions())
    assert first is second
    assert third is not first


def test_endpoint_request_errors_unchanged():
    endpoint = EndpointConfig("http://127.0.0.1:9/webhook")  # nothing listens on port 9

    async def call():
        with pytest.raises(Exception) as e:
            await endpoint.request(json={}, method="post", timeout=2)
        return e.value

    error = asyncio.run(call())
    assert "Cannot connect" in str(error) or isinstance(error, OSError)
