"""Rasa 3.6 hot-path fixes that keep Rasa's behaviour and remove per-message waste.

Profiling the running bot under load (py-spy, see bench/REPORT.md) showed that a large
share of Rasa's CPU time per message went to work that gives the same result every time:

* `RemoteAction._validate_action_result` calls `jsonschema.validate(result, schema)`, which
  re-checks the (constant) schema against the meta-schema for every action call. We build
  the validator once, check the schema once, and validate each response with it: the same
  responses pass and fail as before, with the same `ValidationError`.
* `EndpointConfig.request` opens a new aiohttp session (and TCP connection) per action
  call. We keep one session per endpoint and event loop, so calls to the action server use
  HTTP keep-alive. Headers, auth, timeouts and error handling are unchanged.

`install()` is idempotent and is called by `bot.serve`, the entry point `make run` uses.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict

logger = logging.getLogger(__name__)

_installed = False


def _action_result_validator() -> Any:
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _patch_action_validation() -> None:
    from jsonschema import ValidationError
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    validator = _action_result_validator()

    def _validate_action_result(self: RemoteAction, result: Dict[str, Any]) -> bool:
        try:
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


def install() -> None:
    """Apply the fixes once per process."""
    global _installed
    if _installed:
        return
    _patch_action_validation()
    _patch_endpoint_sessions()
    _installed = True
    logger.debug("Rasa hot-path fixes installed.")
