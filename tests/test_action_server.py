"""bot.adapters.action_server: errors answer without the request or the exception text."""
import asyncio
import json

from sanic import Sanic
from sanic.exceptions import InvalidUsage

from bot.adapters import action_server


def answer(exception):
    try:
        raise exception
    except Exception as e:  # a real traceback, as in the server
        return asyncio.new_event_loop().run_until_complete(action_server.private_error(None, e))


def test_an_error_answers_generically(caplog):
    resp = answer(KeyError("jag heter Kevin Lindqvist 070-123 45 67"))
    assert resp.status == 500
    assert json.loads(resp.body) == {"error": "internt fel"}
    assert "Kevin" not in caplog.text and "KeyError" in caplog.text


def test_a_bad_request_stays_a_bad_request():
    resp = answer(InvalidUsage("Failed when parsing body as json: {jag heter Kevin"))
    assert resp.status == 400
    assert json.loads(resp.body) == {"error": "felaktig begäran"}


def test_the_app_uses_the_private_handler(monkeypatch):
    monkeypatch.setattr(Sanic, "test_mode", True)  # the app name may already be registered in this process
    app = action_server.build_app("actions")
    assert app.error_handler.lookup(ValueError(), None) is action_server.private_error


def test_rasa_drops_an_idle_connection_before_the_action_server_does(monkeypatch):
    """Otherwise a call can go out on a connection the server is closing, and fail."""
    from rasa.utils.endpoints import EndpointConfig

    from bot.adapters import speedups

    speedups.install()
    monkeypatch.setattr(Sanic, "test_mode", True)
    app = action_server.build_app("actions")

    async def client_keepalive():
        async with EndpointConfig("http://127.0.0.1:5055/webhook").session() as session:
            return session.connector._keepalive_timeout

    client = asyncio.run(client_keepalive())
    assert 0 < client < app.config.KEEP_ALIVE_TIMEOUT
