"""Staff web servers for tests (tools.webserver on a free port, in a thread), stopped together afterwards."""
from __future__ import annotations

from tools import webserver


class Servers:
    def __init__(self) -> None:
        self._servers: list = []

    def start(self, **kwargs) -> str:
        """A server with *kwargs* (see tools.webserver.make_server); its base URL."""
        server, _ = webserver.serve_in_thread(port=0, **kwargs)
        self._servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()


def watched_page(browser, user: str, password: str):
    """A browser page with a 1280 px window that logs in with HTTP Basic, and what it reports: (context, page,
    console errors and warnings, hosts it requested)."""
    from urllib.parse import urlsplit

    ctx = browser.new_context(locale="sv-SE", viewport={"width": 1280, "height": 900},
                              http_credentials={"username": user, "password": password})
    page = ctx.new_page()
    problems: list = []
    hosts: set = set()
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("request", lambda r: hosts.add(urlsplit(r.url).hostname))
    return ctx, page, problems, hosts
