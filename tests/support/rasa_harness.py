"""Rasa's own MessageProcessor handling real messages, without a trained model: a stub graph (an NLU
target that gives a fixed intent, a core target that predicts `action_route` after a user message and
`action_listen` after it), a real action call over HTTP to a stub action server on loopback, and the
tracker store of your choice. Used to show that Rasa still calls the members our code replaces or
overrides (a patch Rasa no longer calls would do nothing, and only such a test notices).
"""
from __future__ import annotations

import asyncio
import inspect
from types import SimpleNamespace
from typing import Any, Callable, Dict, List

from aiohttp import web
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.lock_store import InMemoryLockStore
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.core.policies.policy import PolicyPrediction
from rasa.core.processor import MessageProcessor
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.data import TrainingType
from rasa.shared.nlu.training_data.message import Message
from rasa.utils.endpoints import EndpointConfig

DOMAIN = Domain.from_yaml("""
intents: [child_bullying]
slots:
  municipality: {type: text, influence_conversation: false, mappings: [{type: custom}]}
actions: [action_route]
""")
# What the stub action server answers: a slot, a message, and the same for every call.
ACTION_RESPONSE = {"events": [{"event": "slot", "name": "municipality", "value": "kungalv"}],
                   "responses": [{"text": "Ring Bris på 116 111."}]}


class StubGraph:
    """Stands in for the trained graph's two targets."""

    def __init__(self, domain: Domain, intent: str) -> None:
        self.domain, self.intent = domain, intent

    def run(self, inputs: Dict[str, Any], targets: List[str]) -> Dict[str, Any]:
        (target,) = targets
        if target == "nlu":
            message = inputs["__message__"][0]
            parsed = Message(data={"text": message.text, "intent": {"name": self.intent, "confidence": 1.0},
                                   "entities": []}, output_properties={"text", "intent", "entities"})
            return {target: [parsed]}
        tracker = inputs["__tracker__"]
        after_user = tracker.latest_action_name == "action_listen"
        name = "action_route" if after_user else "action_listen"
        probabilities = [0.0] * len(self.domain.action_names_or_texts)
        probabilities[self.domain.index_for_action(name)] = 1.0
        return {target: PolicyPrediction(probabilities, "StubPolicy")}


def processor(action_url: str, tracker_store: Any = None, domain: Domain = DOMAIN,
              intent: str = "child_bullying") -> MessageProcessor:
    """A MessageProcessor as Rasa builds it after loading a model, with the stub graph."""
    built = object.__new__(MessageProcessor)
    built.nlg = TemplatedNaturalLanguageGenerator(domain.responses)
    built.tracker_store = tracker_store or InMemoryTrackerStore(domain)
    built.lock_store = InMemoryLockStore()
    built.max_number_of_predictions = 10
    built.on_circuit_break = None
    built.action_endpoint = EndpointConfig(action_url, send_events=False)
    built.model_filename, built.model_path = "stub.tar.gz", None
    built.model_metadata = SimpleNamespace(training_type=TrainingType.BOTH, nlu_target="nlu", core_target="core",
                                           assistant_id="test", model_id="stub", domain=domain)
    built.graph_runner = StubGraph(domain, intent)
    built.domain = domain
    built.http_interpreter = None
    return built


def handle(texts: List[str], run: Callable[[MessageProcessor], Any] | None = None, tracker_store: Any = None,
           sender: str = "harness", message_ids: List[str | None] | None = None) -> List[List[Dict[str, Any]]]:
    """Start the stub action server, let a processor handle *texts* one after the other; each reply.
    *run*, if given, is called with the processor first (to spy on it). *message_ids*: the messages' ids."""

    async def main() -> List[List[Dict[str, Any]]]:
        app = web.Application()

        async def webhook(request: web.Request) -> web.Response:
            await request.read()
            return web.json_response(ACTION_RESPONSE)

        app.router.add_post("/webhook", webhook)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        built = processor(f"http://127.0.0.1:{port}/webhook", tracker_store)
        if run is not None:
            run(built)
        replies = []
        try:
            for text, message_id in zip(texts, message_ids or [None] * len(texts), strict=True):
                output = CollectingOutputChannel()
                await built.handle_message(UserMessage(text, output, sender, message_id=message_id))
                replies.append(list(output.messages))
        finally:
            await runner.cleanup()
        return replies

    return asyncio.run(main())


class Spy:
    """Counts the calls that went through the wrapped member."""

    def __init__(self) -> None:
        self.calls = 0


def spy_on(monkeypatch: Any, owner: Any, name: str) -> Spy:
    """Wrap owner.name (whatever is there now: a patch, if one is installed) in a call counter."""
    raw = inspect.getattr_static(owner, name)
    static = isinstance(raw, staticmethod)
    function = raw.__func__ if static else getattr(owner, name)
    spy = Spy()
    if inspect.iscoroutinefunction(function):
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            spy.calls += 1
            return await function(*args, **kwargs)
    else:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            spy.calls += 1
            return function(*args, **kwargs)
    monkeypatch.setattr(owner, name, staticmethod(wrapper) if static else wrapper)
    return spy
