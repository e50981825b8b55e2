"""Routing mechanics on a small catalogue: audience, local services, 24/7 alternative, cap."""
import os
import time

import pytest

from bot import catalogue, catalogue_file, catalogue_store, replies, routing
from tests.conftest import FIXTURES, at

FRIDAY_NOON = at("2026-11-27 12:00")  # Kontorslinjen closed, opens Monday 09.00
MONDAY_TEN = at("2026-11-23 10:00")  # Kontorslinjen open


def ids(route):
    return [i.key for i in route.items]


def test_child_gets_the_child_route(mini):
    assert ids(routing.route(mini, "oro", "child", None, MONDAY_TEN)) == ["dygnet"]


def test_unknown_audience_uses_the_needs_default_reader(mini):
    r = routing.route(mini, "oro", None, None, MONDAY_TEN)
    assert r.audience == "child" and ids(r) == ["dygnet"]


def test_guardian_gets_the_local_service_of_their_municipality(mini):
    assert ids(routing.route(mini, "oro", "guardian", "alfa", MONDAY_TEN)) == ["alfa_familj", "kontor"]


def test_another_municipality_never_gets_alfas_local_number(mini):
    r = routing.route(mini, "oro", "guardian", "beta", MONDAY_TEN)
    assert ids(r) == ["local:familjestod", "kontor"]
    assert r.missing_services == ["familjestod"]
    reply = replies.compose(mini, "oro", "guardian", "beta", now=MONDAY_TEN)
    assert "0100-11 11 11" not in reply.text
    assert "Beta" in reply.text and "familjestödet i din kommun" in reply.text


def test_unknown_municipality_gives_generic_text_and_asks_where(mini):
    reply = replies.compose(mini, "oro", "guardian", None, now=MONDAY_TEN)
    assert "Kontakta familjestödet i din kommun." in reply.messages
    assert "Skriv vilken kommun du bor i" in reply.messages[-1]


def test_urgent_need_adds_a_24_7_alternative_when_first_choice_is_closed(mini):
    closed = routing.route(mini, "ledigt", None, None, FRIDAY_NOON)
    assert ids(closed) == ["kontor"]  # the need itself routes nowhere else
    urgent = routing.route(mini, "bratt", None, None, FRIDAY_NOON)
    assert ids(urgent) == ["nod", "kontor", "dygnet"]
    text = replies.compose(mini, "bratt", None, None, now=FRIDAY_NOON).text
    assert "Stängt nu – öppnar måndag 09.00." in text


def test_open_first_choice_gets_no_extra_alternative(mini):
    r = routing.route(mini, "bratt", None, None, MONDAY_TEN)
    assert r.added_24_7 is None


def test_emergency_number_is_said_once_and_first(mini):
    reply = replies.compose(mini, "bratt", None, None, now=MONDAY_TEN)
    assert reply.messages[0].startswith("Ring 112 nu")
    assert reply.text.count("112") == 1
    plain = replies.compose(mini, "larm", None, None, now=MONDAY_TEN)  # no intro: the 112 line itself comes first
    assert plain.messages[0] == "Ring 112 om någon är i fara nu."


def test_topic_answer_is_chosen_by_words_in_the_message(mini):
    assert replies.compose(mini, "fraga", text="Får jag vara ANONYM?", now=MONDAY_TEN).messages[0] == "Du får vara anonym."
    assert replies.compose(mini, "fraga", text="hur gör man", now=MONDAY_TEN).messages[0] == "Så här gör du."


def test_ambiguous_need_asks_with_buttons_and_names_no_resource(mini):
    reply = replies.compose(mini, "vem", "adult", None, now=MONDAY_TEN)
    assert reply.messages == ["Vems barn gäller det?"]
    assert reply.buttons == [{"title": "Mitt eget barn", "payload": "/oro"}]
    assert reply.resources == []


def test_child_reply_shows_hours_and_anonymity(mini):
    text = replies.compose(mini, "oro", "child", None, now=MONDAY_TEN).text
    assert "Ring 000 111." in text and "Öppet dygnet runt." in text and "Du kan vara anonym." in text


def test_route_with_more_than_three_resources_is_rejected():
    text = (
        "resources:\n"
        + "".join(
            f"  - {{id: r{i}, name: R{i}, about: {{adult: x}}, source: s, last_verified: 2026-01-01}}\n" for i in range(4)
        )
        + "needs:\n  n:\n    route:\n      default: [r0, r1, r2, r3]\n"
    )
    with pytest.raises(catalogue.CatalogueError, match="högst 3"):
        catalogue_file.parse(text)


def test_unknown_route_entry_is_reported_in_swedish():
    text = "resources: []\nneeds:\n  n:\n    route:\n      default: [saknas]\n"
    with pytest.raises(catalogue.CatalogueError, match="resursen 'saknas' finns inte"):
        catalogue_file.parse(text)


def test_municipality_found_by_alias_and_without_diacritics(mini):
    assert mini.find_municipality("vi bor i ALFAS kommun").id == "alfa"
    assert mini.find_municipality("alfabetet") is None


def test_ambiguous_need_is_answered_directly_when_role_or_harm_is_clear(mini):
    assert replies.compose(mini, "vem", "guardian", None, now=MONDAY_TEN).messages[0] == "Bra att du hör av dig."
    assert replies.compose(mini, "vem", "adult", None, text="hur ANMÄLER jag", now=MONDAY_TEN).messages[0] == "Så här gör du."
    assert replies.compose(mini, "vem", "adult", None, text="jag är orolig", now=MONDAY_TEN).buttons


def test_redirect_to_unknown_need_is_rejected():
    text = "resources: []\nneeds:\n  a:\n    redirect:\n      by_audience: {adult: saknas}\n"
    with pytest.raises(catalogue.CatalogueError, match="behovet 'saknas' finns inte"):
        catalogue_file.parse(text)


def test_danger_first_puts_the_emergency_line_before_the_answer(mini):
    reply = replies.compose(mini, "oro", "child", None, now=MONDAY_TEN, danger_first=True)
    assert reply.messages[0] == "Ring 112 om någon är i fara nu."
    assert reply.resources == ["nod", "dygnet"]
    once = replies.compose(mini, "bratt", None, None, now=MONDAY_TEN, danger_first=True)
    assert once.text.count("112") == 1


def test_redirects_are_followed_one_step_only():
    text = (
        "resources:\n  - {id: r, name: R, about: {adult: x}, source: s, last_verified: 2026-01-01}\n"
        "needs:\n"
        "  a:\n    text: {adult: A}\n    redirect: {by_audience: {adult: b}}\n    route: {default: [r]}\n"
        "  b:\n    text: {adult: B}\n    redirect: {by_audience: {adult: a}}\n    route: {default: [r]}\n"
    )
    cat = catalogue_file.parse(text)
    assert replies.compose(cat, "a", "adult", now=MONDAY_TEN).messages[0] == "B"


def test_a_broken_edit_keeps_the_last_good_catalogue(tmp_path, caplog):
    path = tmp_path / "resources.yml"
    path.write_text((FIXTURES / "mini_catalogue.yml").read_text(encoding="utf-8"), encoding="utf-8")
    good = catalogue_store.current(path)
    path.write_text("resources: [\n", encoding="utf-8")
    os.utime(path, ns=(time.time_ns() + 10**9, time.time_ns() + 10**9))
    assert catalogue_store.current(path) is good
    assert "inte giltig YAML" in caplog.text
    with pytest.raises(catalogue.CatalogueError):
        catalogue_store.current(tmp_path / "never-loaded.yml")


def test_malformed_opening_hours_are_reported_at_load():
    text = ("resources:\n  - {id: r, name: R, about: {adult: x}, source: s, last_verified: 2026-01-01,\n"
            "     hours: {weekly: {mon: ['9-11']}}}\nneeds: {}\n")
    with pytest.raises(catalogue.CatalogueError, match="9-11"):
        catalogue_file.parse(text)


AGES = """
resources:
  - {id: alla, name: Alla, about: {child: "För alla barn."}, phone: "000 111", ages: {max: 17}, source: s,
     last_verified: 2026-01-01}
  - {id: tonar, name: Tonår, about: {child: "För dig som är 13–19 år."}, ages: {min: 13, max: 19},
     web: "https://tonar.example/", source: s, last_verified: 2026-01-01}
needs:
  stod:
    audience: child
    text: {child: "Här kan du prata:", adult: "Här får du råd:"}
    route: {child: [tonar, alla], default: [tonar, alla]}
"""


@pytest.mark.parametrize("age, expected", [(None, ["tonar", "alla"]), (9, ["alla"]), (15, ["tonar", "alla"]),
                                           (19, ["tonar"])])
def test_a_child_who_says_their_age_is_only_sent_where_it_fits(age, expected):
    cat = catalogue_file.parse(AGES)
    assert ids(routing.route(cat, "stod", "child", None, MONDAY_TEN, age=age)) == expected
    assert replies.compose(cat, "stod", "child", text=f"jag är {age} år" if age else "", now=MONDAY_TEN).resources == expected


def test_an_adults_own_age_says_nothing_about_the_child_a_service_is_for():
    cat = catalogue_file.parse(AGES)
    assert ids(routing.route(cat, "stod", "guardian", None, MONDAY_TEN, age=45)) == ["tonar", "alla"]


def test_ages_must_run_from_low_to_high():
    with pytest.raises(catalogue.CatalogueError, match="lägre än min 19"):
        catalogue_file.parse(AGES.replace("{min: 13, max: 19}", "{min: 19, max: 13}"))


def test_a_phone_number_the_text_already_gives_is_not_repeated():
    cat = catalogue_file.parse(AGES.replace('"För alla barn."', '"Ring 000 111 när du vill."'))
    line = replies.compose(cat, "stod", "child", now=MONDAY_TEN).messages[-1]
    assert line.count("000 111") == 1


def test_a_municipality_without_details_is_said_once_per_reply(mini):
    text = """
municipalities:
  - {id: beta, name: Beta, source: s, last_verified: 2026-01-01}
services:
  a: {generic: {adult: "Fråga kommunen om A."}}
  b: {generic: {adult: "Fråga kommunen om B."}}
resources: []
needs:
  n:
    audience: adult
    route: {default: ["local:a", "local:b"]}
"""
    reply = replies.compose(catalogue_file.parse(text), "n", "adult", "beta", now=MONDAY_TEN)
    assert reply.messages == ["Jag har inga kontaktuppgifter för Beta om det här än. Fråga kommunen om A.",
                              "Fråga kommunen om B."]


def test_anonymity_said_in_other_words_is_not_said_again(mini):
    cat = catalogue_file.parse(AGES.replace('"För alla barn."', '"Du behöver inte säga vem du är."').replace(
        "ages: {max: 17},", "ages: {max: 17}, anonymous: true,"))
    assert "Du kan vara anonym." not in replies.compose(cat, "stod", "child", now=MONDAY_TEN).text


# --- one owner per concept ---------------------------------------------------------------------------
@pytest.mark.parametrize("text, says", [
    ("Ring 112.", True), ("Kvällar och helger: socialjouren via 112", True), ("112 dygnet runt", True),
    ("Telefon: 0150-112 00.", False), ("Ring 08-12 112 34.", False), ("Ring 1120.", False), ("Ring 116 111.", False),
])
def test_the_emergency_number_counts_only_on_its_own(text, says):
    assert replies.names_number(text, "112") is says


def test_112_first_means_the_call_to_112_comes_first(mini):
    # 112 named in passing, even in the first message, is not "first": the emergency line goes before it
    for later in (replies.Reply(["Bra att du hör av dig.", "Kvällar når du jouren via 112."], resources=["kontor"]),
                  replies.Reply(["Kontoret har stängt; kvällar når du jouren via 112."], resources=["kontor"])):
        first = replies.emergency_first(mini, later, child=False, now=MONDAY_TEN)
        assert first.messages == ["Ring 112 om någon är i fara nu.", *later.messages]
        assert first.resources == ["nod", "kontor"]
        # already first: unchanged
        assert replies.emergency_first(mini, first, child=False, now=MONDAY_TEN) == first
    # an intro that says "ring 112" is the call to 112
    urgent = replies.compose(mini, "bratt", "child", None, now=MONDAY_TEN)
    assert urgent.leads_with_emergency and urgent.messages[0] == "Ring 112 nu om det är akut."
    assert replies.emergency_first(mini, urgent, child=True, now=MONDAY_TEN) == urgent
    # the emergency line further down moves to the front, it is not said twice
    moved = replies.emergency_first(mini, replies.Reply(["Hej.", "Ring 112 om någon är i fara nu."], resources=["nod"]),
                                    child=True, now=MONDAY_TEN)
    assert moved.messages == ["Ring 112 om någon är i fara nu.", "Hej."] and moved.resources == ["nod"]


def test_both_replies_put_112_first_the_same_way(mini):
    need = replies.compose(mini, "ledigt", "adult", None, now=MONDAY_TEN, danger_first=True)
    hours = replies.opening_hours(mini, "när har kontorslinjen öppet", "adult", None, now=MONDAY_TEN, danger_first=True)
    for reply in (need, hours):
        assert reply.messages[0] == "Ring 112 om någon är i fara nu." and reply.resources[:2] == ["nod", "kontor"]
        assert reply.text.count("112") == 1


def test_opening_hours_are_parsed_when_the_catalogue_loads_not_per_reply(tmp_path, monkeypatch):
    from bot import hours

    path = tmp_path / "resources.yml"
    source = (FIXTURES / "mini_catalogue.yml").read_text(encoding="utf-8")
    path.write_text(source, encoding="utf-8")
    loaded = catalogue_store.current(path)
    parsed = []
    monkeypatch.setattr(hours, "parse", lambda raw: parsed.append(raw) or hours.ALWAYS)
    replies.compose(loaded, "ledigt", "adult", None, now=FRIDAY_NOON)
    replies.opening_hours(loaded, "när har kontorslinjen öppet på lördag", "adult", None, now=FRIDAY_NOON)
    assert parsed == []  # every reply used the schedules parsed at load
    monkeypatch.undo()
    # an edit is picked up (hot reload): the new hours are parsed once, with the new catalogue
    path.write_text(source.replace('mon: ["09:00-11:00"]', 'mon: ["09:00-12:00"]'), encoding="utf-8")
    os.utime(path, ns=(time.time_ns() + 10**9, time.time_ns() + 10**9))
    reloaded = catalogue_store.current(path)
    assert reloaded is not loaded
    assert reloaded.resource("kontor").schedule.days[0] == ((540, 720),)
    assert "måndag 09.00–12.00" in replies.opening_hours(reloaded, "när har kontorslinjen öppet", "adult", None,
                                                         now=FRIDAY_NOON).text


def test_a_local_key_is_resolved_in_one_place(mini):
    assert routing.resolve(mini, "local:familjestod", "alfa").resource.id == "alfa_familj"
    assert routing.resolve(mini, "local:familjestod", "beta") == routing.Item(service="familjestod")
    assert routing.resolve(mini, "local:familjestod", None).key == "local:familjestod"
    assert routing.resolve(mini, "kontor", "beta").resource.id == "kontor"
