"""Every reply keeps the writing rules of docs/skrivregler.md.

Each need is answered for every reader (and none) × every municipality (and none) × the ages a
writer may state ("jag är 9 år") × a weekday noon and a night, with each topic answer's words.
A reply fails when it says a sentence twice, both offers local places and says it has none,
ends on a promise of a list that never comes, is hard for a child to read (LIX above 35), or sends
a child to a service whose `ages` leave the child out.

Every follow-up answer is rendered too: each need × reader (and none) × municipality (and none) × each
follow-up question ("är det anonymt?", "syns det på räkningen?", "pratar de engelska?" …) about what the
reply named. A follow-up answer fails when it says a sentence twice, gives a child a text written only for
adults (or a service for adults), says "only by phone" about a resource that has another way in, or
promises anonymity about a resource that cannot give it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator, List

import pytest

from bot import catalogue_store, followup, replies
from bot.catalogue import AUDIENCES, Catalogue, Details, Texts
from bot.text import mentions_any
from tests.conftest import ROOT, at
from tests.support.lix import lix

MAX_LIX = 35
TIMES = (at("2026-11-24 12:00"), at("2026-11-24 23:30"))
STATED_AGES = (None, 8, 9, 12, 15, 17, 19)
NO_DETAILS = "Jag har inga kontaktuppgifter"
# A reply that has no local contact must not also promise places nearby.
_OFFERS_PLACES = re.compile(r"\b(ställen|platser|nära dig där|här i kommunen)\b", re.IGNORECASE)
_PROMISES = re.compile(r"\bhär finns\b", re.IGNORECASE)
_SAYS_ANONYMOUS = re.compile(r"anonym|vem du är", re.IGNORECASE)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
# Facts that belong to each resource line ("Öppet dygnet runt.") may stand once per resource.
_PER_RESOURCE = re.compile(r"^(Öppet|Stängt|Telefontid|Du (kan|får) vara anonym\.)")
# Authorities that no longer exist under that name (MSB is Myndigheten för civilt försvar since 2026-01-01).
RETIRED_NAMES = ("MSB", "Myndigheten för samhällsskydd och beredskap")
# Services for adults only: a child hurt at home or seeing violence there needs Bris, not these.
FOR_ADULTS_ONLY = ("kvinnofridslinjen", "bris_vuxen", "stodlinjen_man", "stodlinjen_trans", "psykiatrisk_akut")
NOON = at("2026-11-24 12:00")
FOLLOWUP_TOPICS = tuple(t for t in followup.TOPICS if t != followup.HOURS)
# "Dit går det bara att ringa", "bara per telefon": never about a resource with another way in.
_ONLY_BY_PHONE = re.compile(r"\bbara\b[^.]*\b(?:ringa|per telefon|i telefon)\b", re.IGNORECASE)
# A promise of anonymity: "Du kan vara anonym", "Det är anonymt", "Gratis och anonymt" – not a "not".
_PROMISES_ANONYMITY = re.compile(r"\b(?:kan|får) (?:du |man )?(?:alltid )?vara anonym\b|\banonymt\b", re.IGNORECASE)
_NEGATED = re.compile(r"\binte\b|\bej\b|\butan att\b", re.IGNORECASE)


@dataclass
class Rendered:
    need: str  # the need answered, after any redirect
    who: str | None
    place: str | None
    age: int | None
    child: bool  # written for a child
    intro: str
    reply: replies.Reply

    def __str__(self) -> str:
        return f"{self.need} vem={self.who} kommun={self.place} ålder={self.age}:\n{self.reply.text}"


def render_all(cat: Catalogue, need_id: str) -> Iterator[Rendered]:
    need = cat.needs[need_id]
    words = [""] + [a.match[0] for a in need.answers if a.match]
    places = [None, *(m.id for m in cat.municipalities)]
    for now in TIMES:
        for who in (None, *AUDIENCES):
            for place in places:
                for age in STATED_AGES:
                    for topic in words:
                        text = " ".join(t for t in (f"jag är {age} år" if age else "", topic) if t)
                        reply = replies.compose(cat, need_id, who, place, text=text, now=now)
                        answered = need.redirected(who, text) or need_id
                        target = cat.needs[answered]
                        child = target.reader(who) == "child"
                        register = "child" if child else "adult"
                        picked = next((a.text for a in target.answers if a.match and mentions_any(text, a.match)), None)
                        default = next((a.text for a in target.answers if not a.match), None)
                        intro = ((picked or default or target.text).for_reader(register) or "").strip()
                        yield Rendered(answered, who, place, age, child, intro, reply)


def sentences(message: str) -> List[str]:
    return [s.strip() for s in _SENTENCE.split(message) if s.strip()]


def problems(cat: Catalogue, r: Rendered) -> List[str]:
    found = []
    text, messages = r.reply.text, r.reply.messages
    seen: dict = {}
    for i, message in enumerate(messages):
        said = sentences(message)
        for s in said:
            if said.count(s) > 1:
                found.append(f"samma mening två gånger i ett meddelande: {s!r}")
            elif s in seen and seen[s] != i and not _PER_RESOURCE.match(s):
                found.append(f"samma mening två gånger i svaret: {s!r}")
            seen.setdefault(s, i)
        if r.child and len(_SAYS_ANONYMOUS.findall(message)) > 1:
            found.append(f"anonymitet sägs mer än en gång i: {message!r}")
    intro_index = messages.index(r.intro) if r.intro in messages else None
    if r.child and intro_index is not None and _SAYS_ANONYMOUS.search(r.intro) and any(
            _SAYS_ANONYMOUS.search(m) for j, m in enumerate(messages) if j != intro_index):
        found.append("anonymitet sägs både i inledningen och om en resurs")
    if intro_index is not None and r.intro.endswith(":") and intro_index == len(messages) - 1:
        found.append("inledningen lovar en lista som inte kommer")
    named = [cat.resource(i) for i in r.reply.resources]
    if NO_DETAILS in text:
        if _OFFERS_PLACES.search(text):
            found.append("erbjuder ställen och säger samtidigt att den inte har några")
        if _PROMISES.search(r.intro) and not any(not x.emergency for x in named):
            found.append("säger 'här finns' men har bara 'inga kontaktuppgifter'")
    for name in RETIRED_NAMES:
        if re.search(rf"\b{re.escape(name)}\b", text):
            found.append(f"nämner {name!r}, som inte heter så längre")
    if r.child:
        score = lix(text)
        if score > MAX_LIX:
            found.append(f"LIX {score:.1f} för ett barn")
        for resource in named:
            if r.age is not None and resource.ages is not None and not resource.ages.includes(r.age):
                found.append(f"{resource.id} är för {resource.ages.min}–{resource.ages.max} år, barnet är {r.age}")
            if resource.id in FOR_ADULTS_ONLY:
                found.append(f"{resource.id} är för vuxna, inte för barn")
    return found


# ---------------------------------------------------------------- follow-up answers


@dataclass
class Followup:
    need: str  # the need whose reply the question follows
    who: str | None
    place: str | None
    reader: str  # child, guardian, adult, professional: who the answer is written for
    topic: str
    answer: replies.Reply

    @property
    def child(self) -> bool:
        return self.reader == "child"

    def __str__(self) -> str:
        return f"{self.need} vem={self.who} kommun={self.place} fråga={self.topic}:\n{self.answer.text}"


def render_followups(cat: Catalogue, need_id: str) -> Iterator[Followup]:
    """Every follow-up question about what the need's reply named, for every reader and municipality."""
    need = cat.needs[need_id]
    for who in (None, *AUDIENCES):
        for place in (None, *(m.id for m in cat.municipalities)):
            reply = replies.compose(cat, need_id, who, place, now=NOON)
            answered = need.redirected(who, "") or need_id
            reader = cat.needs[answered].reader(who)
            for topic in FOLLOWUP_TOPICS:
                question = followup.TOPIC_QUESTIONS[topic]
                answer = followup.answer(cat, [topic], reply.keys, reader, place, question)
                if answer is not None:
                    yield Followup(answered, who, place, reader, topic, answer)


def _texts(value: object) -> Iterator[Texts]:
    """Every two-register text in a part of the catalogue, at any depth."""
    if isinstance(value, Texts):
        yield value
    if isinstance(value, (list, tuple)):
        for item in value:
            yield from _texts(item)
    elif hasattr(value, "__fields__"):
        for name in value.__fields__:
            yield from _texts(getattr(value, name))
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)


def adult_only_sentences(cat: Catalogue) -> set:
    """Sentences the catalogue writes for adults and never for a child (the duty to report, "Telefon: …"-style
    facts for grown-ups): a child's answer must have none of them."""
    texts = list(_texts(cat))
    for_children = {s for t in texts if t.child for s in sentences(t.child)}
    return {s for t in texts if t.adult and t.child for s in sentences(t.adult) if s not in for_children}


def _resource_of(cat: Catalogue, message: str):
    """The resource a follow-up message is about ("Bris: …"), if any."""
    return next((r for r in cat.resources if message.startswith(f"{r.name}:")), None)


def _other_ways(r) -> bool:
    details = r.details or Details()
    return bool(r.web or r.chat or r.sms or r.eservice or r.email or details.channels)


def followup_problems(cat: Catalogue, f: Followup, adult_only: set) -> List[str]:
    found = []
    seen: dict = {}
    for i, message in enumerate(f.answer.messages):
        for s in sentences(message):
            if s in seen and not (seen[s] != i and _PER_RESOURCE.match(s)):
                found.append(f"samma mening två gånger i följdsvaret: {s!r}")
            seen.setdefault(s, i)
        if f.child:
            found += [f"vuxentext till ett barn: {s!r}" for s in sentences(message) if s in adult_only]
        r = _resource_of(cat, message)
        if r is None:
            continue
        if f.child and r.id in FOR_ADULTS_ONLY:
            found.append(f"{r.id} är för vuxna, inte för barn")
        if _ONLY_BY_PHONE.search(message) and _other_ways(r):
            found.append(f"'bara per telefon' om {r.id}, som har fler vägar")
        if r.anonymous is False:
            promised = [s for s in sentences(message) if _PROMISES_ANONYMITY.search(s) and not _NEGATED.search(s)]
            found += [f"lovar anonymitet om {r.id}, som inte är anonymt: {s!r}" for s in promised]
    return found


def _shipped_needs() -> List[str]:

    return sorted(catalogue_store.load(ROOT / "resources.yml").needs)


@pytest.mark.parametrize("need_id", _shipped_needs())
def test_every_reply_keeps_the_writing_rules(shipped, need_id):
    bad = {}
    for r in render_all(shipped, need_id):
        for p in problems(shipped, r):
            bad.setdefault(p, str(r))
    assert not bad, "\n\n".join(f"{p}\n  t.ex. {example}" for p, example in list(bad.items())[:8])


@pytest.mark.parametrize("need_id", _shipped_needs())
def test_every_follow_up_answer_keeps_the_writing_rules(shipped, need_id):
    adult_only = adult_only_sentences(shipped)
    bad: dict = {}
    rendered = 0
    for f in render_followups(shipped, need_id):
        rendered += 1
        for p in followup_problems(shipped, f, adult_only):
            bad.setdefault(p, str(f))
    assert rendered, need_id
    assert not bad, "\n\n".join(f"{p}\n  t.ex. {example}" for p, example in list(bad.items())[:8])


def test_a_service_with_a_lowest_age_says_who_it_is_for(shipped):
    """A child who has not said their age must read who a teen service is for."""
    silent = [f"{r.id}.about.{register}" for r in shipped.resources if r.ages and r.ages.min
              for register in ("child", "adult") if str(r.ages.min) not in (getattr(r.about, register) or "")]
    assert not silent, f"säger inte åldern: {silent}"


# ---------------------------------------------------------------- the checks themselves catch what they should


def _rendered(messages, intro, child=True, age=None, resources=()):
    return Rendered("n", "child", None, age, child, intro, replies.Reply(messages=messages, resources=list(resources)))


def test_the_rules_catch_a_repeated_sentence_and_repeated_anonymity(mini):
    twice = _rendered(["Hej.", "Jag har inga kontaktuppgifter för Beta om det här än.",
                       "Jag har inga kontaktuppgifter för Beta om det här än."], "Hej.")
    assert any("två gånger i svaret" in p for p in problems(mini, twice))
    anon = _rendered(["Du kan ställa frågor utan att säga vem du är:", "UMO: Du kan vara anonym."],
                     "Du kan ställa frågor utan att säga vem du är:")
    assert "anonymitet sägs både i inledningen och om en resurs" in problems(mini, anon)
    per_resource = _rendered(["Prata med någon:", "A: Öppet dygnet runt.", "B: Öppet dygnet runt."], "Prata med någon:")
    assert problems(mini, per_resource) == []


def test_the_rules_catch_a_contradiction_and_a_missing_list(mini):
    places = _rendered(["Här finns ställen där unga kan vara efter skolan:",
                        "Jag har inga kontaktuppgifter för Beta om det här än. Sök på kommunens sida."],
                       "Här finns ställen där unga kan vara efter skolan:")
    got = problems(mini, places)
    assert "erbjuder ställen och säger samtidigt att den inte har några" in got
    assert "säger 'här finns' men har bara 'inga kontaktuppgifter'" in got
    assert problems(mini, _rendered(["Här kan du få hjälp:"], "Här kan du få hjälp:")) == [
        "inledningen lovar en lista som inte kommer"]


def test_the_rules_catch_hard_words_ages_and_adult_services(shipped):
    hard = _rendered(["Socialtjänstens utredningsverksamhet genomför kvalificerade bedömningar avseende "
                      "vårdnadshavarnas omsorgsförmåga."], "x")
    assert any(p.startswith("LIX") for p in problems(shipped, hard))
    assert problems(shipped, _rendered(["x"], "x", child=False, resources=[])) == []
    young = _rendered(["UMO."], "x", age=9, resources=["umo"])
    assert problems(shipped, young) == ["umo är för 13–25 år, barnet är 9"]
    assert problems(shipped, _rendered(["UMO."], "x", age=15, resources=["umo"])) == []
    assert problems(shipped, _rendered(["K."], "x", resources=["kvinnofridslinjen"])) == [
        "kvinnofridslinjen är för vuxna, inte för barn"]
    assert problems(shipped, _rendered(["Krisinfo från MSB."], "x", child=False)) == [
        "nämner 'MSB', som inte heter så längre"]


def _followup(messages, reader="child"):
    return Followup("n", reader, None, reader, "anonymity", replies.Reply(messages=messages))


def test_the_follow_up_rules_catch_a_repeat_an_adult_text_only_by_phone_and_a_false_promise(shipped):
    adult_only = adult_only_sentences(shipped)
    fine = _followup(["Bris: Du kan vara anonym. Ring 116 111 eller chatta på www.bris.se."])
    assert followup_problems(shipped, fine, adult_only) == []
    repeated = _followup(["Bris: Ring 116 111.", "Bris: Ring 116 111."])
    assert followup_problems(shipped, repeated, adult_only) == [
        "samma mening två gånger i följdsvaret: 'Bris: Ring 116 111.'"]
    duty = shipped.needs["professional_concern"].text.adult
    assert any(p.startswith("vuxentext till ett barn: 'Skyldiga att genast anmäla")
               for p in followup_problems(shipped, _followup([duty]), adult_only))
    assert followup_problems(shipped, _followup([duty], reader="adult"), adult_only) == []
    phone = _followup(["1177: Dit når du bara per telefon. Ring 1177."])
    assert followup_problems(shipped, phone, adult_only) == ["'bara per telefon' om vard_1177, som har fler vägar"]
    assert followup_problems(shipped, _followup(["UD-jouren (Utrikesdepartementet): Jag har bara telefonnumret dit."]),
                             adult_only) == []  # the bot has only the number: not a claim about the service
    promise = _followup(["1177: Du kan vara anonym. Ring 1177."])
    assert followup_problems(shipped, promise, adult_only) == [
        "lovar anonymitet om vard_1177, som inte är anonymt: '1177: Du kan vara anonym.'"]
    assert followup_problems(shipped, _followup(["1177: Det är inte helt anonymt."]), adult_only) == []


def test_the_follow_up_render_fails_on_a_planted_repeat(shipped, monkeypatch):
    """Undo the fix in bot.followup._keys (one key per resource): the orosanmälan resource is named twice again."""
    real = followup._keys

    def keys_twice(cat, asked, keys, text, reader, municipality_id):
        chosen = real(cat, asked, keys, text, reader, municipality_id)
        return [followup.local_key(followup.REPORT_SERVICE), *chosen] if chosen and chosen[0] in keys else chosen

    monkeypatch.setattr(followup, "_keys", keys_twice)
    adult_only = adult_only_sentences(shipped)
    bad = [p for f in render_followups(shipped, "adult_other_child") for p in followup_problems(shipped, f, adult_only)]
    assert any(p.startswith("samma mening två gånger i följdsvaret") for p in bad)


def test_the_follow_up_render_fails_on_a_planted_adult_text_in_a_child_answer(shipped):
    """A child text of the catalogue replaced by an adult one ("tar de barnet?" about orosanmälan): caught."""
    orosanmalan = shipped.services["orosanmalan"]
    removal = orosanmalan.details.removal
    planted = removal.copy(update={"child": removal.adult})
    details = orosanmalan.details.copy(update={"removal": planted})
    services = {**shipped.services, "orosanmalan": orosanmalan.copy(update={"details": details})}
    cat = shipped.copy(update={"services": services})
    adult_only = adult_only_sentences(shipped)
    bad = [p for f in render_followups(cat, "child_home_violence") for p in followup_problems(cat, f, adult_only)]
    assert "vuxentext till ett barn: 'Mycket få barn placeras utanför hemmet efter en orosanmälan.'" in bad
