"""A small static web server for the chat widget and its demo page (`web/`).

`make run` starts it on 127.0.0.1:8080:

    python -m tools.webserver --port 8080 --rasa-url http://localhost:5005

Every response carries security headers. HTML pages get a Content-Security-Policy that allows
scripts, styles and images from this server only, the page's own inline scripts by hash (the
widget's configuration object), and connections to this server and to Rasa. When --rasa-url is
given, the `rasaUrl` of the demo page's configuration object is set to it, so tests can point the
page at a bot on a free port. Requests are not logged (nothing about a visitor is kept).
"""
from __future__ import annotations

import argparse
import base64
import functools
import hashlib
import json
import re
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
DEFAULT_RASA_URL = "http://localhost:5005"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)
_RASA_URL_SETTING = re.compile(r'rasaUrl:\s*"[^"\\]*"')


def origin(url: str) -> str:
    """scheme://host[:port] of *url*."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"not an http(s) URL: {url!r}")
    return f"{parts.scheme}://{parts.netloc}"


def configure_page(html: str, rasa_url: str | None) -> str:
    """The page with its widget configuration pointing at *rasa_url* (unchanged when None)."""
    if rasa_url is None:
        return html
    return _RASA_URL_SETTING.sub(lambda _m: "rasaUrl: " + json.dumps(rasa_url), html)


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


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}


class Handler(SimpleHTTPRequestHandler):
    rasa_url: str | None = None

    def version_string(self) -> str:
        return "stodlotsen-demo"  # the `Server:` header names no Python or http.server version

    def end_headers(self) -> None:
        for name, value in SECURITY_HEADERS.items():
            self.send_header(name, value)
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def send_head(self):  # noqa: ANN201 - same signature as the base class
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if path.suffix != ".html" or not path.is_file():  # translate_path already drops "..": stays in web/
            return super().send_head()
        html = configure_page(path.read_text(encoding="utf-8"), self.rasa_url)
        body = html.encode("utf-8")
        connect = [origin(self.rasa_url or DEFAULT_RASA_URL)]
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Security-Policy", content_security_policy(html, connect))
        self.end_headers()
        return BytesIO(body)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - base class signature
        return  # no access log: a visitor's address and pages are not kept


def make_server(host: str = "127.0.0.1", port: int = 8080, rasa_url: str | None = None,
                directory: Path = WEB_DIR) -> ThreadingHTTPServer:
    if rasa_url is not None:
        origin(rasa_url)  # fail early on a malformed URL
    handler = functools.partial(type("ConfiguredHandler", (Handler,), {"rasa_url": rasa_url}), directory=str(directory))
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
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
