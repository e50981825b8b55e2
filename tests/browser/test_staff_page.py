"""The staff page /personal in a real browser (Debian's chromium via Playwright; no bot needed):
with the token it shows the catalogue and previews a reply, without it the browser gets 401 and no
content. The strict policy holds (no console errors), axe-core finds nothing serious, and a
screenshot goes to results/browser/personal.png. Run with `make browser-test`."""
from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.browser.test_widget import AXE, OUT, _axe
from tests.staff.test_page import checked_on
from tests.support.catalogue_edits import SHIPPED, line_of
from tests.support.webpages import watched_page
from tools.botserver import free_port
from tools.webserver import serve_in_thread

TOKEN = "personal-token-for-the-browser-test"
# One resource checked long ago, so a warning sits on its card.
OLD = checked_on(SHIPPED, "vard_1177", "2024-01-15")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    path = tmp_path_factory.mktemp("katalog") / "resources.yml"
    path.write_text(OLD, encoding="utf-8")
    server, _ = serve_in_thread(port=free_port(), tokens={"STODLOTSEN_STAFF_TOKEN": TOKEN}, catalogue=path)
    yield f"http://127.0.0.1:{server.server_address[1]}/personal"
    server.shutdown()
    server.server_close()


def test_without_the_token_the_browser_gets_401_and_nothing_of_the_catalogue(browser, site):
    ctx = browser.new_context(locale="sv-SE")
    response = ctx.request.get(site)
    assert response.status == 401 and response.headers["www-authenticate"].startswith("Basic ")
    assert "Stödkatalogen" not in response.text() and "116 111" not in response.text()
    with pytest.raises(PlaywrightError, match="ERR_INVALID_AUTH_CREDENTIALS"):  # no password given: nothing shown
        ctx.new_page().goto(site)
    wrong = browser.new_context(http_credentials={"username": "personal", "password": TOKEN[:-1]})
    page = wrong.new_page()
    assert page.goto(site).status == 401  # the wrong password is tried once and refused
    assert "Stödkatalogen" not in page.content()
    ctx.close()
    wrong.close()


def test_with_the_token_the_page_shows_the_catalogue_and_previews_a_reply(browser, site):
    ctx, page, problems, hosts = watched_page(browser, "personal", TOKEN)
    assert page.goto(site).status == 200
    assert page.locator("h1").inner_text() == "Stödkatalogen – för personal"
    assert page.locator("section[id^=kommun-] h2").count() == 4

    card = page.locator("#resurs-kungalv_orosanmalan")
    assert card.locator("dt:text-is('Telefon:') + dd").inner_text() == "0303-23 93 77"
    assert re.search(r"Kontrollerad:\s*\d{4}-\d\d-\d\d \(\d+ dagar sedan\)", card.inner_text())
    old = page.locator("#resurs-vard_1177")
    assert old.locator(".old").first.inner_text().startswith("2024-01-15 (")
    warning = old.locator(".problems .warning")
    assert warning.count() == 1
    assert warning.inner_text().startswith(f"VARNING rad {line_of(OLD, '2024-01-15')}: uppgifterna kontrollerades senast")
    soderhamn = page.locator("#kommun-soderhamn").inner_text()
    assert "Behov utan egen resurs i Söderhamn" in soderhamn and "child_home_violence" in soderhamn
    # a contact a municipality lacks, with the reason the catalogue gives: shown at the municipality, not a warning
    kungalv = page.locator("#kommun-kungalv")
    assert kungalv.locator(".problems .note").inner_text().startswith("INTE BEKRÄFTAT rad ")
    assert "Familjestöd: Ingen kontakt till familjestöd" in kungalv.inner_text()

    page.select_option("#behov", "adult_other_child")
    page.select_option("#vem", "vuxen")
    page.select_option("#kommun", "kungalv")
    page.fill("#tid", "lördag 22:00")
    page.get_by_role("button", name="Visa svaret").click()
    page.wait_for_selector(".reply")
    assert "behov=adult_other_child" in page.url and "kommun=kungalv" in page.url
    reply = page.locator(".reply").inner_text()
    assert "Kommun: Kungälv (kungalv)" in reply and "Tid: lördag" in reply and "kl. 22.00" in reply
    assert re.search(r"Stängt nu – öppnar \w+ 09\.00\.", reply), reply
    assert page.locator("#tid").input_value() == "lördag 22:00"

    assert problems == [], problems  # a CSP violation would show here
    assert hosts == {"127.0.0.1"}, hosts
    OUT.mkdir(parents=True, exist_ok=True)
    page.locator("#forhandsvisning").scroll_into_view_if_needed()
    page.screenshot(path=str(OUT / "personal.png"))
    page.screenshot(path=str(OUT / "personal-hela.png"), full_page=True)
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `make browser-test` (npm ci)")
    violations, passed = _axe(page)
    assert passed > 20
    (OUT / "axe-personal.json").write_text(json.dumps(violations, ensure_ascii=False, indent=2), encoding="utf-8")
    serious = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert serious == [], json.dumps(serious, ensure_ascii=False, indent=2)
    ctx.close()
