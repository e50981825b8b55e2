/*
 * Stödlotsen chat widget. Plain JavaScript, no framework, no build step, nothing from other hosts.
 *
 * Embed (see README, "Bädda in widgeten"):
 *   <script>window.StodlotsenConfig = {rasaUrl: "https://stodlotsen.example.se", kommun: "katrineholm",
 *                                      halsning: "Hej! …"};</script>
 *   <script src="https://stodlotsen.example.se/widget/stodlotsen-widget.js" defer></script>
 *
 * Talks to Rasa's REST channel (POST {rasaUrl}/webhooks/rest/webhook) and passes the municipality as
 * message metadata. Bot text is only ever inserted as text nodes: links and phone numbers are built as
 * DOM elements, never from HTML.
 */
(function () {
  "use strict";

  if (window.__stodlotsenLoaded) return;
  window.__stodlotsenLoaded = true;

  var script = document.currentScript;
  var DEFAULTS = {
    rasaUrl: "http://localhost:5005",
    kommun: null,
    halsning: "Hej! Jag är Stödlotsen. Skriv vad som händer, så berättar jag vem du kan prata med.",
    titel: "Stödlotsen",
    lamnaUrl: "https://www.google.se/",
    oppen: null, // null: open on wide screens, closed on phones
    css: null, // URL of the style sheet; default: next to this script
    sparasDagar: 30 // days the service keeps a conversation (retention_days in endpoints.yml): said to the user
  };
  var cfg = Object.assign({}, DEFAULTS, window.StodlotsenConfig || {});
  var ENDPOINT = String(cfg.rasaUrl).replace(/\/+$/, "") + "/webhooks/rest/webhook";
  // A whole number of days from the configuration; anything else is the default, never text from the page.
  function keptDays(value) {
    var n = Number(value);
    return Number.isInteger(n) && n > 0 ? n : DEFAULTS.sparasDagar;
  }
  var KEY_ID = "stodlotsen.id";
  var KEY_LOG = "stodlotsen.logg";
  var TIMEOUT_MS = 30000;
  var TEXT = {
    danger: "Är någon i fara just nu?",
    call112: "Ring 112",
    exit: "Lämna sidan snabbt",
    exitHint: "Tryck Esc för att lämna sidan snabbt.",
    open: "Öppna chatten",
    close: "Minimera chatten",
    label: "Skriv ditt meddelande",
    placeholder: "Skriv här …",
    send: "Skicka",
    log: "Samtal med Stödlotsen",
    you: "Du",
    bot: "Stödlotsen",
    choices: "Svarsalternativ",
    writing: "Stödlotsen skriver …",
    // True about both places: the tab forgets it; the service keeps a copy without names (scrubbed) for a while.
    privacy: "Skriv inte ditt namn, personnummer eller adress. Samtalet försvinner från den här enheten när du " +
      "stänger fliken. Stödlotsen sparar det utan namn i högst " + keptDays(cfg.sparasDagar) + " dagar.",
    error: "Jag kunde inte svara just nu. Försök igen om en stund. Är någon i fara just nu? Ring 112. " +
      "Är du under 18 kan du ringa Bris på 116 111."
  };
  // Set by the quick exit: from then on nothing is saved or shown, whatever arrives late.
  var leaving = false;

  // ---- storage (per tab) -------------------------------------------------------------------------
  function store(key, value) {
    if (leaving && value !== null) return;
    try {
      if (value === null) sessionStorage.removeItem(key);
      else sessionStorage.setItem(key, value);
    } catch (e) { /* storage disabled: the conversation lives only on the page */ }
  }
  function load(key) {
    try { return sessionStorage.getItem(key); } catch (e) { return null; }
  }
  function newId() {
    if (window.crypto && typeof crypto.randomUUID === "function") return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function conversationId() {
    var id = load(KEY_ID);
    if (!id) { id = newId(); store(KEY_ID, id); }
    return id;
  }
  var history = [];
  try { history = JSON.parse(load(KEY_LOG) || "[]"); } catch (e) { history = []; }
  if (!Array.isArray(history)) history = [];
  function saveHistory() { store(KEY_LOG, JSON.stringify(history)); }

  // ---- text -> DOM (links and phone numbers as elements, everything else as text nodes) ---------
  // URLs: http(s)://…, www.…, or a bare domain on a common Swedish/international TLD.
  // Phone numbers: Swedish national numbers (0…) and the short numbers the catalogue uses.
  var TOKEN = new RegExp(
    "(\\bhttps?:\\/\\/[^\\s<>\"']*[^\\s<>\"'.,;:!?)\\]]" +
    "|\\bwww\\.[^\\s<>\"']*[^\\s<>\"'.,;:!?)\\]]" +
    "|\\b[a-z0-9][a-z0-9-]*(?:\\.[a-z0-9-]+)*\\.(?:se|nu|org|com|eu|net)\\b(?:\\/[^\\s<>\"']*[^\\s<>\"'.,;:!?)\\]])?)" +
    "|(\\b0\\d{1,3}[- ]?\\d{2,3}(?: ?\\d{2,3}){1,3}\\b" +
    "|\\b(?:112|1177|114 ?14|116 ?111|116 ?123|90 ?101)\\b)",
    "gi"
  );
  function appendRich(parent, text) {
    var last = 0;
    var m;
    TOKEN.lastIndex = 0;
    while ((m = TOKEN.exec(text)) !== null) {
      if (m.index > last) parent.appendChild(document.createTextNode(text.slice(last, m.index)));
      var a = document.createElement("a");
      a.textContent = m[0];
      if (m[1]) {
        a.href = /^https?:\/\//i.test(m[1]) ? m[1] : "https://" + m[1];
        a.target = "_blank";
        a.rel = "noopener noreferrer";
      } else {
        a.href = "tel:" + m[2].replace(/\D/g, "");
        a.className = "stl-tel";
      }
      parent.appendChild(a);
      last = m.index + m[0].length;
    }
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
  }

  // ---- DOM ---------------------------------------------------------------------------------------
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  function stylesheet() {
    var href = cfg.css;
    if (!href && script && script.src) href = script.src.replace(/\.js(\?.*)?$/, ".css");
    if (!href) return;
    var link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = href;
    document.head.appendChild(link);
  }

  var root, body, log, status, form, input, sendBtn, toggle, pending = null, inflight = null;

  function build() {
    root = el("section", "stl-root");
    root.setAttribute("aria-labelledby", "stl-title");
    root.id = "stodlotsen";

    var head = el("div", "stl-head");
    var top = el("div", "stl-top");
    var title = el("h2", "stl-title", cfg.titel);
    title.id = "stl-title";
    toggle = el("button", "stl-toggle");
    toggle.id = "stl-toggle";
    toggle.type = "button";
    toggle.setAttribute("aria-controls", "stl-body");
    top.appendChild(title);
    top.appendChild(toggle);

    var danger = el("p", "stl-danger");
    danger.appendChild(el("span", null, TEXT.danger + " "));
    var call = el("a", "stl-112", TEXT.call112);
    call.href = "tel:112";
    danger.appendChild(call);

    var exit = el("button", "stl-exit", TEXT.exit);
    exit.type = "button";
    exit.setAttribute("aria-describedby", "stl-exit-hint");
    exit.addEventListener("click", quickExit);
    var hint = el("span", "stl-visually-hidden", TEXT.exitHint);
    hint.id = "stl-exit-hint";

    head.appendChild(top);
    head.appendChild(danger);
    head.appendChild(exit);
    head.appendChild(hint);

    body = el("div", "stl-body");
    body.id = "stl-body";
    log = el("div", "stl-log");
    log.id = "stl-log";
    log.setAttribute("role", "log");
    log.setAttribute("aria-live", "polite");
    log.setAttribute("aria-relevant", "additions");
    log.setAttribute("aria-label", TEXT.log);
    log.tabIndex = 0;
    status = el("p", "stl-status");
    status.setAttribute("role", "status");

    form = el("form", "stl-form");
    var label = el("label", "stl-label", TEXT.label);
    label.htmlFor = "stl-input";
    input = el("textarea", "stl-input");
    input.id = "stl-input";
    input.rows = 2;
    input.maxLength = 2000;
    input.placeholder = TEXT.placeholder;
    input.setAttribute("autocomplete", "off");
    sendBtn = el("button", "stl-send", TEXT.send);
    sendBtn.type = "submit";
    var row = el("div", "stl-row");
    row.appendChild(input);
    row.appendChild(sendBtn);
    form.appendChild(label);
    form.appendChild(row);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var text = input.value.trim();
      if (!text) { input.focus(); return; }
      input.value = "";
      send(text, text);
    });
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
        ev.preventDefault();
        form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit", {cancelable: true}));
      }
    });

    body.appendChild(log);
    body.appendChild(status);
    body.appendChild(form);
    body.appendChild(el("p", "stl-privacy", TEXT.privacy));

    root.appendChild(head);
    root.appendChild(body);
    document.body.appendChild(root);

    toggle.addEventListener("click", function () { setOpen(body.hidden); });
    var open = cfg.oppen;
    if (open === null) open = !window.matchMedia || window.matchMedia("(min-width: 40em)").matches;
    setOpen(!!open, true);

    document.addEventListener("keydown", function (ev) {
      if (ev.key === "Escape" || ev.key === "Esc") quickExit();
    }, true);
  }

  function setOpen(open, initial) {
    body.hidden = !open;
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    toggle.textContent = open ? TEXT.close : TEXT.open;
    root.classList.toggle("stl-closed", !open);
    if (open && !initial) input.focus();
  }

  // ---- messages ----------------------------------------------------------------------------------
  function render(msg) {
    var item = el("div", "stl-msg " + (msg.from === "user" ? "stl-user" : "stl-bot"));
    item.appendChild(el("span", "stl-visually-hidden", (msg.from === "user" ? TEXT.you : TEXT.bot) + ": "));
    var p = el("p", "stl-text");
    appendRich(p, msg.text || "");
    item.appendChild(p);
    if (msg.buttons && msg.buttons.length) {
      var group = el("div", "stl-buttons");
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", TEXT.choices);
      msg.buttons.forEach(function (b) {
        var btn = el("button", "stl-choice", String(b.title || b.payload || ""));
        btn.type = "button";
        btn.addEventListener("click", function () { send(String(b.payload || b.title), String(b.title || b.payload)); });
        group.appendChild(btn);
      });
      item.appendChild(group);
    }
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
  }

  function add(msg) {
    if (leaving) return;
    history.push(msg);
    saveHistory();
    render(msg);
  }

  function dropButtons() {
    var changed = false;
    history.forEach(function (m) { if (m.buttons && m.buttons.length) { m.buttons = []; changed = true; } });
    if (changed) saveHistory();
    var groups = log.querySelectorAll(".stl-buttons");
    Array.prototype.forEach.call(groups, function (g) { g.parentNode.removeChild(g); });
  }

  function busy(on) {
    sendBtn.disabled = on;
    status.textContent = on ? TEXT.writing : "";
  }

  function send(message, shown) {
    if (pending || leaving) return;
    var hadFocus = log.contains(document.activeElement);
    dropButtons();
    add({from: "user", text: shown});
    if (hadFocus) input.focus();
    busy(true);
    var controller = inflight = window.AbortController ? new AbortController() : null;
    var timer = setTimeout(function () { if (controller) controller.abort(); }, TIMEOUT_MS);
    var metadata = {};
    if (cfg.kommun) metadata.kommun = String(cfg.kommun);
    pending = fetch(ENDPOINT, {
      method: "POST",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify({sender: conversationId(), message: message, metadata: metadata}),
      signal: controller ? controller.signal : undefined,
      credentials: "omit",
      referrerPolicy: "no-referrer"
    }).then(function (resp) {
      if (!resp.ok) throw new Error("HTTP " + resp.status);
      return resp.json();
    }).then(function (replies) {
      var shownAny = false;
      (Array.isArray(replies) ? replies : []).forEach(function (r) {
        if (!r || (typeof r.text !== "string" && !Array.isArray(r.buttons))) return;
        var buttons = Array.isArray(r.buttons) ? r.buttons.filter(function (b) { return b && (b.title || b.payload); })
          .map(function (b) { return {title: String(b.title || ""), payload: String(b.payload || "")}; }) : [];
        add({from: "bot", text: typeof r.text === "string" ? r.text : "", buttons: buttons});
        shownAny = true;
      });
      if (!shownAny) add({from: "bot", text: TEXT.error});
    }).catch(function () {
      if (root.isConnected) add({from: "bot", text: TEXT.error});
    }).then(function () {
      clearTimeout(timer);
      pending = inflight = null;
      if (root.isConnected) busy(false);
    });
  }

  // ---- quick exit --------------------------------------------------------------------------------
  // A reply that arrives after this (before the neutral page has loaded) must not bring the
  // conversation back: the request is aborted, and nothing is saved once leaving has started.
  function quickExit() {
    if (leaving) return;
    leaving = true;
    if (inflight) { try { inflight.abort(); } catch (e) { /* already done */ } }
    history = [];
    store(KEY_LOG, null);
    store(KEY_ID, null);
    try {
      while (document.body.firstChild) document.body.removeChild(document.body.firstChild);
      document.title = "";
    } catch (e) { /* keep going: leaving matters more */ }
    // replace(): the page we leave is not left behind in the Back history.
    window.location.replace(cfg.lamnaUrl);
  }

  // ---- start -------------------------------------------------------------------------------------
  function start() {
    stylesheet();
    conversationId(); // a fresh random id for this tab (kept across reloads of the tab)
    build();
    if (!history.length && cfg.halsning) {
      history.push({from: "bot", text: String(cfg.halsning), buttons: []});
      saveHistory();
    }
    history.forEach(render);
    window.Stodlotsen = {lamna: quickExit};
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
