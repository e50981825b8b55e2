"""The staff page /personal on the demo web server, without a browser: off without a token, asks for
it otherwise, shows the catalogue with make check's findings beside the cards, escapes everything."""
from __future__ import annotations

import base64
import hashlib
import re
import urllib.error
import urllib.request

import pytest

from staff import page as staff_page
from tests.conftest import at
from tests.support.catalogue_edits import MINI, SHIPPED, bump, line_of, replace_once
from tests.support.webpages import Servers
from tools import webserver

TOKEN = "personal-token-0123456789"
ENV = "STODLOTSEN_STAFF_TOKEN"


def basic(password: str, user: str = "personal") -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


@pytest.fixture
def serve(tmp_path):
    servers = Servers()

    def start(tokens: dict, text: str = SHIPPED):
        path = tmp_path / "resources.yml"
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            bump(path, text)
        return servers.start(tokens=tokens, catalogue=path)

    yield start
    servers.stop()


def get(url: str, headers: dict | None = None) -> tuple[int, dict, str]:
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=20) as resp:
            return resp.status, dict(resp.headers), resp.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode("utf-8", "replace")


@pytest.mark.parametrize("tokens", [{}, {ENV: ""}, {ENV: "kort"}, {"ANNAN_TOKEN": TOKEN}])
def test_without_a_usable_token_the_page_is_off_like_a_missing_page(serve, tokens):
    base = serve(tokens)
    for headers in ({}, basic(TOKEN), basic("kort"), {"Authorization": f"Bearer {TOKEN}"}):
        status, _, body = get(base + "/personal", headers)
        assert status == 404, (tokens, headers)
        assert "Stödkatalogen" not in body
    assert get(base + "/personal")[0] == get(base + "/finns-inte")[0]


@pytest.mark.parametrize("headers", [
    {}, basic("fel-token-0123456789x"), basic(TOKEN[:-1]), basic(TOKEN + "x"), basic(""), {"Authorization": "Basic !!!"},
    {"Authorization": f"Bearer {TOKEN[:-1]}"}, {"Authorization": TOKEN}, {"X-Token": TOKEN},
])
def test_with_a_token_the_page_asks_for_it_and_refuses_a_wrong_one(serve, headers):
    base = serve({ENV: TOKEN})
    status, got, body = get(base + "/personal", headers)
    assert status == 401
    assert got["WWW-Authenticate"] == 'Basic realm="Stodlotsen personal", charset="UTF-8"'
    assert "Stödkatalogen" not in body and TOKEN not in body


@pytest.mark.parametrize("headers", [basic(TOKEN), basic(TOKEN, user="vem-som-helst"), {"Authorization": f"Bearer {TOKEN}"}])
def test_the_right_token_opens_the_page_with_a_strict_policy(serve, headers):
    base = serve({ENV: TOKEN})
    status, got, body = get(base + "/personal/", headers)
    assert status == 200 and "<h1>Stödkatalogen – för personal</h1>" in body
    assert TOKEN not in body
    csp = got["Content-Security-Policy"]
    style = re.search(r"<style>(.*?)</style>", body, re.DOTALL).group(1)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert csp == (f"default-src 'none'; style-src 'sha256-{digest}'; form-action 'self'; base-uri 'none'; "
                   "frame-ancestors 'none'")
    assert "<script" not in body and " style=" not in body and " on" not in re.sub(r">[^<]*<", "><", body)
    assert got["Cache-Control"] == "no-store" and got["Referrer-Policy"] == "no-referrer"
    assert got["X-Robots-Tag"] == "noindex"


def test_a_query_with_too_many_fields_is_refused(serve):
    base = serve({ENV: TOKEN})
    assert get(base + "/personal?" + "&".join(f"f{i}=x" for i in range(50)), basic(TOKEN))[0] == 400
    assert get(base + "/personal?behov=child_bullying&vem=barn", basic(TOKEN))[0] == 200


def test_the_comparison_is_constant_time(monkeypatch):
    calls = []

    def spy(a, b):
        calls.append((a, b))
        return a == b

    monkeypatch.setattr(webserver.hmac, "compare_digest", spy)
    assert webserver.token_matches(TOKEN, TOKEN) and not webserver.token_matches("x" * 25, TOKEN)
    assert calls == [(TOKEN.encode(), TOKEN.encode()), (b"x" * 25, TOKEN.encode())]


def test_the_token_is_never_printed(monkeypatch, capsys):
    class Stop(Exception):
        pass

    def stop(self):
        raise Stop

    monkeypatch.setenv(ENV, TOKEN)
    monkeypatch.setattr(webserver.ThreadingHTTPServer, "serve_forever", stop)
    with pytest.raises(Stop):
        webserver.main(["--port", "0"])
    out = capsys.readouterr()
    assert "/personal är på" in out.out and ENV in out.out
    assert TOKEN not in out.out + out.err


# ---------------------------------------------------------------- what the page shows


NOW = at("2026-12-08 10:00")  # a Tuesday, after every check in the shipped file


def checked_on(text: str, resource_id: str, day: str) -> str:
    """*text* with that resource's last_verified set to *day*."""
    start = text.index(f"  - id: {resource_id}\n")
    end = text.index("\n    last_verified: ", start) + 1  # the resource's own, not one of its details'
    line_end = text.index("\n", end)
    return text[:end] + f"    last_verified: {day}" + text[line_end:]


def page(query: dict | None = None, text: str = SHIPPED, tmp_path=None) -> str:
    path = tmp_path / "resources.yml"
    bump(path, text)
    return staff_page.render({k: [v] for k, v in (query or {}).items()}, path, now=NOW)


def section(html: str, element_id: str) -> str:
    start = html.index(f'id="{element_id}"')
    tag = html.rfind("<", 0, start)
    name = re.match(r"<(\w+)", html[tag:]).group(1)
    depth, i = 0, tag
    for m in re.finditer(rf"<(/?){name}\b", html[tag:]):
        depth += -1 if m.group(1) else 1
        if depth == 0:
            i = tag + m.end()
            break
    return html[tag:i]


def test_every_municipality_with_its_resources_as_cards(shipped, tmp_path):
    html = page(tmp_path=tmp_path)
    for m in shipped.municipalities:
        part = section(html, f"kommun-{m.id}")
        assert f"<h2>{m.name} " in part
        for r in shipped.resources:
            assert (f'id="resurs-{r.id}"' in part) == (r.municipality == m.id)
    card = section(html, "resurs-kungalv_orosanmalan")
    assert "<dt>Telefon:</dt><dd>0303-23 93 77</dd>" in card
    assert "<dt>I dag:</dt><dd>09.00–16.30 – öppet nu till 16.30</dd>" in card
    assert f"<dt>Kontrollerad:</dt><dd>{shipped.resource('kungalv_orosanmalan').last_verified.isoformat()} (" in card
    assert '<a href="https://sjalvservice.kungalv.se/oversikt/overview/188" rel="noopener noreferrer">' in card
    national = section(html, "nationella")
    assert 'id="resurs-bris"' in national and "<dt>I dag:</dt><dd>öppet dygnet runt</dd>" in national


def test_the_age_of_a_check_is_counted_in_days_and_an_old_one_is_marked(tmp_path):
    text = checked_on(checked_on(SHIPPED, "vard_1177", "2025-11-20"), "bris", "2026-12-06")
    card = section(page(text=text, tmp_path=tmp_path), "resurs-vard_1177")
    assert '<span class="old">2025-11-20 (383 dagar sedan)</span>' in card
    assert "VARNING</strong> rad " + str(line_of(text, "2025-11-20")) + ": uppgifterna kontrollerades senast 2025-11-20" in card
    other = section(page(text=text, tmp_path=tmp_path), "resurs-bris")
    assert "<dd>2026-12-06 (2 dagar sedan)</dd>" in other and "VARNING" not in other


def test_the_needs_without_a_local_resource_are_listed_per_municipality(shipped, tmp_path):
    part = section(page(tmp_path=tmp_path), "kommun-soderhamn")
    missing = re.findall(r"<li><strong>(\w+)</strong>", part.split("Behov utan egen resurs")[1])
    expected = [n for n, need in shipped.needs.items()
                if any(e.startswith("local:") and not shipped.local(e[6:], "soderhamn")
                       for entries in need.route.values() for e in entries)]
    assert missing == expected and "child_home_violence" in missing and "youth_leisure" not in missing


def test_errors_are_shown_and_the_last_good_version_stays_visible(tmp_path):
    page(tmp_path=tmp_path)  # the good version, as the running page would have seen it
    broken = replace_once(SHIPPED, '    phone: "0303-23 93 77"\n', "    phone: 030323937\n")
    html = page(text=broken, tmp_path=tmp_path)
    assert "<strong>1 fel</strong> – filen används inte förrän felen är rättade" in html
    card = section(html, "resurs-kungalv_orosanmalan")
    assert "<dt>Telefon:</dt><dd>0303-23 93 77</dd>" in card  # the version the bot still uses
    assert 'FEL</strong> rad {}: telefon (phone) står utan citattecken'.format(line_of(broken, "030323937")) in card


def test_a_syntax_error_is_shown_in_the_summary(tmp_path):
    text = MINI.replace("    name: Kontorslinjen\n", '    name: "Kontorslinjen\n')
    summary = section(page(text=text, tmp_path=tmp_path), "kontroll")
    assert f"FEL</strong> rad {line_of(text, 'Kontorslinjen')}: ett citattecken saknas" in summary


def test_the_preview_form_shows_the_reply_for_a_need_reader_municipality_and_time(tmp_path):
    html = page({"behov": "adult_other_child", "vem": "vuxen", "kommun": "kungalv", "tid": "lördag 22:00"},
                tmp_path=tmp_path)
    reply = section(html, "forhandsvisning")
    assert "<li>Tid: lördag 12 december 2026 kl. 22.00</li>" in reply
    assert "Stängt nu – öppnar måndag 09.00." in reply and "0303-23 93 77" in reply
    assert '<option value="kungalv" selected>Kungälv</option>' in reply
    assert '<input id="tid" name="tid" maxlength="60" value="lördag 22:00"' in reply
    html = page({"behov": "adult_other_child", "kommun": "Flen"}, tmp_path=tmp_path)
    assert "FEL</strong> Kommunen &#x27;Flen&#x27; finns inte i katalogen. Kända kommuner: Katrineholm" in html


def test_everything_from_the_file_and_the_form_is_escaped(tmp_path):
    evil = "<script>alert(1)</script>"
    text = replace_once(SHIPPED, "    name: Bris\n", f'    name: "Bris {evil}"\n')
    text = replace_once(text, '    source: "https://www.bris.se/ (facts.md',
                        '    source: "javascript:alert(1) <b>x</b> (facts.md')
    html = page({"behov": f"x{evil}", "tid": '"><img src=x onerror=alert(2)>'}, text=text, tmp_path=tmp_path)
    assert evil not in html and "<b>x</b>" not in html and "<img" not in html
    assert "Bris &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="javascript' not in html and "javascript:alert(1) &lt;b&gt;x&lt;/b&gt;" in html
    assert "Okänt behov &#x27;x&lt;script&gt;" in html
