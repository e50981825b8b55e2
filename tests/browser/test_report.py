"""The lägesbild (/statistik, the same page as rapport/lagesbild.html) in a real browser (Debian's chromium via
Playwright; no bot needed), over a generated counters' database: the charts show under the page's strict
policy, axe-core finds nothing serious, and screenshots go to results/browser/lagesbild.png and
lagesbild-hela.png. Run with `make browser-test`."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from bot import count_store
from staff import report
from tests.browser.test_widget import AXE, OUT, _axe
from tests.support.webpages import Servers, watched_page
from tools.example_counts import generate

TOKEN = "statistik-token-for-the-browser-test"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lagesbild")
    endpoints = folder / "endpoints.yml"
    endpoints.write_text(f'tracker_store:\n  dialect: "sqlite"\n  db: "{folder / "bot.db"}"\n', encoding="utf-8")
    mp = pytest.MonkeyPatch()
    mp.setenv(count_store.ENDPOINTS_ENV, str(endpoints))
    store = count_store.Store(count_store.locate()[0])
    store.add(generate(weeks=16, seed=11, today=dt.date.today()))
    store.close()
    servers = Servers()
    yield servers.start(tokens={"STODLOTSEN_STATISTIK_TOKEN": TOKEN}) + report.PATH
    servers.stop()
    mp.undo()


def test_the_report_opens_in_chromium_with_its_charts(browser, site):
    ctx, page, problems, hosts = watched_page(browser, "samordnare", TOKEN)
    assert page.goto(site + "?kommun=soderhamn").status == 200
    assert page.locator("h1").inner_text() == "Lägesbild från Stödlotsen – Söderhamn"
    charts = page.locator("img")
    assert charts.count() == 5
    for i in range(5):  # every chart decoded and drawn (a blocked or broken image has no natural width)
        assert charts.nth(i).evaluate("img => img.complete && img.naturalWidth > 300"), i
    assert page.locator("td.dold").count() > 0 and "där katalogen saknar lokal kontakt" in page.content()
    page.select_option("#kommun", "kungalv")
    page.get_by_role("button", name="Visa").click()
    page.wait_for_selector("h1:has-text('Kungälv')")
    assert problems == [], problems  # a CSP violation would show here
    assert hosts == {"127.0.0.1"}, hosts  # nothing from other hosts
    OUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUT / "lagesbild.png"))
    page.screenshot(path=str(OUT / "lagesbild-hela.png"), full_page=True)
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `make browser-test` (npm ci)")
    violations, passed = _axe(page)
    (OUT / "axe-lagesbild.json").write_text(json.dumps(violations, ensure_ascii=False, indent=2), encoding="utf-8")
    serious = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert serious == [], json.dumps(serious, ensure_ascii=False, indent=2)
    ctx.close()
