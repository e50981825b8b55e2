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
