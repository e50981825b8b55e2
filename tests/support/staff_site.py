"""The staff pages on a real server on a free port, and requests to them as a browser would send them."""
from __future__ import annotations

import html as html_module
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from staff import web
from tests.support.catalogue_edits import SHIPPED, bump
from tools import webserver

FULL = "alla-token-0123456789abcdef"
SODERHAMN = "soderhamn-token-0123456789ab"
KUNGALV = "kungalv-token-0123456789abcd"
REVIEWER = "granskning-token-0123456789a"
TOKENS = {"STODLOTSEN_STAFF_TOKEN": FULL,
          "STODLOTSEN_STAFF_TOKENS": f"soderhamn={SODERHAMN} kungalv={KUNGALV} oversattning={REVIEWER}"}


@dataclass
class Answer:
    status: int
    headers: dict
    body: str


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Site:
    base: str
    catalogue: Path

    def get(self, path: str, token: str | None = FULL, headers: dict | None = None) -> Answer:
        return self._send(path, token, None, headers)

    def post(self, path: str, data: dict, token: str | None = FULL, headers: dict | None = None,
             key: bool = True) -> Answer:
        """A form as the page sends it, with the form key of *token* unless *key* is False."""
        fields = dict(data)
        if key and token:
            fields.setdefault("skydd", web.form_key(token))
        return self._send(path, token, urllib.parse.urlencode(fields, doseq=True).encode(), headers)

    def _send(self, path: str, token: str | None, body: bytes | None, headers: dict | None) -> Answer:
        sent = {"Authorization": f"Bearer {token}"} if token else {}
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        sent.update(headers or {})
        req = urllib.request.Request(self.base + path, data=body, headers=sent)
        try:
            with urllib.request.build_opener(_NoRedirect).open(req, timeout=120) as resp:
                return Answer(resp.status, dict(resp.headers), resp.read().decode("utf-8"))
        except urllib.error.HTTPError as e:
            return Answer(e.code, dict(e.headers), e.read().decode("utf-8", "replace"))


def form_of(html: str) -> dict:
    """The values of the edit form in *html*, as the browser would send them (without the buttons)."""
    fields = {}
    for name, value in re.findall(r'<input (?![^>]*type="checkbox")[^>]*?name="([^"]+)"[^>]*?value="([^"]*)"', html):
        fields[name] = value
    for name, value in re.findall(r'<textarea [^>]*name="([^"]+)"[^>]*>([^<]*)</textarea>', html):
        fields[name] = value
    for name, body in re.findall(r'<select [^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.DOTALL):
        chosen = re.search(r'<option value="([^"]*)" selected>', body)
        fields[name] = chosen.group(1) if chosen else re.search(r'<option value="([^"]*)"', body).group(1)
    if re.search(r'<input type="checkbox"[^>]*name="dygnet_runt"[^>]*checked', html):
        fields["dygnet_runt"] = "ja"
    return {k: html_module.unescape(v) for k, v in fields.items()}


def serve(tmp_path: Path) -> Iterator[Site]:
    """The staff pages over the shipped catalogue (a copy), with a token for all and scoped ones (the `site` fixture
    of tests/staff/conftest.py)."""
    path = tmp_path / "resources.yml"
    bump(path, SHIPPED)
    server, _ = webserver.serve_in_thread(port=0, tokens=TOKENS, catalogue=path)
    yield Site(f"http://127.0.0.1:{server.server_address[1]}", path)
    server.shutdown()
    server.server_close()
