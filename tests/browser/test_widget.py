"""The chat widget in a real browser: Debian's chromium driven by Playwright, against a running bot.

One bot (free ports, CORS limited to the demo page's origin) and one static server for web/ per
module. Screenshots and the axe-core report go to results/browser/. Run with `make browser-test`
(installs chromium and axe-core when they are missing).
"""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest

from tests.support.markers import found
from tools.botserver import MODEL, ROOT, BotServer, free_port
from tools.webserver import serve_in_thread

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
OUT = ROOT / "results" / "browser"
NEUTRAL = "https://www.google.se/"
EARLIER = "https://kommun.example/start"
REPLY_TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def web_port():
    return free_port()


@pytest.fixture(scope="module")
def bot(tmp_path_factory, web_port):
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` first")
    env = {"FB_VERIFY_TOKEN": "", "FB_APP_SECRET": "", "FB_PAGE_ACCESS_TOKEN": ""}
    server = BotServer(tmp_path_factory.mktemp("bot"), env=env, cors=[f"http://127.0.0.1:{web_port}"]).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def site(bot, web_port):
    server, _ = serve_in_thread(port=web_port, rasa_url=f"http://127.0.0.1:{bot.rasa_port}")
    yield f"http://127.0.0.1:{web_port}/"
    server.shutdown()
    server.server_close()


def _fulfil(route, text):
    route.fulfill(status=200, content_type="text/html; charset=utf-8",
                  body=f"<!DOCTYPE html><html lang='sv'><title>{text}</title><p>{text}</p></html>")


@pytest.fixture()
def context(browser):
    ctx = browser.new_context(locale="sv-SE", viewport={"width": 1280, "height": 900})
    # Other hosts never get a request: the neutral site and an "earlier page" are answered locally.
    ctx.route(NEUTRAL + "**", lambda route: _fulfil(route, "Neutral sida"))
    ctx.route(EARLIER, lambda route: _fulfil(route, "Kommunens startsida"))
    yield ctx
    ctx.close()


@pytest.fixture()
def page(context, site):
    pg = context.new_page()
    pg.set_default_timeout(REPLY_TIMEOUT_MS)
    pg.goto(site)
    pg.wait_for_selector("#stl-input")
    return pg


def say(page, text):
    before = page.locator(".stl-bot").count()
    page.fill("#stl-input", text)
    page.press("#stl-input", "Enter")
    page.wait_for_function("n => document.querySelectorAll('.stl-bot').length > n", arg=before)
    page.wait_for_function("() => !document.querySelector('.stl-send').disabled")
    return page.locator(".stl-bot").nth(-1)


def log_text(page) -> str:
    return page.locator("#stl-log").inner_text()


def test_message_gets_the_bris_reply_with_tel_links_and_nothing_from_other_hosts(context, site):
    requests, problems = [], []
    page = context.new_page()
    page.set_default_timeout(REPLY_TIMEOUT_MS)
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(site)
    assert page.locator(".stl-danger").inner_text().strip() == "Är någon i fara just nu? Ring 112"
    say(page, "alla i klassen är elaka mot mig")
    text = log_text(page)
    assert "116 111" in text and "Bris" in text
    tel = page.locator("#stl-log a[href='tel:116111']")
    assert tel.count() >= 1 and tel.first.inner_text() == "116 111"
    for link in page.locator("#stl-log a[href^='http']").all():
        assert link.get_attribute("rel") == "noopener noreferrer"
    hosts = {urlsplit(u).hostname for u in requests}
    assert hosts == {"127.0.0.1"}, hosts
    assert problems == []
    OUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUT / "widget-desktop.png"))


def test_municipality_is_passed_as_metadata(page):
    sent = []
    page.on("request", lambda r: sent.append(r.post_data_json) if r.method == "POST" else None)
    say(page, "hej")
    assert sent and sent[0]["metadata"] == {"kommun": "katrineholm"}
    assert sent[0]["sender"] == page.evaluate("sessionStorage.getItem('stodlotsen.id')")


def test_a_button_from_the_bot_is_a_button_that_answers(page):
    say(page, "jag är orolig för ett barn")
    button = page.get_by_role("button", name="Mitt eget barn")
    assert button.count() == 1
    before = page.locator(".stl-bot").count()
    button.click()
    page.wait_for_function("n => document.querySelectorAll('.stl-bot').length > n", arg=before)
    assert page.locator(".stl-user").nth(-1).inner_text().strip().endswith("Mitt eget barn")
    new = page.locator(".stl-bot").all_inner_texts()[before:]
    assert "familjestod" in found(" ".join(new)), new  # the guardian's reply: support for families
    assert page.get_by_role("button", name="Mitt eget barn").count() == 0, "used buttons stay clickable"


def test_quick_exit_clears_the_conversation_and_leaves_no_back_entry(context, site):
    page = context.new_page()
    page.set_default_timeout(REPLY_TIMEOUT_MS)
    page.goto(EARLIER)
    page.goto(site)
    say(page, "pappa slår mig")
    old_id = page.evaluate("sessionStorage.getItem('stodlotsen.id')")
    assert old_id and "pappa slår mig" in page.evaluate("sessionStorage.getItem('stodlotsen.logg')")
    page.get_by_role("button", name="Lämna sidan snabbt").click()
    page.wait_for_url(NEUTRAL)
    page.go_back()
    assert page.url == EARLIER, "the chat page is still in the Back history"
    page.goto(site)
    page.wait_for_selector(".stl-bot")
    assert "pappa slår mig" not in log_text(page)
    assert page.evaluate("sessionStorage.getItem('stodlotsen.id')") != old_id


def _held(page, held: dict, name: str, seconds: float = 30):
    """Wait until the route *name* has been held, and return it."""
    for _ in range(int(seconds * 20)):
        if name in held:
            return held[name]
        page.wait_for_timeout(50)
    raise AssertionError(f"no {name} request")


def test_a_reply_that_arrives_while_leaving_does_not_bring_the_conversation_back(context, site, bot):
    """Esc while the bot is still answering: the reply comes before the neutral page has loaded.
    The request is aborted and nothing is saved, so coming back in the same tab shows nothing."""
    page = context.new_page()
    page.set_default_timeout(REPLY_TIMEOUT_MS)
    held = {}
    webhook = f"http://127.0.0.1:{bot.rasa_port}/webhooks/rest/webhook"
    page.route(webhook, lambda route: held.setdefault("reply", route))
    page.route(NEUTRAL + "**", lambda route: held.setdefault("neutral", route))  # the neutral page loads slowly
    page.goto(site)
    page.wait_for_selector("#stl-input")
    page.fill("#stl-input", "pappa slår mig")
    page.press("#stl-input", "Enter")
    reply = _held(page, held, "reply")
    # Esc, as a key event in the page (Playwright's own key press would wait for the navigation it starts)
    page.evaluate("setTimeout(() => document.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape'})), 0)")
    neutral = _held(page, held, "neutral")
    try:  # the reply arrives while the page is on its way out
        reply.fulfill(status=200, content_type="application/json",
                      headers={"Access-Control-Allow-Origin": site.rstrip("/")},
                      body=json.dumps([{"recipient_id": "x", "text": "Sent svar: ring Bris på 116 111."}]))
    except Exception:  # noqa: BLE001 - the widget aborted the request: nothing to answer
        pass
    page.wait_for_timeout(500)
    _fulfil(neutral, "Neutral sida")
    page.wait_for_url(NEUTRAL)
    page.unroute(webhook)
    page.goto(site)
    page.wait_for_selector(".stl-bot")
    stored = page.evaluate("sessionStorage.getItem('stodlotsen.logg')") or ""
    assert "pappa slår mig" not in stored and "Sent svar" not in stored
    assert "pappa slår mig" not in log_text(page) and "Sent svar" not in log_text(page)


def test_the_offline_message_names_112_and_bris(page, bot):
    page.route(f"http://127.0.0.1:{bot.rasa_port}/webhooks/rest/webhook", lambda route: route.abort())
    text = say(page, "hej").inner_text()
    assert "112" in text and "Bris" in text and "116 111" in text
    assert page.locator(".stl-bot").nth(-1).locator("a[href='tel:116111']").count() == 1


def test_escape_key_is_a_quick_exit(page):
    page.fill("#stl-input", "något hemligt")
    page.keyboard.press("Escape")
    page.wait_for_url(NEUTRAL)
    assert page.evaluate("sessionStorage.length") == 0


def test_a_reload_continues_and_a_new_tab_gets_a_new_conversation(context, page, site):
    say(page, "hej")
    first = page.evaluate("sessionStorage.getItem('stodlotsen.id')")
    assert len(first) == 36
    page.reload()
    page.wait_for_selector(".stl-user")
    assert page.evaluate("sessionStorage.getItem('stodlotsen.id')") == first
    other = context.new_page()
    other.goto(site)
    other.wait_for_selector(".stl-bot")
    second = other.evaluate("sessionStorage.getItem('stodlotsen.id') || ''")
    assert second and second != first


def test_keyboard_alone(page):
    page.evaluate("document.activeElement && document.activeElement.blur()")
    order = []
    for _ in range(30):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => { const e = document.activeElement; return e.closest('#stodlotsen') ? (e.id || e.className) : null; }")
        if focused and focused not in order:
            order.append(focused)
        if focused == "stl-send":
            break
    assert order == ["stl-toggle", "stl-112", "stl-exit", "stl-log", "stl-input", "stl-send"], order
    page.keyboard.press("Shift+Tab")  # back to the text box
    page.keyboard.type("jag är orolig för ett barn")
    before = page.locator(".stl-bot").count()
    page.keyboard.press("Enter")
    page.wait_for_function("n => document.querySelectorAll('.stl-bot').length > n", arg=before)
    page.wait_for_selector(".stl-choice")
    # From the text box, Shift+Tab goes back into the conversation, to the last choice.
    page.focus("#stl-input")
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.className") == "stl-choice"
    before = page.locator(".stl-bot").count()
    page.keyboard.press("Enter")
    page.wait_for_function("n => document.querySelectorAll('.stl-bot').length > n", arg=before)
    assert page.evaluate("document.activeElement.id") == "stl-input", "focus is lost after choosing"
    # Controls have accessible names; new messages are announced.
    assert page.get_by_label("Skriv ditt meddelande").count() == 1
    assert page.locator("#stl-log").get_attribute("aria-live") == "polite"


def test_script_in_a_message_or_a_reply_is_shown_as_text(page, bot):
    evil = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'

    def fake_reply(route):
        route.fulfill(status=200, content_type="application/json",
                      headers={"Access-Control-Allow-Origin": "*"},
                      body=json.dumps([{"recipient_id": "x", "text": "Svar: " + evil,
                                        "buttons": [{"title": "<b>fet</b>", "payload": "/greet"}]}]))

    page.route(f"http://127.0.0.1:{bot.rasa_port}/webhooks/rest/webhook", fake_reply)
    say(page, evil)
    assert page.locator(".stl-user").nth(-1).inner_text().strip().endswith(evil)
    assert page.locator(".stl-bot").nth(-1).locator(".stl-text").inner_text() == "Svar: " + evil
    assert page.get_by_role("button", name="<b>fet</b>").count() == 1
    assert page.locator("#stl-log script, #stl-log img, #stl-log b").count() == 0
    assert page.evaluate("window.__pwned") is None


def test_the_real_bot_reply_to_a_script_is_text_too(page):
    say(page, "<script>window.__pwned = 3</script>")
    assert page.locator("#stl-log script").count() == 0
    assert page.evaluate("window.__pwned") is None


def _axe(page) -> tuple[list[dict], int]:
    """axe-core's violations (id, impact, help, nodes) and how many rules passed."""
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;void 0")
    return page.evaluate("""async () => {
        const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];
        const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
        const violations = r.violations.map(
            v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' '))}));
        return [violations, r.passes.length];
    }""")


@pytest.mark.parametrize("width", [1280, 320])
def test_axe_finds_no_serious_violations(context, site, width):
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `make browser-test` (npm ci)")
    page = context.new_page()
    page.set_default_timeout(REPLY_TIMEOUT_MS)
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(site)
    if page.get_attribute("#stl-toggle", "aria-expanded") == "false":
        page.click("#stl-toggle")
    say(page, "jag är orolig för ett barn")  # buttons, links and both kinds of message on the page
    violations, passed = _axe(page)
    assert passed > 20, "axe-core did not run its rules"
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"axe-{width}.json").write_text(json.dumps(violations, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\naxe-core {width}px: " + (", ".join(f"{v['id']} ({v['impact']})" for v in violations) or "no violations"))
    serious = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert serious == [], json.dumps(serious, ensure_ascii=False, indent=2)


def test_works_at_320_px(context, site):
    page = context.new_page()
    page.set_default_timeout(REPLY_TIMEOUT_MS)
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(site)
    page.wait_for_selector("#stl-toggle")
    assert page.get_attribute("#stl-toggle", "aria-expanded") == "false", "the chat covers a phone's page at start"
    assert page.locator(".stl-danger").is_visible() and page.locator(".stl-exit").is_visible()
    page.click("#stl-toggle")
    assert page.evaluate("document.activeElement.id") == "stl-input"
    say(page, "alla i klassen är elaka mot mig")
    box = page.locator("#stodlotsen").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 320
    assert page.evaluate("document.documentElement.scrollWidth") <= 320, "horizontal scrolling at 320 px"
    for sel in (".stl-send", ".stl-exit", ".stl-toggle"):
        b = page.locator(sel).bounding_box()
        assert b["x"] >= 0 and b["x"] + b["width"] <= 320, sel
    OUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUT / "widget-320px.png"))


def _preflight(url: str, origin: str, method: str = "POST"):
    req = urllib.request.Request(url, method="OPTIONS", headers={
        "Origin": origin, "Access-Control-Request-Method": method, "Access-Control-Request-Headers": "content-type"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.headers
    except urllib.error.HTTPError as e:
        return e.headers


def test_cors_allows_only_the_page_origin(bot, site):
    allowed = site.rstrip("/")
    webhook = f"http://127.0.0.1:{bot.rasa_port}/webhooks/rest/webhook"
    for origin, ok in ((allowed, True), ("http://evil.example", False)):
        header = _preflight(webhook, origin).get("Access-Control-Allow-Origin")
        assert (header == origin) is ok, (origin, header)


def test_cors_gives_the_widget_only_what_it_needs(bot, site):
    allowed = site.rstrip("/")
    headers = _preflight(f"http://127.0.0.1:{bot.rasa_port}/webhooks/rest/webhook", allowed)
    assert headers.get("Access-Control-Allow-Credentials") is None
    methods = {m.strip() for m in (headers.get("Access-Control-Allow-Methods") or "").split(",")}
    assert methods == {"POST", "OPTIONS"}, methods
    for method in ("PUT", "DELETE"):
        assert _preflight(f"http://127.0.0.1:{bot.rasa_port}/webhooks/rest/webhook", allowed, method).get(
            "Access-Control-Allow-Methods") is None
    # other paths are not for browsers at all
    assert _preflight(f"http://127.0.0.1:{bot.rasa_port}/webhooks/facebook/webhook", allowed).get(
        "Access-Control-Allow-Origin") is None


def test_page_headers_keep_everything_on_this_host(site, bot):
    with urllib.request.urlopen(site, timeout=10) as resp:
        csp = resp.headers["Content-Security-Policy"]
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["Referrer-Policy"] == "no-referrer"
    assert "default-src 'self'" in csp and "style-src 'self'" in csp
    assert f"connect-src 'self' http://127.0.0.1:{bot.rasa_port}" in csp


def test_without_facebook_secrets_the_bot_runs_and_messenger_is_off(bot):
    req = urllib.request.Request(f"http://127.0.0.1:{bot.rasa_port}/webhooks/facebook/webhook", method="POST",
                                 data=b"{}", headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req, timeout=10)
    assert err.value.code == 503
    assert "Messenger-kanalen är avstängd" in (bot.workdir / "bot.log").read_text(errors="replace")
