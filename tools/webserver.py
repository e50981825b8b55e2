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

Pages behind a token (`PROTECTED`): /personal, the read-only staff page (staff/page.py), and
/statistik, the lägesbild for the municipality's safety work (staff/report.py). Each
is off (404, like any missing page) unless its environment variable holds a token of at least 16
characters; then the browser asks for it (HTTP Basic: any user name, the token as password) and a
script may send `Authorization: Bearer <token>`. Compared in constant time, never logged. Another page
behind its own token is one more line in `PROTECTED`.
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
from dataclasses import dataclass
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path
from typing import Callable, Dict, List, Mapping
from urllib.parse import parse_qs, urlsplit

import yaml

from bot import storage
from staff import page as staff_page
from staff import report as lagesbild

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


@dataclass(frozen=True)
class Protected:
    """A page that is off without its token and asks for it otherwise."""

    env_var: str  # where the token comes from
    realm: str  # what the browser's password dialogue says (ASCII: HTTP headers are Latin-1)
    render: Callable[[Dict[str, List[str]], Path | None], str]  # (query, catalogue file) -> HTML


PROTECTED = {
    staff_page.PATH: Protected("STODLOTSEN_STAFF_TOKEN", "Stodlotsen personal", staff_page.render),
    lagesbild.PATH: Protected("STODLOTSEN_STATISTIK_TOKEN", "Stodlotsen statistik", lagesbild.render),
}


def usable_token(token: str | None) -> str | None:
    """The token when it is long enough to protect anything; None turns the page off."""
    return token if token and len(token) >= MIN_TOKEN_LENGTH else None


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


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}


class Handler(SimpleHTTPRequestHandler):
    rasa_url: str | None = None
    tokens: Mapping[str, str] = {}  # path of a protected page -> its token (only pages that are on)
    catalogue: Path | None = None

    def version_string(self) -> str:
        return "stodlotsen-demo"  # the `Server:` header names no Python or http.server version

    def end_headers(self) -> None:
        for name, value in SECURITY_HEADERS.items():
            self.send_header(name, value)
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def send_head(self):  # noqa: ANN201 - same signature as the base class
        url = urlsplit(self.path)
        if url.path.rstrip("/") in PROTECTED:
            return self._protected(url.path.rstrip("/"), url.query)
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

    def _protected(self, path: str, query: str) -> BytesIO | None:
        token = self.tokens.get(path)
        if token is None:  # off: the same answer as for a page that does not exist
            self.send_error(HTTPStatus.NOT_FOUND)
            return None
        if not token_matches(presented_token(self.headers.get("Authorization")), token):
            body = "Sidan kräver inloggning med personalens token.\n".encode()
            self.send_response(HTTPStatus.UNAUTHORIZED)
            self.send_header("WWW-Authenticate", f'Basic realm="{PROTECTED[path].realm}", charset="UTF-8"')
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            return BytesIO(body)
        try:
            fields = parse_qs(query, max_num_fields=20)
        except ValueError:  # more fields than any form of these pages has
            self.send_error(HTTPStatus.BAD_REQUEST)
            return None
        html = PROTECTED[path].render(fields, self.catalogue)
        body = html.encode("utf-8")
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Security-Policy", protected_page_policy(html))
        self.send_header("X-Robots-Tag", "noindex")
        self.end_headers()
        return BytesIO(body)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - base class signature
        return  # no access log: a visitor's address and pages are not kept


def make_server(host: str = "127.0.0.1", port: int = 8080, rasa_url: str | None = None,
                directory: Path = WEB_DIR, tokens: Mapping[str, str | None] | None = None,
                catalogue: Path | None = None) -> ThreadingHTTPServer:
    """*tokens*: environment variable -> token for the pages in PROTECTED (default: the environment).
    *catalogue*: the file the staff page shows (default: STODLOTSEN_CATALOGUE or resources.yml)."""
    if rasa_url is not None:
        origin(rasa_url)  # fail early on a malformed URL
    tokens = os.environ if tokens is None else tokens
    on = {path: t for path, page in PROTECTED.items() if (t := usable_token(tokens.get(page.env_var)))}
    settings = {"rasa_url": rasa_url, "tokens": on, "catalogue": catalogue}
    handler = functools.partial(type("ConfiguredHandler", (Handler,), settings), directory=str(directory))
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


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
        if usable_token(given):
            print(f"Sidan http://localhost:{args.port}{path} är på (lösenordet är token i {page.env_var}).", flush=True)
        elif given:
            print(f"{page.env_var} är kortare än {MIN_TOKEN_LENGTH} tecken – {path} är avstängd.", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
