"""Rasa 3.6 hot-path fixes that keep Rasa's behaviour and remove per-message waste.

Each fix is one `_Patch`: what it replaces and relies on in Rasa 3.6.21 (`compat.Target`s) and
the replacements. `install()` applies those whose targets are all as in the tested version, each
all or nothing; on another Rasa version it applies none and says so in one log line
(rasa_wing/compat.py). `uninstall()` puts Rasa's own members back. Why each fix was made and
what it saved: docs/prestanda.md.

* Action responses: `RemoteAction._validate_action_result` validates with validators built once,
  and checks each event only against the one alternative of Rasa's `oneOf` event schema its
  `"event"` name picks. Anything that fails is checked again against the whole schema, which
  raises the same `ValidationError` as before and has the last word.
* Keep-alive: `EndpointConfig.session` lends one long-lived aiohttp session per endpoint and event
  loop instead of a new session (and TCP connection) per action call.
* Graph runs: `SequentialGraphRunner` replaces `DaskGraphRunner` in the processor; it works out
  each target list's node order once and calls the same graph nodes with the same inputs.
* Garbage collection: once the model is loaded, `gc.freeze()` keeps the millions of long-lived
  objects out of every later full collection.
* `send_events: false` under `action_endpoint` in endpoints.yml: action calls carry the
  tracker's current state (latest message, slots, …) and no events. Without it, Rasa's format.
* `Domain.is_empty` is remembered on the domain (a loaded domain does not change).
* The processor's `copy.deepcopy` (used only for the arguments of debug log lines) copies only
  when the processor logs at debug level.
* `MessageProcessor._run_action`: an action that only reads the tracker gets the tracker itself
  instead of a rebuilt copy when the prediction carries no events (there is nothing to drop).
* `Event.resolve_by_type` remembers the class found for each type name.

`rasa_wing.serve` (the entry point of `make run` and the benchmark) calls `install()`; the tests
use the `installed_speedups` fixture (tests/conftest.py).
"""

from __future__ import annotations

import asyncio
import copy
import gc
import logging
import types
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Sequence, Tuple

from rasa_wing import compat
from rasa_wing.compat import Target

logger = logging.getLogger(__name__)

Replacement = Tuple[Any, str, Any]  # (owner, attribute, new value); owner.attribute is one of the patch's targets


@dataclass(frozen=True)
class _Patch:
    name: str  # for the log line when it is not applied
    targets: Callable[[], Sequence[Target]]  # what it replaces and relies on, as in Rasa 3.6.21
    replacements: Callable[[], Sequence[Replacement]]  # built only when every target is as tested


# --- action responses: validators built once, each event against the one schema its name picks ------
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


def _action_validation_targets() -> List[Target]:
    from rasa.core.actions.action import RemoteAction

    return [Target(RemoteAction, "_validate_action_result", ("self", "result")),
            Target(RemoteAction, "action_response_format_spec", ())]


def _action_validation() -> List[Replacement]:
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

    return [(RemoteAction, "_validate_action_result", _validate_action_result)]


# --- keep-alive to the action server ------------------------------------------------------------------
class _KeptSession:
    """Async context manager that lends a long-lived session without closing it."""

    def __init__(self, session: Any) -> None:
        self._session = session

    async def __aenter__(self) -> Any:
        return self._session

    async def __aexit__(self, *exc: Any) -> None:
        return None


def _endpoint_session_targets() -> List[Target]:
    from rasa.utils.endpoints import EndpointConfig

    return [Target(EndpointConfig, "session", ("self",)),
            Target(EndpointConfig, "request", ("self", "method", "subpath", "content_type", "compress", "kwargs"))]


def _endpoint_sessions() -> List[Replacement]:
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

    return [(EndpointConfig, "session", session)]


# --- graph runs without dask -----------------------------------------------------------------------------
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


def _graph_runner_targets() -> List[Target]:
    import rasa.core.processor
    from rasa.engine.runner.dask import DaskGraphRunner

    return [Target(rasa.core.processor, "DaskGraphRunner", ("graph_schema", "model_storage", "execution_context", "hooks"),
                   kind=type),
            Target(DaskGraphRunner, "run", ("self", "inputs", "targets"))]


def _graph_runner() -> List[Replacement]:
    import rasa.core.processor

    return [(rasa.core.processor, "DaskGraphRunner", sequential_graph_runner())]


# --- gc.freeze() once the model is loaded ----------------------------------------------------------------
def _gc_targets() -> List[Target]:
    import rasa.core.run

    return [Target(rasa.core.run, "load_agent_on_start", ("model_path", "endpoints", "remote_storage", "app", "loop"))]


def _gc_after_model_load() -> List[Replacement]:
    import rasa.core.run

    load_agent_on_start = rasa.core.run.load_agent_on_start

    async def load_agent_then_freeze(*args: Any, **kwargs: Any) -> Any:
        agent = await load_agent_on_start(*args, **kwargs)
        gc.collect()
        gc.freeze()
        logger.debug("Modellen är inläst; %d objekt undantas från skräpsamlingen.", gc.get_freeze_count())
        return agent

    return [(rasa.core.run, "load_agent_on_start", load_agent_then_freeze)]


# --- action calls without the conversation's events (send_events: false) ------------------------------
class _StateWithoutEvents:
    """What Rasa's `_action_call_format` reads of a tracker (its id and `current_state`), with the
    current state but no events – only the channel of the latest message, as one user event without
    anything else (what rasa-sdk's `Tracker.get_latest_input_channel` reads; the lägesbild counts by channel)."""

    def __init__(self, tracker: Any) -> None:
        self.sender_id = tracker.sender_id
        self._tracker = tracker

    def current_state(self, _verbosity: Any = None) -> Dict[str, Any]:
        from rasa.shared.core.trackers import EventVerbosity

        channel = self._tracker.get_latest_input_channel()
        return {**self._tracker.current_state(EventVerbosity.NONE),
                "events": [{"event": "user", "input_channel": channel}] if channel else []}


def sends_events(endpoint: Any) -> bool:
    """Whether action calls carry the conversation's events (`send_events` in endpoints.yml, default yes)."""
    value = (getattr(endpoint, "kwargs", None) or {}).get("send_events", True)
    return value not in (False, "false", "False", "no", 0)


def _action_call_format_targets() -> List[Target]:
    from rasa.core.actions.action import RemoteAction

    return [Target(RemoteAction, "_action_call_format", ("self", "tracker", "domain"))]


def _action_call_format() -> List[Replacement]:
    from rasa.core.actions.action import RemoteAction

    rasa_format = RemoteAction._action_call_format

    def _action_call_format(self: RemoteAction, tracker: Any, domain: Any) -> Dict[str, Any]:
        if sends_events(self.action_endpoint):
            return rasa_format(self, tracker, domain)
        return rasa_format(self, _StateWithoutEvents(tracker), domain)

    return [(RemoteAction, "_action_call_format", _action_call_format)]


# --- Domain.is_empty remembered -----------------------------------------------------------------------------
def _domain_targets() -> List[Target]:
    from rasa.shared.core.domain import Domain

    return [Target(Domain, "is_empty", ("self",))]


def _domain_is_empty() -> List[Replacement]:
    from rasa.shared.core.domain import Domain

    is_empty = Domain.is_empty

    def remembered_is_empty(self: Domain) -> bool:
        known = self.__dict__.get("_stodlotsen_is_empty")
        if known is None:
            known = self.__dict__["_stodlotsen_is_empty"] = is_empty(self)
        return known

    return [(Domain, "is_empty", remembered_is_empty)]


# --- deep copies only for debug lines that are written --------------------------------------------------
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


def _log_copy_targets() -> List[Target]:
    import rasa.core.processor

    return [Target(rasa.core.processor, "copy", kind=types.ModuleType)]


def _processor_log_copies() -> List[Replacement]:
    import rasa.core.processor

    return [(rasa.core.processor, "copy", CopyOnlyForDebugLog(rasa.core.processor.__name__))]


# --- no tracker copy when the prediction has no events -----------------------------------------------------
def reads_tracker_only(action: Any) -> bool:
    """Actions whose `run` only reads the tracker it is given."""
    from rasa.core.actions.action import ActionBotResponse, ActionListen, RemoteAction

    return isinstance(action, (RemoteAction, ActionListen, ActionBotResponse))


def _run_action_targets() -> List[Target]:
    from rasa.core.processor import MessageProcessor
    from rasa.shared.core.trackers import DialogueStateTracker

    return [Target(MessageProcessor, "_run_action", ("self", "action", "tracker", "output_channel", "nlg", "prediction")),
            Target(DialogueStateTracker, "copy", ("self",))]


def _run_action_copy() -> List[Replacement]:
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
    return [(MessageProcessor, "_run_action", _run_action)]


# --- event classes looked up once per type name ----------------------------------------------------------
def _event_lookup_targets() -> List[Target]:
    from rasa.shared.core.events import Event

    return [Target(Event, "resolve_by_type", ("type_name", "default"))]


def _event_type_lookup() -> List[Replacement]:
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
    return [(Event, "resolve_by_type", staticmethod(resolve_by_type))]


PATCHES = (
    _Patch("Snabbare kontroll av action-svar", _action_validation_targets, _action_validation),
    _Patch("Keep-alive till action-servern", _endpoint_session_targets, _endpoint_sessions),
    _Patch("Sekventiell grafkörning", _graph_runner_targets, _graph_runner),
    _Patch("gc.freeze() efter modellinläsning", _gc_targets, _gc_after_model_load),
    _Patch("Action-anrop utan händelser (send_events: false)", _action_call_format_targets, _action_call_format),
    _Patch("Domain.is_empty sparas", _domain_targets, _domain_is_empty),
    _Patch("Inga kopior för oskrivna debug-rader", _log_copy_targets, _processor_log_copies),
    _Patch("Ingen tracker-kopia utan förutsägelsehändelser", _run_action_targets, _run_action_copy),
    _Patch("Händelseklasser slås upp en gång", _event_lookup_targets, _event_type_lookup),
)
WHAT = "Rasa-snabbfixarna (rasa_wing/speedups.py)"

_applied: compat.Patches | None = None


def install() -> List[str]:
    """Apply the fixes once per process: the names of those applied. On a Rasa version they were not
    written for none is applied (one log line); a fix whose targets differ is left out (one line each)."""
    global _applied
    if _applied is not None:
        return list(_applied.names)
    _applied = compat.Patches()
    reason = compat.refusal()
    if reason:
        compat.refuse(WHAT, reason)
        return []
    for patch in PATCHES:
        targets = patch.targets()
        reason = compat.refusal(targets, packages=())
        replacements: Sequence[Replacement] = ()
        if reason is None:
            try:
                replacements = patch.replacements()
            except Exception as e:  # noqa: BLE001 - built before anything is replaced: Rasa stays as it is
                reason = f"kunde inte byggas ({type(e).__name__})"
            checked = {(id(t.owner), t.name) for t in targets}
            unchecked = [name for owner, name, _ in replacements if (id(owner), name) not in checked]
            if unchecked:
                reason = f"ersätter {', '.join(unchecked)} utan att kontrollera det"
        if reason:
            compat.refuse(f"{patch.name} ({WHAT})", reason)
            continue
        _applied.apply(patch.name, replacements)
    logger.debug("Rasa hot-path fixes installed: %s", ", ".join(_applied.names))
    return list(_applied.names)


def uninstall() -> None:
    """Put Rasa's own members back (the tests use it; a server keeps the fixes)."""
    global _applied
    if _applied is not None:
        _applied.undo()
        _applied = None
