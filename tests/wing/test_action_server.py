"""rasa_wing.action_server: errors answer without the request or the exception text."""
import asyncio
import json

from sanic import Sanic
from sanic.exceptions import InvalidUsage

from rasa_wing import action_server


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


def _webhook_call(app, call):
    """A POST /webhook through the app's request middleware and rasa-sdk's handler, in-process."""
    from sanic.compat import Header
    from sanic.request import Request

    (guard,) = [m for m in app.request_middleware if m.__name__ == "guard"]
    (webhook,) = [r.handler for r in app.router.routes if r.path == "webhook"]
    request = Request(b"/webhook", Header({"Content-Type": "application/json"}), "1.1", "POST", None, app)
    request.body = json.dumps(call).encode()

    async def handle():
        return await guard(request) or await webhook(request)

    return asyncio.run(handle())


CALL = {"next_action": "action_route", "sender_id": "a", "version": "3.6.21", "domain": {},
        "tracker": {"sender_id": "a", "slots": {}, "events": [], "paused": False, "followup_action": None,
                    "active_loop": {}, "latest_action_name": "action_listen",
                    "latest_message": {"text": "jag blir mobbad", "intent": {"name": "child_bullying"},
                                       "entities": [], "metadata": {}}}}


def test_rasa_sdk_reads_the_call_the_guard_parsed(monkeypatch):
    from sanic.request import Request

    monkeypatch.setattr(Sanic, "test_mode", True)
    app = action_server.build_app("actions")
    parsed_again = []
    monkeypatch.setattr(Request, "load_json", lambda self, *args, **kwargs: parsed_again.append(1))
    resp = _webhook_call(app, CALL)
    assert resp.status == 200 and "116 111" in resp.body.decode()
    assert parsed_again == []  # rasa-sdk's handler took the guard's parsed call, did not parse the body again


def test_on_an_untested_rasa_sdk_the_handler_parses_the_call_itself(monkeypatch, caplog):
    from rasa_wing import compat

    tested = compat.installed_version
    monkeypatch.setattr(compat, "installed_version", lambda p: "3.7.0" if p == "rasa_sdk" else tested(p))
    monkeypatch.setattr(Sanic, "test_mode", True)
    app = action_server.build_app("actions")
    assert len([r for r in caplog.records if r.name.startswith("rasa_wing")]) == 1 and "3.7.0" in caplog.text
    resp = _webhook_call(app, CALL)
    assert resp.status == 200 and "116 111" in resp.body.decode()
    assert _webhook_call(app, {"next_action": 5}).status == 400  # the check itself stays on


def test_every_reply_through_the_webhook_is_counted_with_its_channel(monkeypatch, tmp_path):
    from collections import Counter

    from bot import conversation, count_store, counts

    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(f'tracker_store:\n  dialect: "sqlite"\n  db: "{tmp_path / "bot.db"}"\n', encoding="utf-8")
    monkeypatch.setenv(count_store.ENDPOINTS_ENV, str(endpoints))
    monkeypatch.setattr(Sanic, "test_mode", True)
    monkeypatch.setattr(conversation, "REPLIED", [])
    app = action_server.build_app("actions")
    recorder = action_server.record_replies()
    # An action call without the conversation's events still says which channel the message came in on.
    call = {**CALL, "tracker": {**CALL["tracker"], "events": [{"event": "user", "input_channel": "facebook"}]}}
    assert _webhook_call(app, call).status == 200
    assert _webhook_call(app, CALL).status == 200
    recorder.stop()
    stored = count_store.Store(f"sqlite:///{tmp_path / 'bot-statistik.db'}")
    found = stored.read()
    stored.close()
    week = counts.iso_week(counts.stockholm_now())
    assert found == Counter({counts.Cell(week, counts.REPLY, need="child_bullying", reader="child", channel="facebook",
                                         language="sv"): 1,
                             counts.Cell(week, counts.REPLY, need="child_bullying", reader="child", language="sv"): 1})


def test_counting_can_be_turned_off(monkeypatch, tmp_path):
    from bot import conversation, count_store

    monkeypatch.setenv(count_store.DAYS_ENV, "0")
    monkeypatch.setenv(count_store.ENDPOINTS_ENV, str(tmp_path / "none.yml"))
    monkeypatch.setattr(conversation, "REPLIED", [])
    assert action_server.record_replies() is None and conversation.REPLIED == []
