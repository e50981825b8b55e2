""""Är Bris öppet nu?" / "när kan jag ringa socialtjänsten?" from the catalogue, and a catalogue that grows
(a fifth municipality) with no code change – through the same code the actions use."""
from __future__ import annotations

import os
import time

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.opening_hours import ActionOpeningHours
from actions.route import ActionRoute
from bot import replies
from staff import check
from tests.conftest import ROOT, at

TUESDAY_NOON = at("2026-11-24 12:00")  # Katrineholm's line opens 13.00 on Tuesdays
TUESDAY_2PM = at("2026-11-24 14:00")
JULAFTON = at("2026-12-24 10:00")  # a Thursday; juldagen Friday; next opening Monday 28th


@pytest.mark.parametrize(
    "text, expected",
    [
        ("är Bris öppet nu?", ["bris"]),
        ("ar briss oppet nu", ["bris"]),
        ("när svarar bris vuxentelefon", ["bris_vuxen"]),  # the longer name wins, not also bris
        ("när kan jag ringa socialtjänsten?", ["local:orosanmalan"]),
        ("nar kan man ringa soc", ["local:orosanmalan"]),
        ("står det på koll på soc", ["koll_pa_soc"]),
        ("har UMO öppet på lördag", ["umo"]),
        ("svarar 90101 på natten", ["mind_sjalvmordslinjen"]),
        ("har bris eller kvinnofridslinjen öppet", ["bris", "kvinnofridslinjen"]),
        ("har fritisen öppet på lovet", ["local:fritid"]),
        ("brisera inte", []),  # whole words only
        ("är ni öppna", []),
    ],
)
def test_what_a_question_names(shipped, text, expected):
    assert shipped.named(text) == expected


def test_bris_is_open_around_the_clock(shipped):
    reply = replies.opening_hours(shipped, "är bris öppet nu", audience="child", now=JULAFTON)
    assert reply.messages == ["Bris: öppet dygnet runt. Ring 116 111 eller chatta på www.bris.se."]


def test_social_services_in_katrineholm_now_and_later(shipped):
    before = replies.opening_hours(shipped, "när kan jag ringa socialtjänsten?", "adult", "katrineholm", now=TUESDAY_NOON)
    assert before.resources == ["katrineholm_orosanmalan"]
    assert before.text.startswith("Socialtjänsten i Katrineholm – rådgivning och orosanmälan: stängt nu – öppnar i dag 13.00.")
    assert "Telefontid: måndag 09.00–11.00, tisdag 13.00–15.00, onsdag–fredag 09.00–11.00. Stängt på helgdagar." in before.text
    assert "0150-48 83 00" in before.text
    during = replies.opening_hours(shipped, "när kan jag ringa socialtjänsten?", "adult", "katrineholm", now=TUESDAY_2PM)
    assert "öppet nu till 15.00" in during.text
    christmas = replies.opening_hours(shipped, "har soc öppet på julafton", "adult", "katrineholm", now=JULAFTON)
    assert "stängt nu – öppnar måndag 09.00" in christmas.text


def test_a_named_day_gets_that_days_hours(shipped):
    text = replies.opening_hours(shipped, "har soc öppet på lördag", "guardian", "katrineholm", now=TUESDAY_NOON).text
    assert "På lördag 28 november: stängt." in text
    text = replies.opening_hours(shipped, "kan jag ringa soc i morgon", "guardian", "kungalv", now=TUESDAY_NOON).text
    assert "På onsdag 25 november: 09.00–16.30." in text and "0303-23 93 77" in text


def test_unknown_hours_are_never_guessed(shipped):
    text = replies.opening_hours(shipped, "har UMO öppet på lördag", "child", now=TUESDAY_NOON).text
    assert text == "Jag har inga öppettider för UMO. Läs på www.umo.se."


def test_a_municipal_service_needs_the_municipality(shipped):
    unknown = replies.opening_hours(shipped, "när kan jag ringa socialtjänsten?", "adult", None, now=TUESDAY_NOON)
    assert unknown.resources == [] and "Skriv vilken kommun du bor i" in unknown.text
    missing = replies.opening_hours(shipped, "när har familjestödet öppet", "guardian", "kungalv", now=TUESDAY_NOON)
    assert missing.resources == [] and "Jag har inga öppettider för det i Kungälv än." in missing.text
    assert not any(ch.isdigit() for ch in missing.text)  # no number is made up


def test_nothing_named_asks_which_or_uses_the_last_need(shipped):
    assert replies.opening_hours(shipped, "är ni öppna?", "child", now=TUESDAY_NOON).messages == [replies.ASK_WHICH["child"]]
    text = replies.opening_hours(shipped, "när kan jag ringa dem", "adult", "katrineholm", last_need="adult_other_child",
                                 now=TUESDAY_NOON).text
    assert "Socialtjänsten i Katrineholm" in text and "öppnar i dag 13.00" in text


# ---------------------------------------------------------------- through the actions


def tracker(text: str, intent: str, municipality: str | None = None, last_need: str | None = None,
            ranking: list | None = None, hint: str | None = None) -> Tracker:
    ranking = ranking or [{"name": intent, "confidence": 0.9}]
    return Tracker.from_dict({
        "sender_id": "test-hours",
        "slots": {"municipality": municipality, "audience": None, "last_need": last_need},
        "latest_message": {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": [],
                           "intent_ranking": ranking, "crisis": {"hint": hint}},
        "events": [], "paused": False, "followup_action": None, "active_loop": {}, "latest_action_name": "action_listen",
    })


def run(action, t: Tracker) -> tuple[str, dict]:
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, t, {})
    return "\n".join(m.get("text") or "" for m in dispatcher.messages), {e["name"]: e["value"] for e in events}


def test_the_action_answers_for_the_municipality_in_the_message(shipped):
    text, slots = run(ActionOpeningHours(), tracker("när kan jag ringa socialtjänsten i katrineholm", "ask_opening_hours"))
    assert "0150-48 83 00" in text and "Telefontid:" in text
    assert slots["municipality"] == "katrineholm"


def test_no_name_and_a_likely_need_answers_the_need(shipped):
    ranking = [{"name": "ask_opening_hours", "confidence": 0.5}, {"name": "child_parent_addiction", "confidence": 0.3}]
    text, slots = run(ActionOpeningHours(), tracker("mamma öppnar vin så fort hon vaknar", "ask_opening_hours",
                                                    ranking=ranking))
    assert slots["last_need"] == "child_parent_addiction"
    assert "116 111" in text and "Vilket ställe" not in text and "Vilken stödlinje" not in text
    # a named resource is an opening-hours question whatever the runner-up
    text, slots = run(ActionOpeningHours(), tracker("öppnar bris på natten", "ask_opening_hours", ranking=ranking))
    assert text.startswith("Bris: öppet dygnet runt") and "last_need" not in slots
    # a weak runner-up: ask which one
    weak = [ranking[0], {"name": "child_parent_addiction", "confidence": 0.05}]
    text, _ = run(ActionOpeningHours(), tracker("är ni öppna", "ask_opening_hours", ranking=weak))
    assert text in replies.ASK_WHICH.values()


def test_unsure_danger_puts_112_first(shipped):
    dispatcher = CollectingDispatcher()
    ActionOpeningHours().run(dispatcher, tracker("är bris öppet", "ask_opening_hours", hint="unsure_acute"), {})
    assert "112" in dispatcher.messages[0]["text"] and "116 111" in dispatcher.messages[1]["text"]


def bump(path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    later = time.time_ns() + 2 * 10**9
    os.utime(path, ns=(later, later))


def test_the_action_follows_catalogue_edits_and_ignores_broken_ones(tmp_path, monkeypatch):
    path = tmp_path / "resources.yml"
    shipped_text = (ROOT / "resources.yml").read_text(encoding="utf-8")
    bump(path, shipped_text)
    monkeypatch.setenv("STODLOTSEN_CATALOGUE", str(path))
    ask = tracker("när kan jag ringa soc", "ask_opening_hours", municipality="kungalv")
    before, _ = run(ActionOpeningHours(), ask)
    assert "måndag–torsdag 09.00–16.30, fredag 09.00–16.00" in before
    edited = shipped_text.replace('        fri: ["09:00-16:00"]\n', '        fri: ["09:00-12:00"]\n', 1)
    bump(path, edited)
    after, _ = run(ActionOpeningHours(), ask)
    assert "måndag–torsdag 09.00–16.30, fredag 09.00–12.00" in after  # a good edit is used at once
    bump(path, edited.replace('        fri: ["09:00-12:00"]\n', '        fri: ["09.00-13.00"]\n', 1))
    assert run(ActionOpeningHours(), ask)[0] == after  # a broken edit changes nothing


# ---------------------------------------------------------------- growing without code

TESTKOPING = """
  - id: testkoping
    name: Testköping
    aliases: [testkoping, testköpings]
    source: "Påhittad kommun för tester"
    last_verified: 2026-11-20
"""
TESTKOPING_RESOURCES = """
  - id: testkoping_orosanmalan
    name: Socialtjänsten i Testköping
    municipality: testkoping
    service: orosanmalan
    also_serves: [socialtjanst]
    about:
      adult: "Här gör du en orosanmälan i Testköping."
    phone: "0999-00 00 01"
    hours:
      weekly: {mon: ["08:00-12:00"], tue: ["08:00-12:00"], wed: ["08:00-12:00"], thu: ["08:00-12:00"], fri: ["08:00-12:00"]}
      exceptions: [{from: 2026-12-28, to: 2026-12-30, note: mellandagar}]
    source: "Påhittad resurs för tester"
    last_verified: 2026-11-20

  - id: testkoping_familjestod
    name: Familjestödet i Testköping
    municipality: testkoping
    service: familjestod
    about:
      adult: "Stöd till föräldrar i Testköping."
    phone: "0999-00 00 02"
    source: "Påhittad resurs för tester"
    last_verified: 2026-11-20

  - id: testkoping_socialjour
    name: Socialjouren i Testköping
    municipality: testkoping
    service: socialjour
    about:
      adult: "Kvällar och helger."
    phone: "0999-00 00 03"
    source: "Påhittad resurs för tester"
    last_verified: 2026-11-20

  - id: testkoping_vaxel
    name: Testköpings kommun – växeln
    municipality: testkoping
    service: vaxel
    about:
      adult: "Kommunens växel."
    phone: "0999-00 00 00"
    source: "Påhittad resurs för tester"
    last_verified: 2026-11-20
"""


@pytest.fixture
def with_testkoping(tmp_path, monkeypatch):
    """The shipped catalogue plus a made-up fifth municipality – catalogue edits only."""
    text = (ROOT / "resources.yml").read_text(encoding="utf-8")
    text = text.replace("\nservices:", TESTKOPING.rstrip("\n") + "\n\nservices:", 1)
    text = text.replace("\nneeds:", TESTKOPING_RESOURCES + "\nneeds:", 1)
    path = tmp_path / "resources.yml"
    bump(path, text)
    monkeypatch.setenv("STODLOTSEN_CATALOGUE", str(path))
    return path


def test_a_fifth_municipality_needs_only_catalogue_edits(with_testkoping):
    report = check.check(with_testkoping, today=TUESDAY_NOON.date())
    assert report.errors == [], report.text()
    assert not [w for w in report.warnings if "Testköping" in w.where]

    text, slots = run(ActionRoute(), tracker("jag bor i Testköping och är orolig för mitt barnbarn", "adult_other_child"))
    assert slots["municipality"] == "testkoping"
    assert "Socialtjänsten i Testköping" in text and "0999-00 00 01" in text
    assert "0150-48 83 00" not in text and "0303-23 93 77" not in text

    text, slots = run(ActionRoute(), tracker("vår son strular, vi bor i testköpings kommun", "parent_own_child"))
    assert "Familjestödet i Testköping" in text and "0999-00 00 02" in text

    text, _ = run(ActionOpeningHours(), tracker("när kan jag ringa soc", "ask_opening_hours", municipality="testkoping"))
    assert "Socialtjänsten i Testköping" in text and "Telefontid: måndag–fredag 08.00–12.00." in text
