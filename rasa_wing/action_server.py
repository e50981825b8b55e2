"""The action server, as `rasa run actions`, but private by construction.

    python -m rasa_wing.action_server --port 5055

Differences from rasa-sdk's own entry point:
- listens on 127.0.0.1 only (only Rasa on the same machine calls it; `SANIC_HOST` is ignored);
- no CORS headers (no browser ever talks to it);
- idle keep-alive connections are kept for 75 s (Sanic's default is 5 s). Rasa keeps its
  connections to the action server open for reuse (rasa_wing/speedups.py) and drops idle ones
  after 15 s (aiohttp's default). With the server closing first, a call could go out on a
  connection at the moment the server closed it, fail, and the person got the static reply;
  now Rasa always closes first;
- an error answers with a short generic JSON body: rasa-sdk's default handler echoes the
  whole request (the conversation) in the 500 response, which Rasa then writes to its log.
  The log gets the exception type and the stack, never the request or the exception text;
- every reply the domain decides is counted for the lägesbild (`bot.counts`, hooked on
  `bot.conversation.REPLIED` when the server starts), into the counters' database beside the tracker
  store that endpoints.yml names (`STODLOTSEN_ENDPOINTS`, else ./endpoints.yml; `bot.count_store`).
"""
from __future__ import annotations

import gc
import logging
import os
import sys
import traceback

from rasa_sdk import utils
from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME
from rasa_sdk.endpoint import create_app, create_argument_parser
from sanic import Sanic, response
from sanic.exceptions import SanicException

from bot import catalogue_store, conversation, count_store, counts, hours, languages
from rasa_wing import action_guard, log_guard
from rasa_wing.hardening import UMASK

logger = logging.getLogger(__name__)

HOST = "127.0.0.1"
# Longer than the 15 s after which Rasa's client (aiohttp) drops an idle connection itself.
KEEP_ALIVE_TIMEOUT_S = 75


def record_replies(endpoints: str | None = None) -> counts.Recorder | None:
    """Count every decided reply for the lägesbild (None when `statistics_days` is 0: counting is off)."""
    url, days = count_store.locate(endpoints)
    if days == 0:
        logger.info("Lägesbildens räknare är avstängda (statistics_days: 0).")
        return None
    recorder = counts.Recorder(count_store.Store(url, days), interval=counts.flush_seconds()).start()
    conversation.REPLIED.append(counts.observer(recorder))
    return recorder


async def private_error(request, exception: Exception):
    """A generic error response: no request content, no exception text."""
    status = exception.status_code if isinstance(exception, SanicException) else 500
    frames = "".join(traceback.format_tb(exception.__traceback__))
    logger.error("Fel i action-servern (%s, status %d):\n%s", type(exception).__name__, status, frames)
    text = "felaktig begäran" if 400 <= status < 500 else "internt fel"
    return response.json({"error": text}, status=status)


def build_app(actions: str = "actions") -> Sanic:
    """rasa-sdk's app with our error handler and without CORS."""
    app = create_app(actions, cors_origins=None)
    app.config.KEEP_ALIVE_TIMEOUT = KEEP_ALIVE_TIMEOUT_S
    app.error_handler.add(Exception, private_error)
    action_guard.install(app)  # malformed action calls get a 400, not a 500
    started: dict = {}

    async def start_counting(_app, _loop) -> None:  # noqa: ANN001 - in the process that serves (also a worker)
        started["recorder"] = record_replies()

    async def stop_counting(_app, _loop) -> None:  # noqa: ANN001
        if started.get("recorder") is not None:
            started.pop("recorder").stop()  # what was counted is stored before the process ends

    app.register_listener(start_counting, "before_server_start")
    app.register_listener(stop_counting, "after_server_stop")
    return app


def main(argv: list[str] | None = None) -> None:
    args = create_argument_parser().parse_args(argv)
    os.umask(UMASK)  # a log file (--log-file) is readable by the service's user only
    log_guard.install()
    logging.getLogger("matplotlib").setLevel(logging.WARN)
    utils.configure_colored_logging(args.loglevel)
    utils.configure_file_logging(logging.getLogger(APPLICATION_ROOT_LOGGER_NAME), args.log_file, args.loglevel,
                                 args.logging_config_file)
    utils.update_sanic_log_level()
    app = build_app(args.actions or "actions")
    catalogue_store.watch()  # a broken catalogue edit is logged when it is saved, not at the next message
    hours.warm_up()  # the holiday calendar is built now, not during the first question about opening hours
    languages.detect("warm up")  # the language detector's models load now, not during the first foreign message
    # What is loaded now lives as long as the process: keep the garbage collector from walking it
    # in every full collection (see rasa_wing/speedups.py).
    gc.collect()
    gc.freeze()
    logger.info("Action-servern lyssnar på http://%s:%d", HOST, args.port)
    app.run(HOST, args.port, workers=utils.number_of_sanic_workers(), access_log=False)


if __name__ == "__main__":
    main(sys.argv[1:])
