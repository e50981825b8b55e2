"""The staff pages behind the token, as the web server hands them over: `handle(Request) -> Outcome`.

The server (tools/webserver.py) checks the token and passes its scope – `edit.ALL`, a municipality id, or
`edit.REVIEW` – and the form key it derives from the token. Every POST must carry that key back (`skydd`): a
page on another site cannot make a signed-in browser change the catalogue. What a scope may do is decided in the
pages (staff/resource_page.py, staff/review_page.py), on the server.

    /personal                     the overview (staff/page.py)
    /personal/resurs/<id>         one resource: form, check, preview before save, the coming 14 days
    /personal/kopior              the dated copies of every save, and restoring one (scope alla)
    /personal/oversattningar      translation review
"""
from __future__ import annotations

import datetime as dt
import hmac
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List

from bot import catalogue_file, hours
from staff import page, resource_page, review_page
from staff.page import layout
from staff.resource_page import Outcome

_RESOURCE = re.compile(r"^/resurs/([a-z0-9_]{1,80})$")


@dataclass(frozen=True)
class Request:
    method: str  # GET or POST
    path: str  # below /personal: "", "/resurs/bris", "/kopior", "/oversattningar"
    scope: str
    form_key: str
    query: Dict[str, List[str]] = field(default_factory=dict)
    form: Dict[str, List[str]] = field(default_factory=dict)
    catalogue: Path | None = None
    now: dt.datetime | None = None


def form_key(token: str) -> str:
    """What the pages' forms carry back: derived from the token, so only a page served with it knows it."""
    return hmac.new(token.encode("utf-8"), b"stodlotsen-personal-formular", "sha256").hexdigest()[:32]


def handle(request: Request) -> Outcome:
    path = catalogue_file.catalogue_path(request.catalogue)
    now = (request.now or dt.datetime.now(hours.STOCKHOLM)).astimezone(hours.STOCKHOLM)
    if request.method == "POST" and not hmac.compare_digest(
            (request.form.get("skydd") or [""])[-1].encode("utf-8"), request.form_key.encode("utf-8")):
        return Outcome(403, layout("Inte tillåtet", "<p>Formuläret kom inte från personalsidan (eller är för gammalt). "
                                                    f'Öppna <a href="{page.PATH}">personalsidan</a> igen.</p>',
                                   request.scope))
    sub = request.path.rstrip("/")
    if sub == "":
        if request.method != "GET":
            return Outcome(405, layout("Fel metod", "<p>Den här sidan tar bara emot GET.</p>", request.scope))
        return Outcome(200, page.render(request.query, path, now, request.scope))
    match = _RESOURCE.match(sub)
    if match:
        return resource_page.handle(request.method, match.group(1), request.query, request.form, request.scope,
                                    request.form_key, path, now)
    if sub == "/kopior":
        return resource_page.copies_page(request.method, request.form, request.scope, request.form_key, path)
    if sub == "/oversattningar":
        return review_page.handle(request.method, request.query, request.form, request.scope, request.form_key, path)
    return Outcome(404, layout("Sidan finns inte", f'<p><a href="{page.PATH}">Till personalsidan</a>.</p>', request.scope))
