"""The static server for the widget's demo page (tools.webserver), without a browser."""
import base64
import hashlib
import re
import urllib.error
import urllib.request

import pytest

from tools import webserver


def test_configure_page_points_the_widget_at_rasa():
    html = '<script>window.StodlotsenConfig = {rasaUrl: "http://localhost:5005", kommun: "x"};</script>'
    out = webserver.configure_page(html, "http://127.0.0.1:4711")
    assert 'rasaUrl: "http://127.0.0.1:4711"' in out and 'kommun: "x"' in out
    assert webserver.configure_page(html, None) == html


def test_the_demo_page_says_how_long_the_service_keeps_a_conversation(tmp_path, monkeypatch):
    """Not "it disappears when the tab closes": the tab forgets it, the service keeps a scrubbed copy for the
    configured retention time, and the page and the widget say that number."""
    page = (webserver.WEB_DIR / "index.html").read_text(encoding="utf-8")
    widget = (webserver.WEB_DIR / "stodlotsen-widget.js").read_text(encoding="utf-8")
    assert "försvinner när du stänger" not in page + widget and "sparas bara i den här fliken" not in page
    assert "från den här enheten" in page and "från den här enheten" in widget and "sparar det utan namn" in widget
    out = webserver.configure_page(page, None, 12)
    assert "sparasDagar: 12," in out and "<span data-sparas-dagar>12</span> dagar" in out
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("tracker_store:\n  retention_days: 9\n", encoding="utf-8")
    monkeypatch.delenv("STODLOTSEN_RETENTION_DAYS", raising=False)
    assert webserver.configured_retention_days(endpoints) == 9
    monkeypatch.setenv("STODLOTSEN_RETENTION_DAYS", "3")
    assert webserver.configured_retention_days(endpoints) == 3
    assert webserver.configured_retention_days() == 3  # the shipped endpoints.yml, overridden


def test_csp_allows_exactly_the_inline_scripts_of_the_page():
    script = "window.StodlotsenConfig = {};"
    csp = webserver.content_security_policy(f"<script>{script}</script>", ["http://127.0.0.1:4711"])
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"script-src 'self' 'sha256-{digest}'" in csp
    assert "connect-src 'self' http://127.0.0.1:4711" in csp
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp


@pytest.mark.parametrize("bad", ["javascript:alert(1)", "localhost:5005", ""])
def test_a_malformed_rasa_url_is_refused(bad):
    with pytest.raises(ValueError):
        webserver.make_server(port=0, rasa_url=bad)


def test_served_page_matches_its_csp_and_files_outside_web_are_not_served():
    server, _ = webserver.serve_in_thread(port=0, rasa_url="http://127.0.0.1:4711")
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with urllib.request.urlopen(base + "/", timeout=10) as resp:
            html = resp.read().decode()
            csp = resp.headers["Content-Security-Policy"]
            assert resp.headers["X-Content-Type-Options"] == "nosniff"
        inline = re.findall(r"<script>(.*?)</script>", html, re.DOTALL)
        assert len(inline) == 1 and 'rasaUrl: "http://127.0.0.1:4711"' in inline[0]
        digest = base64.b64encode(hashlib.sha256(inline[0].encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp
        with urllib.request.urlopen(base + "/stodlotsen-widget.js", timeout=10) as resp:
            assert b"textContent" in resp.read()
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(base + "/../README.md", timeout=10)
        assert err.value.code == 404
    finally:
        server.shutdown()
        server.server_close()


def test_the_server_header_names_no_version():
    server, _ = webserver.serve_in_thread(port=0)
    try:
        for path in ("/", "/stodlotsen-widget.js", "/finns-inte"):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{server.server_address[1]}{path}", timeout=10) as resp:
                    header = resp.headers["Server"]
            except urllib.error.HTTPError as e:
                header = e.headers["Server"]
            assert header == "stodlotsen-demo", (path, header)
    finally:
        server.shutdown()
        server.server_close()
