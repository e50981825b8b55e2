"""The shipped catalogue: complete, sourced, and never mixing up municipalities."""
import itertools

import pytest
import yaml

from bot.catalogue import AUDIENCES, MAX_RESOURCES
from bot.replies import compose
from tests.conftest import ROOT, at

NOON = at("2026-11-24 12:00")
# intents the conversation answers without a need of the catalogue (bot/conversation.py)
SMALL_TALK = {"greet", "goodbye", "thanks", "about_bot", "out_of_scope", "inform_municipality", "ask_followup", "plea",
              "retract", "acknowledge", "inform_role", "nlu_fallback"}


def routing_intents():
    rules = yaml.safe_load((ROOT / "data" / "rules.yml").read_text(encoding="utf-8"))["rules"]
    return {r["steps"][0]["intent"] for r in rules if r["steps"][1].get("action") == "action_route"} - SMALL_TALK


def test_every_routed_intent_has_a_need_and_every_need_an_intent(shipped):
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    assert routing_intents() == set(shipped.needs)
    assert set(shipped.needs) <= set(domain["intents"])


def test_every_resource_has_a_source_and_a_date(shipped):
    for r in shipped.resources:
        assert r.source.strip(), r.id
        assert r.last_verified.year >= 2025, r.id
    for m in shipped.municipalities:
        assert m.source.strip() and m.last_verified, m.id


def test_every_address_is_https(shipped):
    for r in shipped.resources:
        for url in (r.chat, r.eservice, r.web):
            assert url is None or url.startswith("https://"), f"{r.id}: {url}"


def test_all_four_seed_municipalities_are_covered(shipped):
    assert {m.id for m in shipped.municipalities} >= {"katrineholm", "nykoping", "soderhamn", "kungalv"}


def test_national_resources_from_the_facts_are_present(shipped):
    phones = {r.phone for r in shipped.resources if r.municipality is None}
    assert {"112", "116 111", "077-150 50 50", "90101", "020-50 50 50", "1177", "114 14"} <= phones


MUNICIPALITIES = [None, "katrineholm", "nykoping", "soderhamn", "kungalv"]


@pytest.mark.parametrize("municipality_id", MUNICIPALITIES)
def test_no_reply_names_another_municipalitys_contacts_or_too_many_resources(shipped, municipality_id):
    foreign = [v for r in shipped.resources if r.municipality and r.municipality != municipality_id
               for v in (r.phone, r.chat, r.eservice, r.web) if v]
    for need_id, audience in itertools.product(shipped.needs, (*AUDIENCES, None)):
        reply = compose(shipped, need_id, audience=audience, municipality_id=municipality_id, now=NOON)
        assert len(reply.resources) <= MAX_RESOURCES, (need_id, audience)
        for contact in foreign:
            assert contact not in reply.text, (need_id, audience, municipality_id, contact)
        assert reply.text.strip() or reply.buttons, (need_id, audience)


@pytest.mark.parametrize("need_id", ["suicidal", "self_harm", "acute_danger"])
def test_crisis_replies_say_112_in_the_first_message_for_every_reader(shipped, need_id):
    for audience in (*AUDIENCES, None):
        reply = compose(shipped, need_id, audience=audience, now=NOON)
        assert "112" in reply.messages[0], (need_id, audience)
        if need_id == "suicidal":
            assert "90101" in reply.text


def test_no_internal_names_reach_the_user(shipped):
    for need_id, municipality_id in itertools.product(shipped.needs, MUNICIPALITIES):
        text = compose(shipped, need_id, audience="adult", municipality_id=municipality_id, now=NOON).text
        assert "local:" not in text and "_" not in text.replace("www.", ""), (need_id, municipality_id)


@pytest.mark.parametrize(("detail", "answer"), [("what_happens", "what_happens"), ("removal", "removal")])
def test_the_orosanmalan_follow_up_facts_say_what_the_orosanmalan_answers_say(shipped, detail, answer):
    """The same fact has two places in the catalogue (a follow-up about orosanmälan, and the answer to a first
    question about it); they must not drift apart, as "så att barnet kan bo kvar hemma" once did."""
    fact = getattr(shipped.services["orosanmalan"].details, detail)
    said = next(a for a in shipped.need("orosanmalan_question").answers if a.id == answer).text
    assert (fact.child, fact.adult) == (said.child, said.adult)
