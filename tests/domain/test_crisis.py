"""The deterministic crisis layer (bot/crisis.py + bot/crisis_patterns.yml).

Crisis wording must be recognised however it is written; harmless idioms must not set it off.
When a case here fails, fix the pattern file – never loosen the expectation.
"""
from __future__ import annotations

import dataclasses
import re

import pytest

from bot import crisis
from bot.crisis import Assessment, assess, load_patterns, rule_ids

SUICIDAL = "suicidal"
SELF_HARM = "self_harm"
ACUTE = "acute_danger"

CRISIS = [
    ("nu står de utanför o säger att de ska slå ihjäl mig", ACUTE),
    # pills laid out, ready
    ("ligger här med en hel burk piller i handen", SUICIDAL),
    # threatened at the door now, the threat said with another verb ("hugga") or a subject in between
    ("tre killar står vid dörren nu och säger att de ska hugga mig", ACUTE),
    ("han står utanför huset och hotar mamma", ACUTE),
    # --- suicidal: plain, misspelt, no å/ä/ö, slang, stretched letters
    ("jag vill inte finnas längre", SUICIDAL),
    ("ja vill int leva mer asså", SUICIDAL),
    ("JAG ORKAR INTE LEVA!!!", SUICIDAL),
    ("orkar inte leva", SUICIDAL),
    ("pallar inte leva längre", SUICIDAL),
    ("vill dööööö", SUICIDAL),
    ("nån e efter mej m en kniv hjälp", "acute_danger"),
    ("han jagar oss med en yxa", "acute_danger"),
    ("har skrivit ett brev till mamma och pappa så dom förstår när jag är borta", SUICIDAL),
    ("vill do", SUICIDAL),
    ("ibland vill jag bara dö", SUICIDAL),
    ("jag vill ta livet av mej", SUICIDAL),
    ("tar livet av mig snart", SUICIDAL),
    ("jag vill ta livet av mig nu", SUICIDAL),  # a bare "nu" does not make it acute
    ("tänker ta mitt liv i helgen", SUICIDAL),
    ("har haft självmordstankar hela veckan", SUICIDAL),
    ("ja har tankar pa sjalvmord", SUICIDAL),
    ("självmort tankar igen", SUICIDAL),
    ("orkarinte leva", SUICIDAL),
    ("vill nt leva", SUICIDAL),
    ("ta livet a mig", SUICIDAL),
    ("har haft dödstankar sen i våras", SUICIDAL),
    ("tänker på att dö typ varje dag", SUICIDAL),
    ("jag tänker hänga mig", SUICIDAL),
    ("tänker skjuta mig", SUICIDAL),
    ("ska hoppa framför tåget ikväll", SUICIDAL),
    ("tanker hoppa fran bron", SUICIDAL),
    ("funderar på att ta en överdos", SUICIDAL),
    ("jag har skrivit ett avskedsbrev", SUICIDAL),
    ("allt vore bättre utan mig", SUICIDAL),
    ("ingen skulle sakna mig om jag försvann", SUICIDAL),
    ("önskar att jag aldrig hade fötts", SUICIDAL),
    ("livet är inte värt att leva", SUICIDAL),
    ("vill somna och aldrig vakna mer", SUICIDAL),
    ("jag är så trött på att leva", SUICIDAL),
    # --- suicidal: English and slang
    ("kms fr", SUICIDAL),
    ("i want to kill myself", SUICIDAL),
    ("wanna unalive myself tbh", SUICIDAL),
    ("i just want to die", SUICIDAL),
    # --- suicidal: about someone else
    ("min kompis vill ta livet av sig", SUICIDAL),
    ("han pratar om att dö hela tiden", SUICIDAL),
    ("hon har sagt att hon vill dö", SUICIDAL),
    ("min son säger att han inte vill leva längre", SUICIDAL),
    ("min syster har samlat på sig sömntabletter", SUICIDAL),
    # --- self-harm
    ("jag skär mig i armen när jag får ångest", SELF_HARM),
    ("skar mig igen igår", SELF_HARM),
    ("skadar mej sjalv", SELF_HARM),
    ("rispar mig varje kväll", SELF_HARM),
    ("har börjat cutta igen", SELF_HARM),
    ("cuttar fortfarande", SELF_HARM),
    ("i've been cutting again", SELF_HARM),
    ("bränner mig med tändaren", SELF_HARM),
    ("slår mig själv när jag gör fel", SELF_HARM),
    ("har hållit på med self harm i ett år", SELF_HARM),
    ("jag har börjat självskada", SELF_HARM),
    ("gömmer ärren på armarna med långärmat", SELF_HARM),
    ("min dotter skadar sig själv", SELF_HARM),
    ("min kompis skär sig", SELF_HARM),
    ("vill göra mig illa", SELF_HARM),
    # --- acute danger: violence / a weapon / fire / injury happening now or here
    ("pappa slår mig just nu", ACUTE),
    ("pappa slår mamma nu hjälp", ACUTE),
    ("någon slår min lillebror just nu", ACUTE),
    ("just nu slår han henne", ACUTE),
    ("mamma och hennes kille bråkar just nu och jag är rädd", ACUTE),
    ("det står en man med kniv utanför dörren", ACUTE),
    ("en kille i skolan har en pistol just nu", ACUTE),
    ("det är nån med vapen här ute", ACUTE),
    ("någon viftar med en kniv på torget", ACUTE),
    ("hjälp, styvpappa har kniv", ACUTE),
    ("jag är rädd, han är på väg hit", ACUTE),
    ("det skjuter utanför vårt hus", ACUTE),
    ("jag hör skott utanför", ACUTE),
    ("det brinner i köket", ACUTE),
    ("det brinner!!", ACUTE),
    ("ELD", ACUTE),
    ("någon bryter sig in hos oss", ACUTE),
    ("min kompis blöder jättemycket", ACUTE),
    ("mamma ligger medvetslös på golvet", ACUTE),
    ("bebisen andas inte", ACUTE),
    ("jag är inlåst och kommer inte ut", ACUTE),
    ("har låst in mig på toa, han är jättearg", ACUTE),
    ("han slår henne ute i hallen, jag hör det nu", ACUTE),
    ("dom slåss i trapphuset jag hör dom just nu", ACUTE),
    ("en man förföljer mig nu", ACUTE),
    ("jag är kidnappad", ACUTE),
    ("ring polisen!!", ACUTE),
    ("hjälp hjälp", ACUTE),
    ("help he has a gun here", ACUTE),
    ("someone is following me", ACUTE),
    ("det small precis i trappuppgången", ACUTE),
    # farewells (a warning sign), also as emoji of a means: su_farval
    ("tack för allt, ses aldrig mer", SUICIDAL),
    ("hejdå för alltid", SUICIDAL),
    ("💊💊💊 hejdå", SUICIDAL),
    ("🪢 förlåt", SUICIDAL),
    # violence that has just happened: ad_nyss_vald
    ("pappa har precis slagit mig och är full", ACUTE),
    ("han sparkade mig för fem minuter sen", ACUTE),
    # poisoning (ad_forgiftning) and past threats with a near time (ad_hot_nara)
    ("tvååringen har druckit lampolja", ACUTE),
    ("she swallowed a button battery", ACUTE),
    ("de har hotat att knivhugga honom ikväll", ACUTE),
    ("han sa att han ska döda mig när jag kommer hem", ACUTE),
]

CALM_IDIOMS = [
    # every idiom the product owner listed, in a sentence
    "dog av skratt på lektionen idag 😂",
    "filmen var dödstråkig",
    "i sommar ska jag bara ta livet med ro",
    "jag slår min bror i fifa varje gång",
    "jag ska skjuta upp läxan till imorgon",
    "skar mig på papperet, aj",
    "jag dör av tristess här hemma",
    "vi sköt straffar efter matchen",
    "mobilen dör hela tiden",
    "pizzan var dödsgod",
    "det var dödskul på festen",
    "han är dödssnygg",
    "jag skrattade ihjäl mig",
    "de tråkar ihjäl mig med sina regler",
    "mördande tråkigt på lektionen",
    "you're killing it!",
    "i'm dead 😂",
    "jag är död trött efter träningen",
    "vi måste skjuta upp mötet",
    "jag brinner för fotboll",
    "han vill slå rekord på 100 meter",
    "kan du slå på tv:n",
    "jag hjälper pappa skära tomater",
    "ska hänga med kompisar ikväll",
    "vi hänger på stan efter skolan",
    # more everyday expressions
    "skar mig i fingret när jag lagade mat",
    "datorn hänger sig hela tiden",
    "katten rispade mig",
    "kan inte leva utan min mobil",
    "matten tar livet av mig",
    "jag skäms ihjäl",
    "mamma kommer döda mig om hon ser mitt betyg",
    "självmordsbombare i nyheterna gör mig rädd",
    "vi ska bränna en cd till farmor",
    "jag blev skjuten typ tio gånger på paintballen i lördags",
    "i'm dying of boredom in here",
]

CALM_NEAR_MISSES = [
    "några står utanför och röker",
    "jag har glömt mina tabletter hemma",
    # a threat needs a weapon or violence word with the place: standing at the door is not danger
    "vi står utanför porten och väntar på mamma",
    "vi ska hugga ved i helgen",
    "ibland hör jag när pappa slår mamma",  # home violence, not danger this minute
    "när han blir svartsjuk låser han in mig i sovrummet",  # a habit, not right now
    # fear from the news, past violence, crime tips: other needs, not a crisis right now
    "jag blir rädd när jag läser om skottlossningar",
    "jag är rädd för knivar nu efter allt i nyheterna",
    "tänk om det kommer en bomb hit",
    "en kille hade en kniv i skolan förra veckan, vem ska jag berätta det för",
    "jag vet vem som satte eld på bilen på parkeringen förra helgen",
    "min exkille står utanför porten varje kväll och skickar hotfulla sms",
    "han jagade mig med en kniv förra året och jag tänker fortfarande på det",
    "jag vill tipsa om att någon säljer vapen i vårt område",
    "min pappa slog mig igår",
    "pappa slår mig ibland när han är full",
    "min son har blivit gripen för misshandel, vad händer nu",
    "jag vet vem som sprängde porten i vårt hus i våras",
    "vi hade brandövning i skolan",
    # death, dying and breathing without suicide or danger
    "jag vill inte dö i ett krig",
    "jag är rädd att mormor ska dö",
    "mormor dog förra året och jag saknar henne",
    "jag kan inte andas när jag får panik",
    # words that look dangerous but are not
    "vill inte leva med pappa längre, kan jag flytta till mamma",
    "jag vill inte finnas på instagram",
    "vi ska hoppa på tåget till göteborg",
    "skadade mig i knät på fotbollen",
    "hur gör man en orosanmälan",
    "jag behöver hjälp med en orosanmälan",
    "hej! vad kan du hjälpa till med?",
    "jag vill skänka pengar till sos barnbyar",
    # play, media and everyday objects
    "vi leker tagen och jagar varandra nu",
    "vi tittar på en film om en man med en pistol nu",
    "jag hör skott i filmen",
    "den här låten är bomb just nu",
    "vi har knivar här hemma i köket",
    "det brinner ett ljus i fönstret",
    "jag har bråk med min kompis nu",
    "han hotar mig på snap hela tiden",
    # accidents and everyday self-directed words
    "jag råkade skära mig",
    "han skar sig med kniven när han lagade mat",
    "jag cuttade mitt hår",
    "biter mig själv i tungan ibland",
    "tog massa alvedon mot huvudvärk",
    "hängde mig i ribbstolen på gympan",
    "inte suicidal, bara ledsen",
    "vi ses aldrig mer på jobbet sen han slutade",  # someone else's goodbye
    "hejdå 👋",
    "det är ofta bråk hemma och pappa har sagt att han ska flytta",  # "är bråk" + a bare "har"
    "halva klassen går runt med kniv nu",  # carrying as a habit, a worry
    "ja skickade nudes och nu blir ja hotad",  # threats about pictures: not danger here and now
    "vi köpte klorin till poolen",
    "han har hotat att slå mig",  # a threat with no time: the classifier's
]


@pytest.mark.parametrize("text,kind", CRISIS)
def test_crisis_messages_are_recognised(text, kind):
    result = assess(text)
    assert result.kind == kind, f"{text!r} → {result}"
    assert result.rule in rule_ids()[kind]


@pytest.mark.parametrize("text", CALM_IDIOMS)
def test_idioms_are_calm_and_flagged(text):
    result = assess(text)
    assert result.kind is None, f"{text!r} → {result}"
    assert result.idiom is True, f"{text!r} should be recognised as an idiom"
    assert result.rule is None


@pytest.mark.parametrize("text", CALM_NEAR_MISSES)
def test_near_misses_are_calm(text):
    result = assess(text)
    assert result.kind is None, f"{text!r} → {result}"
    assert result.rule is None


@pytest.mark.parametrize(
    "text,kind",
    [
        ("jag dog av skratt igår men idag vill jag inte leva längre", SUICIDAL),
        ("filmen var dödstråkig och jag skär mig fortfarande", SELF_HARM),
        ("vi sköt straffar men nu är det en man med pistol här", ACUTE),
    ],
)
def test_an_idiom_does_not_hide_a_real_crisis(text, kind):
    result = assess(text)
    assert result.kind == kind
    assert result.idiom is True


# --- the order when several kinds match (documented in bot/crisis.py)
@pytest.mark.parametrize(
    "text,kind",
    [
        ("jag skär mig och vill dö", SUICIDAL),  # suicide wording beats self-harm
        ("vill ta livet av mig, har skurit mig förut", SUICIDAL),
        ("jag skar mig och det blöder jättemycket", "self_harm"),  # self-inflicted: self-harm reply, 112 first
        ("ja har skurit mej o blodet slutar int rinna", "self_harm"),
        ("kniven gled och det blöder jättemycket", ACUTE),  # bleeding alone stays acute
        ("han slår mig just nu och jag vill dö", ACUTE),  # violence now beats suicide wording
        ("vill inte leva längre, tänker göra det nu", SUICIDAL),  # a bare "nu" is no danger element
    ],
)
def test_priority_between_kinds(text, kind):
    assert assess(text).kind == kind


# --- borderline decisions, pinned so that nobody changes them by accident
@pytest.mark.parametrize(
    "text,kind",
    [
        ("tänker på döden hela tiden", None),  # death as a subject (grief, fear): left to the classifier
        ("jag vill dö det var så pinsamt", SUICIDAL),  # exaggeration or not: we err on the side of safety
        ("jag dör av skam", None),  # the fixed idiom is excused
        ("han ska skjuta mig", None),  # a threat without time or place: partner/home violence
        ("han säger att han ska skjuta mig ikväll", ACUTE),
        ("min kompis hade en kniv i skolan idag", None),
        ("pappa är full och kommer hit, jag är rädd", ACUTE),
        ("han har en kniv", ACUTE),  # a weapon stated in the present with nothing else: acute
        ("han ska skjuta någon idag", ACUTE),
        ("min vän tog massa tabletter nyss", SUICIDAL),  # an overdose just now: the suicide reply, 112 first
        ("jag har tagit en överdos", SUICIDAL),
        ("jag orkar inte mer", None),  # exhaustion: left to the classifier
        ("jag vill bara försvinna", None),
        ("vill försvinna för alltid", SUICIDAL),
        ("det finns ingen mening med livet", SUICIDAL),
        ("vill inte vakna imorgon", SUICIDAL),
        ("jag vill inte vakna tidigt imorgon", None),
        ("hjälp", None),  # often "help me use the bot"; "hjälp hjälp" / "hjälp" + danger are acute
    ],
)
def test_borderline_decisions(text, kind):
    assert assess(text).kind == kind


def test_variants_of_one_message_agree():
    """Spelling, case, diacritics and stretched letters do not change the outcome."""
    variants = ["Jag vill inte leva längre", "jag vill inte leva langre", "JAG VILL INTE LEVA LÄNGRE!!!",
                "ja vill int leva längre", "jag viiiill inte leva längre"]
    assert {assess(v).kind for v in variants} == {SUICIDAL}


def test_rule_is_a_pattern_id_never_user_text():
    text = "Jag vill ta livet av mej, Kalle Svensson 070-1234567"
    result = assess(text)
    assert result.kind == SUICIDAL
    assert re.fullmatch(r"su_[a-z0-9_]+", result.rule)
    assert result.rule not in text.lower()
    assert "kalle" not in result.rule


def test_rule_prefix_matches_kind():
    prefixes = {ACUTE: "ad_", SUICIDAL: "su_", SELF_HARM: "sh_"}
    for kind, ids in rule_ids().items():
        if kind in prefixes:
            assert ids and all(i.startswith(prefixes[kind]) for i in ids), kind


@pytest.mark.parametrize("text", ["", "   ", "😂😂😭", "!!!???", "\n\t", "👍" * 2000])
def test_empty_and_emoji_only_are_calm(text):
    assert assess(text) == Assessment(kind=None, idiom=False, rule=None)


def test_long_messages_do_not_crash_and_are_still_read_to_the_end():
    filler = "idag var en helt vanlig dag i skolan och vi hade matte och svenska. "
    long_calm = (filler * 80)[:5000]
    assert len(long_calm) == 5000
    assert assess(long_calm).kind is None
    long_crisis = (filler * 80)[:4950] + " jag vill inte leva längre"
    assert assess(long_crisis).kind == SUICIDAL


def test_assessment_is_immutable():
    result = assess("hej")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.kind = SUICIDAL  # type: ignore[misc]


# --- the pattern file
def test_pattern_file_has_rules_for_every_kind():
    ids = rule_ids()
    assert len(ids["idioms"]) >= 20
    for kind in crisis.KINDS:
        assert len(ids[kind]) >= 5, kind
    every = [i for group in ids.values() for i in group]
    assert len(every) == len(set(every))


@pytest.mark.parametrize(
    "body,message",
    [
        ("suicidal:\n  - {id: su_x, pattern: 'självmord'}\n", "no å/ä/ö"),
        ("suicidal:\n  - {id: su_x, pattern: '{nomacro}'}\n", "unknown macro"),
        ("suicidal:\n  - {id: su_x, pattern: 'a'}\n  - {id: su_x, pattern: 'b'}\n", "duplicate id"),
        ("suicidal:\n  - {id: Su-X, pattern: 'a'}\n", "snake_case"),
        ("suicidal:\n  - {id: su_x, pattern: '(a'}\n", "bad regular expression"),
        ("suicide:\n  - {id: su_x, pattern: 'a'}\n", "unknown keys"),
    ],
)
def test_a_broken_pattern_file_is_refused(tmp_path, body, message):
    path = tmp_path / "patterns.yml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_patterns(path)


def test_unless_stops_a_rule(tmp_path):
    path = tmp_path / "patterns.yml"
    path.write_text(
        "defs: {mig: '(?:mig|mej)'}\n"
        "suicidal:\n  - {id: su_x, pattern: 'ta livet av {mig}', unless: 'hotar att ta livet av {mig}'}\n",
        encoding="utf-8",
    )
    rule = load_patterns(path).rules[SUICIDAL][0]
    assert rule.fires("jag vill ta livet av mej")
    assert not rule.fires("han hotar att ta livet av mig")
