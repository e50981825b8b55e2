"""A small static web server for the chat widget and its demo page (`web/`).

`make run` starts it on 127.0.0.1:8080:

    python -m tools.webserver --port 8080 --rasa-url http://localhost:5005

Every response carries security headers. HTML pages get a Content-Security-Policy that allows
scripts, styles and images from this server only, the page's own inline scripts by hash (the
widget's configuration object), and connections to this server and to Rasa. When --rasa-url is
given, the `rasaUrl` of the demo page's configuration object is set to it, so tests can point the
page at a bot on a free port. The page says how long the service keeps a conversation: the retention
time configured for the tracker store (`retention_days` in endpoints.yml, or STODLOTSEN_RETENTION_DAYS).
Requests are not logged (nothing about a visitor is kept).

Pages behind a token (`PROTECTED`): /personal and the pages below it, the staff pages (staff/web.py), and
/statistik, the lägesbild for the municipality's safety work (staff/report.py). Each
is off (404, like any missing page) unless its environment variable holds a token of at least 16
characters; then the browser asks for it (HTTP Basic: any user name, the token as password) and a
script may send `Authorization: Bearer <token>`. Compared in constant time, never logged. Tokens with a
scope (`scope=token`, space-separated, in the page's second variable) may do only that scope's part: a
municipality's id edits only that municipality's resources (enforced by the staff pages, on this server).
A POST must come from the page itself: the browser says so (Sec-Fetch-Site) and the form carries a key derived
from the token. Another page behind its own token is one more line in `PROTECTED`.

A connection that sends nothing for `IDLE_TIMEOUT_S` is closed, at most `MAX_CONNECTIONS` are served at once
(the rest are closed at once), and a wrong token is answered later each time from the same address (`WrongTokens`:
0.25 s, doubling to 8 s; forgotten after a right one or 15 minutes).
"""
from __future__ import annotations

import argparse
import base64
import binascii
import functools
import hashlib
import hmac
import json
import os
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path
from typing import Callable, Mapping
from urllib.parse import parse_qs, urlsplit

import yaml

from bot import storage
from staff import edit as staff_edit
from staff import page as staff_page
from staff import report as lagesbild
from staff import web as staff_web
from staff.resource_page import Outcome

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
DEFAULT_RASA_URL = "http://localhost:5005"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)
_RASA_URL_SETTING = re.compile(r'rasaUrl:\s*"[^"\\]*"')
_KEPT_SETTING = re.compile(r"sparasDagar:\s*\d+")
_KEPT_TEXT = re.compile(r"(<span data-sparas-dagar>)\d+(</span>)")
ENDPOINTS = Path(__file__).resolve().parent.parent / "endpoints.yml"
_INLINE_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)


def origin(url: str) -> str:
    """scheme://host[:port] of *url*."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"not an http(s) URL: {url!r}")
    return f"{parts.scheme}://{parts.netloc}"


def configure_page(html: str, rasa_url: str | None, kept_days: int | None = None) -> str:
    """The page with its widget configuration pointing at *rasa_url*, and saying that a conversation is kept for
    *kept_days* (each unchanged when None)."""
    if rasa_url is not None:
        html = _RASA_URL_SETTING.sub(lambda _m: "rasaUrl: " + json.dumps(rasa_url), html)
    if kept_days is not None:
        html = _KEPT_SETTING.sub(f"sparasDagar: {int(kept_days)}", html)
        html = _KEPT_TEXT.sub(lambda m: f"{m.group(1)}{int(kept_days)}{m.group(2)}", html)
    return html


def configured_retention_days(endpoints: Path = ENDPOINTS) -> int:
    """How long the tracker store keeps a conversation: STODLOTSEN_RETENTION_DAYS, else `tracker_store.retention_days`
    in endpoints.yml, else the default (bot.storage)."""
    try:
        store = (yaml.safe_load(endpoints.read_text(encoding="utf-8")) or {}).get("tracker_store") or {}
    except OSError:
        store = {}
    return storage.retention_days(store.get("retention_days") if isinstance(store, dict) else None)


def content_security_policy(html: str, connect: list[str]) -> str:
    """A strict CSP for *html*: its inline scripts allowed by SHA-256 hash, nothing from other hosts."""
    hashes = [
        "'sha256-" + base64.b64encode(hashlib.sha256(m.group(1).encode("utf-8")).digest()).decode("ascii") + "'"
        for m in _INLINE_SCRIPT.finditer(html)
    ]
    return "; ".join([
        "default-src 'self'",
        "script-src " + " ".join(["'self'", *hashes]),
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src " + " ".join(["'self'", *connect]),
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ])


def protected_page_policy(html: str) -> str:
    """The CSP of a page behind a token: no scripts at all, its inline style sheets by hash, forms to itself."""
    hashes = ["'sha256-" + base64.b64encode(hashlib.sha256(m.encode("utf-8")).digest()).decode("ascii") + "'"
              for m in _INLINE_STYLE.findall(html)]
    images = ["img-src data:"] if 'src="data:image/' in html else []  # the lägesbild's charts, embedded
    return "; ".join(["default-src 'none'", "style-src " + (" ".join(hashes) or "'none'"), *images, "form-action 'self'",
                      "base-uri 'none'", "frame-ancestors 'none'"])


MIN_TOKEN_LENGTH = 16
IDLE_TIMEOUT_S = 10.0
MAX_CONNECTIONS = 64


class WrongTokens:
    """How long to wait before answering a wrong token from an address: `first` seconds, doubling with every
    wrong one in a row up to `longest`; a right token or `forget_after` seconds of quiet start again."""

    def __init__(self, first: float = 0.25, longest: float = 8.0, forget_after: float = 900.0,
                 addresses: int = 10_000, clock: Callable[[], float] = time.monotonic) -> None:
        self.first, self.longest, self.forget_after, self.addresses = first, longest, forget_after, addresses
        self._clock = clock
        self._wrong: OrderedDict[str, tuple[int, float]] = OrderedDict()
        self._lock = threading.Lock()

    def delay(self, address: str) -> float:
        """Record one more wrong token from *address*; the seconds to wait before answering it."""
        now = self._clock()
        with self._lock:
            count, last = self._wrong.pop(address, (0, now))
            count = 1 if now - last > self.forget_after else count + 1
            self._wrong[address] = (count, now)
            while len(self._wrong) > self.addresses:
                self._wrong.popitem(last=False)
        return min(self.first * 2 ** (count - 1), self.longest)

    def right(self, address: str) -> None:
        with self._lock:
            self._wrong.pop(address, None)


@dataclass(frozen=True)
class Protected:
    """A page (and the pages below it) that is off without a token and asks for it otherwise."""

    env_var: str  # the token with every right
    realm: str  # what the browser's password dialogue says (ASCII: HTTP headers are Latin-1)
    handle: Callable[[staff_web.Request], Outcome]
    scoped_env_var: str | None = None  # "soderhamn=<token> oversattning=<token>": tokens with one scope each


def lagesbild_page(request: staff_web.Request) -> Outcome:
    """/statistik: the lägesbild for the weeks and municipality in the query; only the page itself, only read."""
    if request.path.strip("/") or request.method != "GET":
        return Outcome(404, "<p>Sidan finns inte.</p>")
    return Outcome(200, lagesbild.render(request.query, request.catalogue))


PROTECTED = {
    staff_page.PATH: Protected("STODLOTSEN_STAFF_TOKEN", "Stodlotsen personal", staff_web.handle,
                               "STODLOTSEN_STAFF_TOKENS"),
    lagesbild.PATH: Protected("STODLOTSEN_STATISTIK_TOKEN", "Stodlotsen statistik", lagesbild_page),
}
FULL_SCOPE = staff_edit.ALL
_SCOPE = re.compile(r"^[a-z0-9_]{1,40}$")
MAX_FORM_BYTES = 256_000


def usable_token(token: str | None) -> str | None:
    """The token when it is long enough to protect anything; None turns the page off."""
    return token if token and len(token) >= MIN_TOKEN_LENGTH else None


def scoped_tokens(written: str | None) -> tuple[list[tuple[str, str]], list[str]]:
    """[(token, scope)] from "soderhamn=<token> kungalv=<token>", and the entries refused (by their scope only)."""
    found, refused = [], []
    for item in (written or "").split():
        scope, _, token = item.partition("=")
        if _SCOPE.match(scope) and usable_token(token):
            found.append((token, scope))
        else:
            refused.append(scope[:40] or "(tom)")
    return found, refused


def page_tokens(page: Protected, env: Mapping[str, str | None]) -> list[tuple[str, str]]:
    """Every (token, scope) that opens *page*: its full token first, then the scoped ones."""
    full = usable_token(env.get(page.env_var))
    scoped = scoped_tokens(env.get(page.scoped_env_var))[0] if page.scoped_env_var else []
    return ([(full, FULL_SCOPE)] if full else []) + scoped


def presented_token(authorization: str | None) -> str | None:
    """The token in an Authorization header: Basic (the password; any user name) or Bearer."""
    scheme, _, value = (authorization or "").strip().partition(" ")
    if scheme.lower() == "bearer":
        return value.strip() or None
    if scheme.lower() == "basic":
        try:
            return base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")[2] or None
        except (binascii.Error, UnicodeDecodeError):
            return None
    return None


def token_matches(presented: str | None, token: str) -> bool:
    """Constant-time comparison, so the time taken says nothing about how much of the token was right."""
    return presented is not None and hmac.compare_digest(presented.encode("utf-8"), token.encode("utf-8"))


def scope_of(presented: str | None, tokens: list[tuple[str, str]]) -> tuple[str, str] | None:
    """(token, scope) of the token presented; every token is compared, whichever matches."""
    matched = None
    for token, scope in tokens:
        if token_matches(presented, token):
            matched = matched or (token, scope)
    return matched


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}


class Handler(SimpleHTTPRequestHandler):
    timeout = IDLE_TIMEOUT_S  # socket time-out: an idle or slow connection is closed, its thread ends
    wrong_tokens: WrongTokens = WrongTokens()
    rasa_url: str | None = None
    tokens: Mapping[str, list[tuple[str, str]]] = {}  # path of a protected page -> its (token, scope) (pages that are on)
    catalogue: Path | None = None

    def version_string(self) -> str:
        return "stodlotsen-demo"  # the `Server:` header names no Python or http.server version

    def end_headers(self) -> None:
        for name, value in SECURITY_HEADERS.items():
            self.send_header(name, value)
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def _protected_path(self) -> tuple[str, str] | None:
        """(the protected page, the part below it) when the request is for one."""
        path = urlsplit(self.path).path
        for base in PROTECTED:
            if path.rstrip("/") == base or path.startswith(base + "/"):
                return base, path[len(base):]
        return None

    def send_head(self):  # noqa: ANN201 - same signature as the base class
        protected = self._protected_path()
        if protected is not None:
            return self._protected(*protected, "GET")
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if path.suffix != ".html" or not path.is_file():  # translate_path already drops "..": stays in web/
            return super().send_head()
        html = configure_page(path.read_text(encoding="utf-8"), self.rasa_url, configured_retention_days())
        body = html.encode("utf-8")
        connect = [origin(self.rasa_url or DEFAULT_RASA_URL)]
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Security-Policy", content_security_policy(html, connect))
        self.end_headers()
        return BytesIO(body)

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        protected = self._protected_path()
        if protected is None:
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        body = self._protected(*protected, "POST")
        if body is not None:
            self.wfile.write(body.getvalue())

    def _read_form(self) -> dict | None:
        """The POSTed form; None when it is too big, not a form, or comes from another site."""
        if self.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
            return None
        if not self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            return None
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            return None
        if not 0 <= length <= MAX_FORM_BYTES:
            return None
        return parse_qs(self.rfile.read(length).decode("utf-8", "replace"), max_num_fields=100, keep_blank_values=True)

    def _protected(self, base: str, below: str, method: str) -> BytesIO | None:
        tokens = self.tokens.get(base)
        if not tokens:  # off: the same answer as for a page that does not exist
            self.send_error(HTTPStatus.NOT_FOUND)
            return None
        presented = presented_token(self.headers.get("Authorization"))
        matched = scope_of(presented, tokens)
        if matched is None:
            if presented is not None:  # a guess: answered later each time (the browser's first visit has none)
                time.sleep(self.wrong_tokens.delay(self.client_address[0]))
            body = "Sidan kräver inloggning med personalens token.\n".encode()
            self.send_response(HTTPStatus.UNAUTHORIZED)
            self.send_header("WWW-Authenticate", f'Basic realm="{PROTECTED[base].realm}", charset="UTF-8"')
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            return BytesIO(body)
        token, scope = matched
        self.wrong_tokens.right(self.client_address[0])
        try:
            query = parse_qs(urlsplit(self.path).query, max_num_fields=20)
            form = self._read_form() if method == "POST" else {}
        except ValueError:  # more fields than any form of these pages has
            form = None
        if form is None:
            self.send_error(HTTPStatus.BAD_REQUEST if method == "GET" else HTTPStatus.FORBIDDEN)
            return None
        outcome = PROTECTED[base].handle(staff_web.Request(method, below, scope, staff_web.form_key(token), query, form,
                                                           self.catalogue))
        if outcome.location:
            self.send_response(HTTPStatus.SEE_OTHER)
            self.send_header("Location", outcome.location)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return BytesIO(b"")
        body = outcome.html.encode("utf-8")
        self.send_response(outcome.status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Security-Policy", protected_page_policy(outcome.html))
        self.send_header("X-Robots-Tag", "noindex")
        self.end_headers()
        return BytesIO(body)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - base class signature
        return  # no access log: a visitor's address and pages are not kept


class BoundedServer(ThreadingHTTPServer):
    """A thread per connection, at most `limit` at once; a connection over the limit is closed at once."""

    daemon_threads = True

    def __init__(self, address: tuple, handler: Callable, limit: int = MAX_CONNECTIONS) -> None:
        super().__init__(address, handler)
        self._slots = threading.BoundedSemaphore(limit)

    def process_request(self, request, client_address) -> None:  # noqa: ANN001 - socketserver's signature
        if not self._slots.acquire(blocking=False):
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except Exception:
            self._slots.release()
            raise

    def process_request_thread(self, request, client_address) -> None:  # noqa: ANN001
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()


def make_server(host: str = "127.0.0.1", port: int = 8080, rasa_url: str | None = None,
                directory: Path = WEB_DIR, tokens: Mapping[str, str | None] | None = None,
                catalogue: Path | None = None, idle_timeout: float = IDLE_TIMEOUT_S,
                max_connections: int = MAX_CONNECTIONS, wrong_tokens: WrongTokens | None = None) -> ThreadingHTTPServer:
    """*tokens*: environment variable -> token for the pages in PROTECTED (default: the environment).
    *catalogue*: the file the staff page shows (default: STODLOTSEN_CATALOGUE or resources.yml)."""
    if rasa_url is not None:
        origin(rasa_url)  # fail early on a malformed URL
    tokens = os.environ if tokens is None else tokens
    on = {path: t for path, page in PROTECTED.items() if (t := page_tokens(page, tokens))}
    settings = {"rasa_url": rasa_url, "tokens": on, "catalogue": catalogue, "timeout": idle_timeout,
                "wrong_tokens": wrong_tokens or WrongTokens()}
    handler = functools.partial(type("ConfiguredHandler", (Handler,), settings), directory=str(directory))
    return BoundedServer((host, port), handler, max_connections)


def serve_in_thread(**kwargs) -> tuple[ThreadingHTTPServer, threading.Thread]:
    """Start a server in a daemon thread (tests); stop it with server.shutdown()."""
    server = make_server(**kwargs)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serverar chattwidgeten och demosidan (web/).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--rasa-url", default=None, help="Rasas adress som demosidan ska använda")
    args = parser.parse_args(argv)
    server = make_server(args.host, args.port, args.rasa_url)
    print(f"Demosidan med chattwidgeten: http://localhost:{args.port}/", flush=True)
    for path, page in PROTECTED.items():
        given = os.environ.get(page.env_var)
        scoped, refused = scoped_tokens(os.environ.get(page.scoped_env_var)) if page.scoped_env_var else ([], [])
        if usable_token(given) or scoped:
            scopes = ", ".join(scope for _, scope in scoped)
            print(f"Sidan http://localhost:{args.port}{path} är på (lösenordet är token i {page.env_var}"
                  + (f"; tokens med omfång i {page.scoped_env_var}: {scopes}" if scoped else "") + ").", flush=True)
        if given and not usable_token(given):
            print(f"{page.env_var} är kortare än {MIN_TOKEN_LENGTH} tecken – den öppnar inte {path}.", flush=True)
        if refused:
            print(f"{page.scoped_env_var}: används inte (skriv omfång=token, token minst {MIN_TOKEN_LENGTH} tecken): "
                  f"{', '.join(refused)}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
