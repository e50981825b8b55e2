"""Editing the catalogue in the browser, end to end (issue 26): Debian's chromium via Playwright against the staff
pages and a running bot on free ports, both using the same copy of resources.yml.

A staff member from Kungälv edits a resource, sees the check's error at the field, fixes it, previews the replies,
saves, and the bot's chat widget answers with the change. A token for Söderhamn gets no form for Kungälv's resource
and the server refuses its POST. At 390 px nothing scrolls sideways and no phone number breaks. axe-core finds
no violation at all. Screenshots at 1280 and 390 px in results/browser/. Run with `make browser-test`."""
from __future__ import annotations

import json

import pytest

from staff import web
from tests.browser.test_widget import AXE, OUT, REPLY_TIMEOUT_MS, _axe, say
from tests.support.catalogue_edits import SHIPPED
from tests.support.staff_site import KUNGALV, SODERHAMN, TOKENS
from tools.botserver import MODEL, free_port, on_catalogue
from tools.webserver import serve_in_thread

RESOURCE = "/personal/resurs/kungalv_orosanmalan"
NEW_PHONE = "0303-23 93 70"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The bot and the staff pages on free ports, both using one copy of the shipped catalogue."""
    web_port = free_port()
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` first")
    env = {"FB_VERIFY_TOKEN": "", "FB_APP_SECRET": "", "FB_PAGE_ACCESS_TOKEN": ""}
    bot = on_catalogue(tmp_path_factory.mktemp("redigera"), SHIPPED, env, cors=[f"http://127.0.0.1:{web_port}"]).start()
    server, _ = serve_in_thread(port=web_port, rasa_url=f"http://127.0.0.1:{bot.rasa_port}", tokens=TOKENS,
                                catalogue=bot.catalogue)
    yield f"http://127.0.0.1:{web_port}", bot.catalogue
    server.shutdown()
    server.server_close()
    bot.stop()


def signed_in(browser, token: str, width: int = 1280):
    return browser.new_context(locale="sv-SE", viewport={"width": width, "height": 900},
                               http_credentials={"username": "personal", "password": token})


def axe_clean(page, name: str) -> None:
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `make browser-test` (npm ci)")
    violations, passed = _axe(page)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"axe-{name}.json").write_text(json.dumps(violations, ensure_ascii=False, indent=2), encoding="utf-8")
    assert passed > 20, "axe-core did not run its rules"
    assert violations == [], json.dumps(violations, ensure_ascii=False, indent=2)  # clean: not even a minor one


def test_edit_see_the_error_fix_preview_save_and_the_bot_answers_with_the_change(browser, world):
    base, path = world
    ctx = signed_in(browser, KUNGALV)
    page = ctx.new_page()
    page.set_default_timeout(REPLY_TIMEOUT_MS)
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    page.goto(base + "/personal")
    assert page.locator("#kommun-kungalv details").get_attribute("open") is not None  # the token's own municipality
    page.locator("#resurs-kungalv_orosanmalan").get_by_role("link", name="Ändra, 14 dagar och förhandsvisning").click()
    assert page.url.endswith(RESOURCE)
    assert page.locator("#f-telefon").input_value() == "0303-23 93 77"
    assert page.locator("#vecka tbody tr").count() == 14

    page.fill("#f-telefon", "0303-23 93 7O")  # a letter O for a zero
    page.get_by_role("button", name="Kontrollera och förhandsvisa").click()
    error = page.locator("#f-telefon-fel")
    assert "'0303-23 93 7O' innehåller bokstäver" in error.inner_text()
    assert page.locator("#f-telefon").get_attribute("aria-invalid") == "true"
    assert "Inte sparat." in page.locator("main").inner_text()
    OUT.mkdir(parents=True, exist_ok=True)
    page.locator("#fel").scroll_into_view_if_needed()
    page.screenshot(path=str(OUT / "personal-redigera-fel-1280.png"))
    assert path.read_text(encoding="utf-8") == SHIPPED

    page.fill("#f-telefon", NEW_PHONE)
    page.select_option("#f-behov", "adult_other_child")
    page.fill("#f-tid", "måndag 10:00")
    page.get_by_role("button", name="Kontrollera och förhandsvisa").click()
    assert "Förhandsvisning – inte sparad." in page.locator("main").inner_text()
    previews = page.locator("#forhandsvisning")
    assert "En förälder får" in previews.inner_text() and NEW_PHONE in previews.inner_text()
    assert path.read_text(encoding="utf-8") == SHIPPED  # nothing saved by a preview
    previews.scroll_into_view_if_needed()
    page.screenshot(path=str(OUT / "personal-forhandsvisning-1280.png"))
    axe_clean(page, "personal-redigera-1280")

    page.get_by_role("button", name="Spara").click()
    assert "Sparat (Telefon)." in page.locator(".saved").inner_text()
    assert f'phone: "{NEW_PHONE}"' in path.read_text(encoding="utf-8")
    page.screenshot(path=str(OUT / "personal-sparat-1280.png"))
    assert problems == [], problems

    chat = ctx.new_page()
    chat.set_default_timeout(REPLY_TIMEOUT_MS)
    chat.goto(base + "/")
    chat.wait_for_selector("#stl-input")
    reply = say(chat, "Jag är orolig för ett barn i grannhuset, jag tror att hon blir slagen. Vi bor i Kungälv.")
    answered = chat.locator(".stl-bot").all_inner_texts()
    assert any(NEW_PHONE in text for text in answered), answered
    assert reply is not None
    chat.screenshot(path=str(OUT / "personal-boten-svarar-1280.png"))
    ctx.close()


def test_a_token_for_another_municipality_gets_no_form_and_its_post_is_refused(browser, world):
    base, path = world
    before = path.read_text(encoding="utf-8")
    ctx = signed_in(browser, SODERHAMN)
    page = ctx.new_page()
    page.goto(base + RESOURCE)
    assert page.locator("form[method=post]").count() == 0
    assert "Din token gäller soderhamn. Resursen" in page.locator("main").inner_text()
    refused = ctx.request.post(base + RESOURCE, form={"skydd": web.form_key(SODERHAMN), "telefon": "0303-00 00 00",
                                                      "atgard": "spara", "version": "x"})
    assert refused.status == 403  # refused for its scope (the form key is right), not as a forged form
    assert "Din token gäller soderhamn" in refused.text() and "hör till kungalv" in refused.text()
    assert path.read_text(encoding="utf-8") == before
    ctx.close()


@pytest.mark.parametrize("where", ["/personal", RESOURCE])
def test_at_390_px_nothing_scrolls_sideways_and_no_number_breaks(browser, world, where):
    base, _ = world
    ctx = signed_in(browser, KUNGALV, width=390)
    page = ctx.new_page()
    page.goto(base + where)
    wide = page.evaluate("""() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 391)
        .slice(0, 5).map(e => `${e.tagName}.${e.className}: ${e.textContent.slice(0, 60)}`)""")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, wide
    broken = page.evaluate("""() => [...document.querySelectorAll('.tel')]
        .filter(e => e.getClientRects().length > 1).map(e => e.textContent)""")
    assert page.locator(".tel").count() > 0 and broken == []
    if where == "/personal":
        assert page.evaluate("document.documentElement.scrollHeight") < 6000  # the whole catalogue was 20 700 px
        assert page.locator("#kontroll").bounding_box()["y"] < 900  # the check comes first
    name = "personal-390" if where == "/personal" else "personal-redigera-390"
    page.screenshot(path=str(OUT / f"{name}.png"))
    page.screenshot(path=str(OUT / f"{name}-hela.png"), full_page=True)
    axe_clean(page, name)
    ctx.close()
