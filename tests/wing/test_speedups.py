"""The hot-path fixes keep Rasa's behaviour (same validation, same requests, fewer sessions), and Rasa
still calls every member they replace. Installed for this module only (`installed_speedups`)."""
import asyncio

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.engine.graph import ExecutionContext, GraphComponent, GraphSchema, SchemaNode
from rasa.shared.utils.schemas.events import EVENT_SCHEMA
from rasa.utils.endpoints import EndpointConfig
from rasa_sdk import Tracker

from rasa_wing import speedups
from tests.support import rasa_harness

pytestmark = pytest.mark.usefixtures("installed_speedups")


def test_every_fix_is_installed_on_the_tested_rasa(installed_speedups):
    assert installed_speedups == [patch.name for patch in speedups.PATCHES]


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
    speedups.install()
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


def test_rasa_drops_an_idle_connection_before_the_action_server_does(monkeypatch):
    """Otherwise a call can go out on a connection the server is closing, and fail."""
    from sanic import Sanic

    from rasa_wing import action_server

    monkeypatch.setattr(Sanic, "test_mode", True)
    app = action_server.build_app("actions")

    async def client_keepalive():
        async with EndpointConfig("http://127.0.0.1:5055/webhook").session() as session:
            return session.connector._keepalive_timeout

    client = asyncio.run(client_keepalive())
    assert 0 < client < app.config.KEEP_ALIVE_TIMEOUT


def test_endpoint_request_errors_unchanged():
    endpoint = EndpointConfig("http://127.0.0.1:9/webhook")  # nothing listens on port 9

    async def call():
        with pytest.raises(Exception) as e:
            await endpoint.request(json={}, method="post", timeout=2)
        return e.value

    error = asyncio.run(call())
    assert "Cannot connect" in str(error) or isinstance(error, OSError)


# --- the quick action-response check accepts exactly what the schema accepts ----------------------

EVENT_NAMES = [alt["properties"]["event"]["const"] for alt in EVENT_SCHEMA["oneOf"]]
FIELDS = sorted(({key for alt in EVENT_SCHEMA["oneOf"] for key in alt.get("properties", {})} | {"timestamp", "metadata"})
                - {"event"})
VALUES = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=False), st.text(max_size=5),
                   st.lists(st.text(max_size=3), max_size=2), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
                   st.just([{"entity": "municipality", "value": "kungalv"}]), st.just({"name": "greet", "confidence": 0.9}))
EVENTS = st.fixed_dictionaries({"event": st.one_of(st.sampled_from(EVENT_NAMES), st.text(max_size=4), st.integers())},
                               optional={k: VALUES for k in FIELDS})
RESPONSES = st.one_of(
    st.fixed_dictionaries({}, optional={"events": st.one_of(st.lists(EVENTS, max_size=4), VALUES),
                                        "responses": st.one_of(st.lists(st.one_of(VALUES, st.just({"text": "hej"})),
                                                                        max_size=3), VALUES)}),
    VALUES)


@pytest.fixture(scope="module")
def validators():
    full = speedups._action_result_validator()
    return full, speedups._quick_action_result_check(full)


def test_the_quick_check_is_built_for_rasas_schema(validators):
    assert validators[1] is not None


@settings(max_examples=600, deadline=None)
@given(response=RESPONSES)
def test_quick_check_agrees_with_the_whole_schema(validators, response):
    full, quick = validators
    assert quick(response) == full.is_valid(response)


def test_a_schema_of_another_shape_gets_no_quick_check():
    from jsonschema.validators import validator_for

    schema = {"type": "object", "properties": {"events": {"type": "array", "items": {"oneOf": [{"type": "string"}]}}}}
    assert speedups._quick_action_result_check(validator_for(schema)(schema)) is None


# --- SequentialGraphRunner gives what DaskGraphRunner gives --------------------------------------

CALLS: list = []


class Step(GraphComponent):
    @classmethod
    def create(cls, config, model_storage, resource, execution_context):
        return cls(config, execution_context.node_name)

    def __init__(self, config, name):
        self.add, self.name = config["add"], name

    def run(self, **inputs):
        CALLS.append(self.name)
        return sum(inputs.values()) + self.add


def _schema():
    node = lambda needs, add, target=False: SchemaNode(needs, Step, "create", "run", {"add": add},  # noqa: E731
                                                       is_target=target)
    # a diamond: "top" needs "left" and "right", which both need "base"; "other" is not needed for "top"
    return GraphSchema({"base": node({"x": "__input__"}, 1), "left": node({"v": "base"}, 10),
                        "right": node({"v": "base"}, 100), "top": node({"a": "left", "b": "right"}, 1000, True),
                        "other": node({"v": "base"}, 5, True)})


@pytest.mark.parametrize("targets", [["top"], ["top", "other"], ["base"], None])
def test_sequential_runner_results_and_calls_match_dask(tmp_path, targets):
    from rasa.engine.runner.dask import DaskGraphRunner
    from rasa.engine.storage.local_model_storage import LocalModelStorage

    schema = _schema()
    context = ExecutionContext(schema, "m")
    results = {}
    for cls in (DaskGraphRunner, speedups.sequential_graph_runner()):
        runner = cls.create(schema, LocalModelStorage(tmp_path), context)
        CALLS.clear()
        results[cls] = (runner.run({"__input__": 2}, targets), sorted(CALLS))
        assert runner.run({"__input__": 3}, targets) != results[cls][0]  # inputs are used, not cached
    dask_result, sequential_result = results.values()
    assert sequential_result == dask_result
    assert len(set(sequential_result[1])) == len(sequential_result[1])  # every node ran once


def test_sequential_runner_refuses_an_input_named_like_a_node(tmp_path):
    from rasa.engine.exceptions import GraphRunError
    from rasa.engine.storage.local_model_storage import LocalModelStorage

    schema = _schema()
    runner = speedups.sequential_graph_runner().create(schema, LocalModelStorage(tmp_path),
                                                           ExecutionContext(schema, "m"))
    with pytest.raises(GraphRunError, match="clashes"):
        runner.run({"__input__": "base"}, ["top"])


def test_rasa_loads_its_model_with_the_sequential_runner(monkeypatch, tmp_path):
    import rasa.core.processor
    from rasa.core.processor import MessageProcessor
    from rasa.engine import loader

    used = []
    monkeypatch.setattr(loader, "load_predict_graph_runner", lambda *args: used.append(args[3]) or ("meta", "runner"))
    model = tmp_path / "model.tar.gz"
    model.write_bytes(b"")
    assert MessageProcessor._load_model(model) == ("model.tar.gz", "meta", "runner")
    assert used == [rasa.core.processor.DaskGraphRunner] and used[0].__name__ == "SequentialGraphRunner"


# --- objects loaded with the model are kept out of the garbage collector's walks -------------------
def test_rasa_starts_the_server_with_the_freezing_model_loader(monkeypatch):
    import rasa.core.run
    import rasa.telemetry

    registered = []

    class App:
        def register_listener(self, listener, event):
            registered.append((listener, event))

        def run(self, **kwargs):
            pass

    monkeypatch.setattr(rasa.core.run, "configure_app", lambda *args, **kwargs: App())
    monkeypatch.setattr(rasa.core.run, "create_http_input_channels", lambda *args: [])
    monkeypatch.setattr(rasa.telemetry, "track_server_start", lambda *args, **kwargs: None)
    rasa.core.run.serve_application(model_path="model.tar.gz", channel="rest")
    loaders = [listener.func for listener, event in registered if event == "before_server_start"]
    assert [f.__name__ for f in loaders] == ["load_agent_then_freeze"]


def test_model_load_is_followed_by_a_gc_freeze(monkeypatch):
    import gc

    import rasa.core.run

    loaded = object()

    async def fake_load(*args, **kwargs):
        return loaded

    monkeypatch.setattr(rasa.core.run, "load_agent_on_start", fake_load)
    ((_, _, load_then_freeze),) = speedups._gc_after_model_load()
    gc.unfreeze()
    try:
        assert asyncio.run(load_then_freeze("model", None, None)) is loaded
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


# --- Rasa still calls what the fixes replace when it handles a message -------------------------------
def _patched_members():
    import rasa.core.processor
    from rasa.core.processor import MessageProcessor
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import Event

    return {"_validate_action_result": (RemoteAction, "_validate_action_result"),
            "_action_call_format": (RemoteAction, "_action_call_format"),
            "session": (EndpointConfig, "session"),
            "is_empty": (Domain, "is_empty"),
            "_run_action": (MessageProcessor, "_run_action"),
            "resolve_by_type": (Event, "resolve_by_type"),
            "deepcopy": (rasa.core.processor.copy, "deepcopy")}


@pytest.mark.parametrize("member", list(_patched_members()))
def test_rasa_calls_the_fix_when_it_handles_a_message(monkeypatch, member):
    owner, name = _patched_members()[member]
    assert getattr(owner, name).__module__ == speedups.__name__  # the fix is what is there
    spy = rasa_harness.spy_on(monkeypatch, owner, name)
    replies = rasa_harness.handle(["dom mobbar mig", "igen"])
    assert replies == [[{"recipient_id": "harness", "text": "Ring Bris på 116 111."}]] * 2
    assert spy.calls > 0, f"Rasa no longer calls {name}: the fix does nothing"


# --- action calls without the conversation's events (send_events: false) ---------------------------
def _tracker_with_history():
    from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
    from rasa.shared.core.slots import TextSlot
    from rasa.shared.core.trackers import DialogueStateTracker

    slot = TextSlot("municipality", mappings=[{"type": "custom"}])
    return DialogueStateTracker.from_events("kalle", [
        ActionExecuted("action_listen"), UserUttered("hej", {"name": "greet", "confidence": 1.0}),
        ActionExecuted("action_listen"), SlotSet("municipality", "kungalv"),
        UserUttered("dom mobbar mig", {"name": "child_bullying", "confidence": 0.9}, metadata={"kommun": "kungalv"},
                    input_channel="rest"),
    ], slots=[slot])


def test_action_call_without_events_keeps_latest_message_and_slots():
    from rasa.shared.core.domain import Domain

    domain = Domain.empty()
    tracker = _tracker_with_history()
    full = RemoteAction("action_route", EndpointConfig("http://x/webhook"))._action_call_format(tracker, domain)
    lean = RemoteAction("action_route", EndpointConfig("http://x/webhook", send_events=False,
                                                         enable_selective_domain=True))._action_call_format(tracker, domain)
    assert len(full["tracker"]["events"]) == 5
    # Of the events only the latest message's channel goes along (the lägesbild counts by channel).
    assert lean["tracker"]["events"] == [{"event": "user", "input_channel": "rest"}]
    assert Tracker.from_dict(lean["tracker"]).get_latest_input_channel() == "rest"
    assert lean["tracker"]["latest_message"] == full["tracker"]["latest_message"]
    assert lean["tracker"]["latest_message"]["text"] == "dom mobbar mig"
    assert lean["tracker"]["slots"] == full["tracker"]["slots"] == {"municipality": "kungalv"}
    assert {k: v for k, v in lean.items() if k != "tracker"} == {"next_action": "action_route", "sender_id": "kalle",
                                                                "version": full["version"]}
    assert "hej" not in str(lean)  # the earlier message never leaves Rasa


@pytest.mark.parametrize("value,sends", [(None, True), (True, True), (False, False), ("false", False)])
def test_send_events_setting(value, sends):
    kwargs = {} if value is None else {"send_events": value}
    assert speedups.sends_events(EndpointConfig("http://x", **kwargs)) is sends


# --- the domain's emptiness is worked out once ------------------------------------------------------
def test_domain_is_empty_is_remembered_and_unchanged(monkeypatch):
    from rasa.shared.core.domain import Domain

    empty, full = Domain.empty(), Domain.from_yaml("intents:\n- greet\nresponses:\n  utter_hej:\n  - text: Hej\n")
    assert empty.is_empty() is True and full.is_empty() is False
    calls = []
    monkeypatch.setattr(Domain, "as_dict", lambda self: calls.append(1) or {})
    assert full.is_empty() is False and calls == []  # remembered: not worked out again


# --- deep copies only for debug log lines that are written -------------------------------------------
def test_processor_copies_log_arguments_only_when_debug_lines_are_written():
    import logging

    import rasa.core.processor

    stand_in = rasa.core.processor.copy
    assert isinstance(stand_in, speedups.CopyOnlyForDebugLog)
    log = logging.getLogger("rasa.core.processor")
    value = {"events": [{"slot": "kommun"}]}
    before = log.level
    try:
        log.setLevel(logging.INFO)
        assert stand_in.deepcopy(value) is value
        log.setLevel(logging.DEBUG)
        copied = stand_in.deepcopy(value)
        assert copied == value and copied is not value and copied["events"] is not value["events"]
    finally:
        log.setLevel(before)
    assert stand_in.copy([1]) == [1]  # the rest of the copy module is passed through


# --- the action gets the tracker itself when there is nothing to drop ---------------------------------
class _Remote(RemoteAction):
    """A custom action that notes which tracker it was given and sets a slot."""

    def __init__(self):
        super().__init__("action_route", EndpointConfig("http://x/webhook"))
        self.given = []

    async def run(self, output_channel, nlg, tracker, domain):
        from rasa.shared.core.events import SlotSet

        self.given.append((tracker, _without_times(tracker)))
        return [SlotSet("municipality", "nykoping")]


def _run(action, tracker, prediction_events=(), rasas_own=False):
    from rasa.core.channels.channel import CollectingOutputChannel
    from rasa.core.policies.policy import PolicyPrediction
    from rasa.core.processor import MessageProcessor
    from rasa.shared.core.domain import Domain

    processor = object.__new__(MessageProcessor)
    processor.domain = Domain.from_yaml("slots:\n  municipality:\n    type: text\n    mappings:\n    - type: custom\n"
                                        "actions:\n- action_route\n")
    prediction = PolicyPrediction([1.0], "BoundedRulePolicy", events=list(prediction_events))
    run_action = MessageProcessor._run_action.__wrapped__ if rasas_own else MessageProcessor._run_action
    return asyncio.run(run_action(processor, action, tracker, CollectingOutputChannel(), None, prediction))


def _without_times(tracker):
    return [{k: v for k, v in e.as_dict().items() if k != "timestamp"} for e in tracker.events]


@pytest.mark.parametrize("prediction_events", [(), ("slot",)])
def test_run_action_gives_the_same_conversation_with_or_without_the_copy(prediction_events):
    from rasa.shared.core.events import SlotSet

    events = [SlotSet("municipality", "kungalv")] if prediction_events else []
    fast, plain = _tracker_with_history(), _tracker_with_history()
    fast_action, plain_action = _Remote(), _Remote()
    assert speedups.reads_tracker_only(fast_action)
    _run(fast_action, fast, events)
    _run(plain_action, plain, events, rasas_own=True)
    assert _without_times(fast) == _without_times(plain)
    assert fast.get_slot("municipality") == "nykoping"
    assert fast_action.given[0][1] == plain_action.given[0][1]  # the action saw the same events
    assert plain_action.given[0][0] is not plain  # Rasa's own way: a copy
    # without prediction events the action got the tracker itself, and `copy` is Rasa's again
    assert (fast_action.given[0][0] is fast) is (not prediction_events)
    assert "copy" not in fast.__dict__


# --- event classes are looked up once per type name ----------------------------------------------------
def test_event_lookup_finds_what_rasa_finds():
    import inspect

    from rasa.shared.core.events import Event, UserUttered
    from rasa.shared.utils.common import all_subclasses

    rasas_own = Event.resolve_by_type.__wrapped__
    names = {cls.type_name for cls in all_subclasses(Event) if not inspect.isabstract(cls)}
    assert len(names) > 15
    for _ in range(2):  # looked up, then remembered
        for name in names:
            assert Event.resolve_by_type(name) is rasas_own(name)
    assert Event.resolve_by_type("no_such_event", default=UserUttered) is UserUttered
    assert Event.resolve_by_type("topic") is None
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("no_such_event")
    assert Event.from_parameters({"event": "user", "text": "hej", "parse_data": {}}).text == "hej"
