"""Runs the semantic neighbour off the event loop, on the other core (installed by serve.py).

Embedding a message costs 20–35 ms of CPU. Done inside the graph it would stop every other
conversation for that long. So inside the server, `CrisisOverride` only marks a message whose
vote needs the neighbour (`crisis.ask`), and this hook – wrapped around Rasa's
`MessageProcessor.parse_message`, which is a coroutine – embeds the text in one worker thread
(the C engine releases the GIL) and applies the full vote before the policy sees the message.
If the worker is busy for longer than `TIMEOUT_S`, the message keeps the decision of the rules and
the classifier and the log says so. Every message's final crisis kind and the neighbour's time are counted
for `/metrics` (rasa_wing/metrics.py).
"""
from __future__ import annotations

import asyncio
import logging
import time
import weakref
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict

from rasa_wing import metrics

logger = logging.getLogger(__name__)

TIMEOUT_S = 2.0
_state: Dict[str, Any] = {"installed": False, "component": None, "executor": None}


def active() -> bool:
    """Whether messages are parsed under the hook (the vote may wait for the neighbour)."""
    return bool(_state["installed"])


def register(component: Any) -> None:
    """The loaded CrisisOverride whose neighbour the hook asks (the latest model wins).

    Inside the server the worker thread embeds one word at once: its first embedding is slow
    (the engine sets itself up in the thread), and on a busy machine it ran past `TIMEOUT_S`, so
    the first message that needed the neighbour on each instance was voted without it."""
    _state["component"] = weakref.ref(component)
    if _state["installed"] and getattr(component, "neighbours", None) is not None:
        _executor().submit(lambda: component.encoder().embed(["hej"]))


def _executor() -> ThreadPoolExecutor:
    if _state["executor"] is None:
        _state["executor"] = ThreadPoolExecutor(max_workers=1, thread_name_prefix="semantic")
    return _state["executor"]


async def complete(parse_data: Dict[str, Any]) -> Dict[str, Any]:
    """Apply the full crisis vote to parse data that asks for the neighbour's opinion."""
    info = parse_data.get("crisis") or {}
    ref = _state["component"]
    component = ref() if ref is not None else None
    if not info.get("ask") or component is None:
        metrics.crisis(parse_data)
        return parse_data
    loop = asyncio.get_running_loop()
    started = time.perf_counter()
    try:
        opinion = await asyncio.wait_for(
            loop.run_in_executor(_executor(), component.semantic_opinion, parse_data.get("text") or ""),
            TIMEOUT_S)
    except asyncio.TimeoutError:
        logger.warning("Semantiska grannen svarade inte inom %.1f s; regler och klassificerare avgör", TIMEOUT_S)
        opinion = None
    except Exception as e:  # noqa: BLE001 - the message must still be answered
        logger.error("Semantiska grannen misslyckades (%s); regler och klassificerare avgör", type(e).__name__)
        opinion = None
    metrics.SEMANTIC_SECONDS.observe(time.perf_counter() - started)
    component.revote(parse_data, opinion)
    metrics.crisis(parse_data)
    return parse_data


def install() -> None:
    """Wrap MessageProcessor.parse_message (idempotent). Only on the tested Rasa with the tested
    parameters (rasa_wing/compat.py); otherwise the neighbour runs inside the graph, which is
    as safe but costs the event loop its 20–40 ms."""
    from rasa.core.processor import MessageProcessor

    from rasa_wing import compat

    if _state["installed"]:
        return
    target = compat.Target(MessageProcessor, "parse_message", ("self", "message", "tracker", "only_output_properties"))
    reason = compat.untested_version("rasa") or target.problem()
    if reason:
        compat.refuse("Den semantiska grannen i en egen tråd", reason)
        return
    original = MessageProcessor.parse_message

    async def parse_message(self, message, tracker=None, only_output_properties=True):  # noqa: ANN001, ANN202
        return await complete(await original(self, message, tracker, only_output_properties))

    MessageProcessor.parse_message = parse_message
    _state["installed"] = True
