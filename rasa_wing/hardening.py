"""What Rasa's web server tells the world, cut to what the chat widget needs.

* `GET /` answers `{"status": "ok"}`; Rasa's own answer names its version ("Hello from Rasa: 3.6.21").
* CORS (`rasa run --cors ORIGIN …`) covers only the REST webhook, with only what the widget uses:
  POST (and the OPTIONS preflight) with a Content-Type header, no cookies or credentials.
  Rasa's own set-up allows every path, every method and credentials.
* Files Rasa creates (the SQLite database with its -wal and -shm files, a log file) are readable
  by the service's own user only (umask 077).

`install()` is called by `rasa_wing.serve` before Rasa builds its app. The two Rasa functions are
replaced only on the tested Rasa with the tested parameters (rasa_wing/compat.py; otherwise one
log line and Rasa's own behaviour). `STODLOTSEN_SPEEDUPS=0` does not switch this off: it is about
safety, not speed.
"""
from __future__ import annotations

import os
from typing import Any, List

WIDGET_PATH = "/webhooks/rest/webhook"
UMASK = 0o077


def add_root_route(app: Any) -> None:
    """`GET /`: a health check that says nothing about the software."""
    from sanic import response

    @app.get("/")
    async def health(request: Any) -> Any:
        return response.json({"status": "ok"})


def configure_cors(app: Any, cors_origins: str | List[str] | None = "") -> None:
    """CORS for the chat widget only: the listed origins may POST JSON to the REST webhook."""
    from sanic_cors import CORS

    CORS(app, resources={WIDGET_PATH: {"origins": cors_origins or ""}}, automatic_options=True,
         methods=["POST", "OPTIONS"], allow_headers=["Content-Type"], supports_credentials=False,
         expose_headers=None, max_age=600)


def install() -> None:
    import rasa.server

    from rasa_wing import compat

    os.umask(UMASK)
    targets = (compat.Target(rasa.server, "add_root_route", ("app",)),
               compat.Target(rasa.server, "configure_cors", ("app", "cors_origins")))
    reason = compat.untested_version("rasa") or next((p for p in (t.problem() for t in targets) if p), None)
    if reason:
        compat.refuse("Härdningen av Rasas webbserver (ingen versionsrad, CORS bara för widgeten)", reason)
        return
    rasa.server.add_root_route = add_root_route
    rasa.server.configure_cors = configure_cors
