"""Input checks for the action server's `/webhook`: bad calls get 400, never a 500.

rasa-sdk trusts its caller: a body that is a list, a tracker without `sender_id`, a `version`
that is a number – each ends in an exception and a 500. Only Rasa on the same machine should
call the action server, but a 500 for bad input is still wrong and it hides real faults in the
log. `problem(call)` checks the shape of an action call (pure, no Sanic); `install(app)` adds it
as request middleware to a rasa-sdk Sanic app, so a malformed call gets HTTP 400 with a short
Swedish error that never echoes the request.

The checked call is handed to rasa-sdk's handler as Sanic's parsed JSON (`request.parsed_json`,
which `request.json` returns), so the body is parsed once. That reaches into Sanic and rasa-sdk
3.6.2's handler; on another rasa-sdk the handler parses the body again itself (one log line,
rasa_wing/compat.py). The check itself uses Sanic's public middleware and stays on.

`install` is idempotent. `actions/guard.py` calls it for the app that rasa-sdk is building when
it imports the actions package, so the check is active whichever entry point starts the server
(`python -m rasa_wing.action_server` or `rasa run actions`).
"""
from __future__ import annotations

import json
import zlib
from typing import Any

from rasa_wing import compat

_OPTIONAL_DICT = ("slots", "latest_message", "active_loop", "active_form")
_OPTIONAL_STR = ("followup_action", "latest_action_name")


def _is(value: Any, kind: type, optional: bool = True) -> bool:
    """*value* is a *kind* (a bool is not a number here), or None when *optional*."""
    if value is None:
        return optional
    if kind is bool:
        return isinstance(value, bool)
    return isinstance(value, kind) and not isinstance(value, bool)


def problem(call: Any) -> str | None:
    """What is wrong with an action call, in Swedish; None when it has the shape rasa-sdk expects."""
    if not isinstance(call, dict):
        return "anropet måste vara ett JSON-objekt"
    if not _is(call.get("next_action"), str, optional=False) or not call["next_action"]:
        return '"next_action" saknas eller är inte en text'
    if not _is(call.get("version"), str):
        return '"version" är inte en text'
    if not _is(call.get("sender_id"), str):
        return '"sender_id" är inte en text'
    if not _is(call.get("domain"), dict):
        return '"domain" är inte ett objekt'
    tracker = call.get("tracker")
    if not isinstance(tracker, dict):
        return '"tracker" saknas eller är inte ett objekt'
    if not _is(tracker.get("sender_id"), str, optional=False):
        return '"tracker.sender_id" saknas eller är inte en text'
    for key in _OPTIONAL_DICT:
        if not _is(tracker.get(key), dict):
            return f'"tracker.{key}" är inte ett objekt'
    for key in _OPTIONAL_STR:
        if not _is(tracker.get(key), str):
            return f'"tracker.{key}" är inte en text'
    if not _is(tracker.get("paused"), bool):
        return '"tracker.paused" är inte sant/falskt'
    events = tracker.get("events")
    if not _is(events, list) or not all(isinstance(e, dict) for e in events or []):
        return '"tracker.events" är inte en lista med objekt'
    message = tracker.get("latest_message") or {}
    if not _is(message.get("text"), str):
        return '"tracker.latest_message.text" är inte en text'
    if not _is(message.get("intent"), dict) or not _is((message.get("intent") or {}).get("name"), str):
        return '"tracker.latest_message.intent" har fel form'
    entities = message.get("entities")
    if not _is(entities, list) or not all(isinstance(e, dict) for e in entities or []):
        return '"tracker.latest_message.entities" är inte en lista med objekt'
    if not _is(message.get("metadata"), dict):
        return '"tracker.latest_message.metadata" är inte ett objekt'
    return None


def parse(body: bytes | None, deflated: bool = False) -> tuple[Any, str | None]:
    """The JSON of a request body (deflate-compressed when Rasa compresses), or a Swedish error."""
    try:
        raw = zlib.decompress(body or b"") if deflated else body or b""
        return json.loads(raw), None
    except (ValueError, RecursionError, zlib.error):
        return None, "anropet är inte giltig JSON"


def parse_once_refusal() -> str | None:
    """Why the checked call cannot be handed to rasa-sdk's handler as parsed; None when it can."""
    from sanic.request import Request

    return compat.refusal([compat.Target(Request, "parsed_json"), compat.Target(Request, "json")],
                          packages=("rasa_sdk",))


def install(app: Any) -> None:
    """Check every POST /webhook before rasa-sdk's handler sees it (idempotent)."""
    from sanic import response

    if getattr(app.ctx, "stodlotsen_guard", False):
        return
    app.ctx.stodlotsen_guard = True
    reason = parse_once_refusal()
    if reason:
        compat.refuse("Action-serverns tolkning av anropet en gång (rasa_wing/action_guard.py)", reason)
    parse_once = reason is None

    async def guard(request):
        if request.method != "POST" or request.path.rstrip("/") != "/webhook":
            return None
        call, error = parse(request.body, request.headers.get("Content-Encoding") == "deflate")
        error = error or problem(call)
        if error:
            return response.json({"error": f"felaktig begäran: {error}"}, status=400)
        if parse_once and request.headers.get("Content-Encoding") != "deflate":
            request.parsed_json = call  # the handler reads request.json: parse once
        return None

    app.register_middleware(guard, "request")
