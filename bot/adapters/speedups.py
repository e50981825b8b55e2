"""Rasa 3.6 hot-path fixes that keep Rasa's behaviour and remove per-message waste.

Profiling the running bot under load (py-spy and cProfile, see docs/prestanda.md) showed that a large
share of Rasa's CPU time per message went to work that gives the same result every time:

* `RemoteAction._validate_action_result` calls `jsonschema.validate(result, schema)`, which
  re-checks the (constant) schema against the meta-schema for every action call, and then
  tries every event against all 23 alternatives of Rasa's `oneOf` event schema (about 1 ms per
  call). We build the validators once. Each alternative pins a different `"event"` name, so
  exactly one can match an event: we check the response without the `oneOf`, then each event
  against the one alternative its name picks. Anything that fails is checked again against
  the whole schema, which raises the same `ValidationError` as before and has the last word;
  tests/test_speedups.py checks that both ways agree.
* `EndpointConfig.request` opens a new aiohttp session (and TCP connection) per action
  call. We keep one session per endpoint and event loop, so calls to the action server use
  HTTP keep-alive. Headers, auth, timeouts and error handling are unchanged.
* Every graph run (one to parse a message, one per action prediction: three or more per
  message) goes through `DaskGraphRunner`, which works out the sub-graph for the targets
  again (a recursive walk that visits shared parents many times), builds a dask task graph
  and lets dask's scheduler order and run it, one node at a time. `SequentialGraphRunner`
  works out each target list's order once and calls the same graph nodes in it, with the
  same inputs and outputs.
* After the model has loaded, the process holds millions of long-lived objects (Rasa, sklearn,
  TensorFlow's Python layer). Python's garbage collector walks all of them in every full
  collection, which takes about 0.3 s on this machine and stops every conversation while it
  runs. Once the model is loaded we collect once and `gc.freeze()` what is there, so later
  collections only look at objects made while serving.
* Rasa sends the whole conversation (every event) to the action server with every action
  call, and the action server parses it into a tracker. Our actions read only the latest
  message and the slots. With `send_events: false` under `action_endpoint` in endpoints.yml
  the call carries the tracker's current state (latest message, slots, latest action …) and
  an empty event list: less work on both sides, and the conversation's history never leaves
  Rasa. Without the setting Rasa's own format is sent.

* `MessageProcessor._parse_message` asks `Domain.is_empty()` for every message, which builds an
  empty Domain and compares the two as dicts (0.4 ms). A domain does not change once loaded:
  the answer is kept on the domain.
* Rasa's processor deep-copies the events and slots of every action for debug log lines
  (`copy.deepcopy(...)` as arguments to `structlogger.debug`), also when debug logging is off
  and the line is thrown away. The processor's `copy.deepcopy` now returns its argument as it
  is unless the processor logs at debug level; then it copies as before.
* `MessageProcessor._run_action` gives the action a copy of the tracker (rebuilt by replaying
  every event) so that the prediction's events can be dropped if the action rejects itself.
  When the prediction carries no events (rule predictions never do) there is nothing to drop:
  actions that only read the tracker (custom actions, `action_listen`, `utter_…` responses)
  get the tracker itself.

* `Event.resolve_by_type`, called for every event read back (the action server's answer, a
  tracker rebuilt from the database), walks the whole tree of event classes each time. The
  class found for a type name is remembered; names it does not find are looked up as before.

`install()` is idempotent and is called by `bot.adapters.serve`, the entry point `make run`, the tests
and the benchmark use.
"""
from __future__ import annotations

import asyncio
import copy
import gc
import logging
from typing import Any, Callable, Dict, List

logger = logging.getLogger(__name__)

_installed = False


def _action_result_validator() -> Any:
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _quick_action_result_check(full: Any) -> Callable[[Any], bool] | None:
    """A check that accepts exactly what *full* accepts, picking each event's alternative by its
    name; None when the schema does not have that shape (then only *full* is used)."""
    schema = copy.deepcopy(full.schema)
    try:
        item = schema["properties"]["events"]["items"]
        alternatives = item.pop("oneOf")
        names = [alt["properties"]["event"]["const"] for alt in alternatives]
        event_required = "event" in item["required"] and item["properties"]["event"]["type"] == "string"
    except (KeyError, TypeError):
        return None
    if not event_required or len(set(names)) != len(names):
        return None
    cls = type(full)
    outer = cls(schema)
    by_name = {name: cls(alt) for name, alt in zip(names, alternatives, strict=True)}

    def check(result: Any) -> bool:
        if not outer.is_valid(result):
            return False
        for event in result.get("events") or []:
            alternative = by_name.get(event["event"])
            if alternative is None or not alternative.is_valid(event):
                return False
        return True

    return check


def _patch_action_validation() -> None:
    from jsonschema import ValidationError
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    validator = _action_result_validator()
    quick = _quick_action_result_check(validator) or validator.is_valid

    def _validate_action_result(self: RemoteAction, result: Dict[str, Any]) -> bool:
        if quick(result):
            return True
        try:  # rejected: the whole schema decides, and words the error as Rasa always did
            validator.validate(result)
            return True
        except ValidationError as e:
            e.message += (
                ". Failed to validate Action server response from API, "
                "make sure your response from the Action endpoint is valid. "
                f"For more information about the format visit {DOCS_BASE_URL}/custom-actions"
            )
            raise e

    RemoteAction._validate_action_result = _validate_action_result


class _KeptSession:
    """Async context manager that lends a long-lived session without closing it."""

    def __init__(self, session: Any) -> None:
        self._session = session

    async def __aenter__(self) -> Any:
        return self._session

    async def __aexit__(self, *exc: Any) -> None:
        return None


def _patch_endpoint_sessions() -> None:
    from rasa.utils.endpoints import EndpointConfig

    make_session = EndpointConfig.session

    def session(self: EndpointConfig) -> Any:
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is None:
            return make_session(self)
        kept = self.__dict__.setdefault("_kept_sessions", {})
        current = kept.get(id(loop))
        if current is None or current.closed:
            current = make_session(self)
            kept[id(loop)] = current
        return _KeptSession(current)

    EndpointConfig.session = session


def sequential_graph_runner() -> type:
    """The `SequentialGraphRunner` class (built here so that importing this module needs no Rasa)."""
    from rasa.engine.exceptions import GraphRunError
    from rasa.engine.runner.dask import DaskGraphRunner

    class SequentialGraphRunner(DaskGraphRunner):
        """DaskGraphRunner's nodes and results, run in a cached topological order without dask."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._orders: Dict[tuple, List[str]] = {}

        def _order(self, targets: tuple) -> List[str]:
            """The nodes the targets need, each after everything it needs."""
            order = self._orders.get(targets)
            if order is None:
                nodes, order, seen = self._graph_schema.nodes, [], set()

                def visit(name: str) -> None:
                    if name in seen or name not in nodes:  # an input placeholder, or done
                        return
                    seen.add(name)
                    for parent in nodes[name].needs.values():
                        visit(parent)
                    order.append(name)

                for target in targets:
                    visit(target)
                order = self._orders[targets] = order
            return order

        def run(self, inputs: Dict[str, Any] | None = None, targets: List[str] | None = None) -> Dict[str, Any]:
            run_targets = list(targets or self._graph_schema.target_names)
            nodes = self._graph_schema.nodes
            values: Dict[str, Any] = {}
            for name, value in (inputs or {}).items():
                if isinstance(value, str) and value in nodes:
                    raise GraphRunError(f"Input value '{value}' clashes with a node name. Make sure that none of "
                                        f"the input names passed to the `run` method are the same as node names "
                                        f"in the graph schema.")
                values[name] = (name, value)
            try:
                for name in self._order(tuple(run_targets)):
                    # like dask: a need that is neither a node nor an input is passed as its name
                    values[name] = self._instantiated_nodes[name](
                        *(values.get(parent, parent) for parent in nodes[name].needs.values()))
            except RuntimeError as e:
                raise GraphRunError("Error running runner.") from e
            return dict(values[t] for t in run_targets)

    return SequentialGraphRunner


def _patch_graph_runner() -> None:
    import rasa.core.processor

    rasa.core.processor.DaskGraphRunner = sequential_graph_runner()


def _patch_gc_after_model_load() -> None:
    import rasa.core.run

    load_agent_on_start = rasa.core.run.load_agent_on_start

    async def load_agent_then_freeze(*args: Any, **kwargs: Any) -> Any:
        agent = await load_agent_on_start(*args, **kwargs)
        gc.collect()
        gc.freeze()
        logger.debug("Modellen är inläst; %d objekt undantas från skräpsamlingen.", gc.get_freeze_count())
        return agent

    rasa.core.run.load_agent_on_start = load_agent_then_freeze


class _StateWithoutEvents:
    """What Rasa's `_action_call_format` reads of a tracker (its id and `current_state`), with the
    current state but no events."""

    def __init__(self, tracker: Any) -> None:
        self.sender_id = tracker.sender_id
        self._tracker = tracker

    def current_state(self, _verbosity: Any = None) -> Dict[str, Any]:
        from rasa.shared.core.trackers import EventVerbosity

        return {**self._tracker.current_state(EventVerbosity.NONE), "events": []}


def sends_events(endpoint: Any) -> bool:
    """Whether action calls carry the conversation's events (`send_events` in endpoints.yml, default yes)."""
    value = (getattr(endpoint, "kwargs", None) or {}).get("send_events", True)
    return value not in (False, "false", "False", "no", 0)


def _patch_action_call_format() -> None:
    from rasa.core.actions.action import RemoteAction

    rasa_format = RemoteAction._action_call_format

    def _action_call_format(self: RemoteAction, tracker: Any, domain: Any) -> Dict[str, Any]:
        if sends_events(self.action_endpoint):
            return rasa_format(self, tracker, domain)
        return rasa_format(self, _StateWithoutEvents(tracker), domain)

    RemoteAction._action_call_format = _action_call_format


def _patch_domain_is_empty() -> None:
    from rasa.shared.core.domain import Domain

    is_empty = Domain.is_empty

    def remembered_is_empty(self: Domain) -> bool:
        known = self.__dict__.get("_stodlotsen_is_empty")
        if known is None:
            known = self.__dict__["_stodlotsen_is_empty"] = is_empty(self)
        return known

    Domain.is_empty = remembered_is_empty


class CopyOnlyForDebugLog:
    """Stands in for the `copy` module in `rasa.core.processor`, where `copy.deepcopy` only makes
    arguments for debug log lines: a copy when *logger* logs debug lines, else the value itself."""

    def __init__(self, logger_name: str) -> None:
        self._logger = logging.getLogger(logger_name)

    def deepcopy(self, value: Any, memo: Any = None) -> Any:
        if self._logger.isEnabledFor(logging.DEBUG):
            return copy.deepcopy(value, memo)
        return value

    def __getattr__(self, name: str) -> Any:  # copy.copy and the rest, unchanged
        return getattr(copy, name)


def _patch_processor_log_copies() -> None:
    import rasa.core.processor

    rasa.core.processor.copy = CopyOnlyForDebugLog(rasa.core.processor.__name__)


def reads_tracker_only(action: Any) -> bool:
    """Actions whose `run` only reads the tracker it is given."""
    from rasa.core.actions.action import ActionBotResponse, ActionListen, RemoteAction

    return isinstance(action, (RemoteAction, ActionListen, ActionBotResponse))


def _patch_run_action_copy() -> None:
    from rasa.core.processor import MessageProcessor

    run_action = MessageProcessor._run_action

    async def _run_action(self: MessageProcessor, action: Any, tracker: Any, output_channel: Any, nlg: Any,
                          prediction: Any) -> bool:
        if prediction.events or not reads_tracker_only(action):
            return await run_action(self, action, tracker, output_channel, nlg, prediction)
        tracker.copy = lambda: tracker  # Rasa's one `tracker.copy()` in there: nothing to drop
        try:
            return await run_action(self, action, tracker, output_channel, nlg, prediction)
        finally:
            del tracker.copy

    _run_action.__wrapped__ = run_action
    MessageProcessor._run_action = _run_action


def _patch_event_type_lookup() -> None:
    from rasa.shared.core.events import Event

    resolve = Event.resolve_by_type
    found: Dict[str, type] = {}

    def resolve_by_type(type_name: str, default: Any = None) -> Any:
        cls = found.get(type_name)
        if cls is None:
            cls = resolve(type_name, default)
            if cls is not None and getattr(cls, "type_name", None) == type_name:
                found[type_name] = cls
        return cls

    resolve_by_type.__wrapped__ = resolve
    Event.resolve_by_type = staticmethod(resolve_by_type)


def install() -> None:
    """Apply the fixes once per process."""
    global _installed
    if _installed:
        return
    _patch_action_validation()
    _patch_endpoint_sessions()
    _patch_graph_runner()
    _patch_gc_after_model_load()
    _patch_action_call_format()
    _patch_domain_is_empty()
    _patch_processor_log_copies()
    _patch_run_action_copy()
    _patch_event_type_lookup()
    _installed = True
    logger.debug("Rasa hot-path fixes installed.")
