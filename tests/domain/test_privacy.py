"""bot.privacy: what is scrubbed from a text before storage."""
import random
import re

try:  # Python 3.11 moved it
    import re._parser as sre_parse  # type: ignore[import-not-found]
except ImportError:  # Python 3.10
    import sre_parse

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import names, privacy
from bot.privacy import ADDRESS, EMAIL, NAME, PERSONNUMMER, PHONE, scrub
from tools import privacy_corpus
from tools.privacy_corpus import adversarial

SCRUBBED = [
    # personnummer and samordningsnummer, every common way of writing them
    ("mitt personnummer är 19121212-1212", "19121212-1212", PERSONNUMMER),
    ("121212-1212", "121212-1212", PERSONNUMMER),
    ("hon är 121212+1212", "121212+1212", PERSONNUMMER),
    ("201212121212", "201212121212", PERSONNUMMER),
    ("1212121212 är mitt nummer", "1212121212", PERSONNUMMER),
    ("pnr 20121212 1212", "20121212 1212", PERSONNUMMER),
    ("samordningsnummer 701063-2391", "701063-2391", PERSONNUMMER),
    ("701063-2390 fast fel kontrollsiffra", "701063-2390", PERSONNUMMER),
    # phone numbers
    ("ring mig på 070-123 45 67", "070-123 45 67", PHONE),
    ("0701234567", "0701234567", PHONE),
    ("073 123 45 67", "073 123 45 67", PHONE),
    ("+46701234567", "+46701234567", PHONE),
    ("+46 70 123 45 67", "+46 70 123 45 67", PHONE),
    ("+46 (0)70-123 45 67", "+46 (0)70-123 45 67", PHONE),
    ("0046701234567", "0046701234567", PHONE),
    ("hemnummer 08-123 456 78", "08-123 456 78", PHONE),
    ("0303-12 34 56", "0303-12 34 56", PHONE),
    ("(070) 123 45 67", "(070) 123 45 67", PHONE),
    ("070 - 123 45 67", "070 - 123 45 67", PHONE),
    ("+46-70-123 45 67", "+46-70-123 45 67", PHONE),
    # e-mail
    ("maila kalle.svensson@example.com", "kalle.svensson@example.com", EMAIL),
    ("KALLE_99@Skola.Kommun.SE", "KALLE_99@Skola.Kommun.SE", EMAIL),
    # street addresses
    ("jag bor på Storgatan 12B", "Storgatan 12B", ADDRESS),
    ("vi bor på skolvagen 3 lgh 1102", "skolvagen 3 lgh 1102", ADDRESS),
    ("Drottning Kristinas väg 12", "Drottning Kristinas väg 12", ADDRESS),
    ("Gamla Kungsvägen 7 b", "Gamla Kungsvägen 7 b", ADDRESS),
    ("Lilla torget 2", "Lilla torget 2", ADDRESS),
    ("ekbacken 14", "ekbacken 14", ADDRESS),
    ("postadress 123 45 Nyköping", "123 45 Nyköping", ADDRESS),
    # names
    ("jag heter Kalle Svensson", "Kalle Svensson", NAME),
    ("ja heter kalle o ja e 12", "kalle", NAME),
    ("Jag heter Anna-Karin och är 14", "Anna-Karin", NAME),
    ("min pappa heter Johan Andersson och han slår mig", "Johan Andersson", NAME),
    ("mitt namn är Lisa", "Lisa", NAME),
    ("mitt namn e lisa", "lisa", NAME),
    ("hej! jag kallas Nisse", "Nisse", NAME),
    ("my name is Anna Smith and I am sad", "Anna Smith", NAME),
    ("I'm called Omar", "Omar", NAME),
    # --- formats that used to be stored in clear (issue 16) ---
    ("pnr 19121212.1212", "19121212.1212", PERSONNUMMER),
    ("121212/1212 heter jag", "121212/1212", PERSONNUMMER),
    ("mitt nummer 121212_1212", "121212_1212", PERSONNUMMER),
    ("ring 070.123.45.67", "070.123.45.67", PHONE),
    ("ring 070/123 45 67 ikväll", "070/123 45 67", PHONE),
    ("sms 46701234567", "46701234567", PHONE),
    ("sms 46 70 123 45 67", "46 70 123 45 67", PHONE),
    ("min pappa har +47 412 34 567", "+47 412 34 567", PHONE),
    ("ring 0 7 0 1 2 3 4 5 6 7", "0 7 0 1 2 3 4 5 6 7", PHONE),
    ("numret är 070 123 45 67 89", "070 123 45 67 89", PHONE),
    ("ring 070-12345 67 snälla", "070-12345 67", PHONE),
    ("mejla kalle at hotmail punkt com", "kalle at hotmail punkt com", EMAIL),
    ("mejla kalle @ hotmail . com", "kalle @ hotmail . com", EMAIL),
    ("kalle[at]hotmail[dot]com", "kalle[at]hotmail[dot]com", EMAIL),
    ("kalle (at) gmail (dot) se", "kalle (at) gmail (dot) se", EMAIL),
    ("kalle snabel-a hotmail punkt se", "kalle snabel-a hotmail punkt se", EMAIL),
    ("mejla kalle＠hotmail.com", "kalle＠hotmail.com", EMAIL),
    ("jag bor på Sjölyckan 14", "Sjölyckan 14", ADDRESS),
    ("vi bor i Tallbacka 22, lägenhet 1101", "Tallbacka 22, lägenhet 1101", ADDRESS),
    ("hemma på Storg. 19", "Storg. 19", ADDRESS),
    ("Ekhagsgatan5", "Ekhagsgatan5", ADDRESS),
    ("på Storgatan nummer 4", "Storgatan nummer 4", ADDRESS),
    ("jag är Kevin och jag är 12", "Kevin", NAME),
    ("Mitt namn: Kevin", "Kevin", NAME),
    ("hej det är Kevin här", "Kevin", NAME),
    ("I'm Kevin and I am scared", "Kevin", NAME),
    ("hjälp mig snälla /Kevin", "Kevin", NAME),
    ("min kompis Lisa mår dåligt", "Lisa", NAME),
    ("min styvpappa Johan slår mig", "Johan", NAME),
    ("min lärare Anna Berg sa att jag skulle skriva", "Anna Berg", NAME),
]


@pytest.mark.parametrize("text,secret,placeholder", SCRUBBED, ids=[s[0][:30] for s in SCRUBBED])
def test_identifiers_are_replaced_by_placeholders(text, secret, placeholder):
    out = scrub(text)
    assert secret not in out
    assert placeholder in out
    # only the identifier is replaced: the words around it are kept
    assert out == text.replace(secret, placeholder, 1)


def test_surrounding_text_survives():
    assert scrub("jag heter Kalle Svensson, ring 070-123 45 67 eller mejla k@x.se") == \
        "jag heter [namn], ring [telefon] eller mejla [e-post]"
    assert scrub("min mamma heter Eva och hon dricker") == "min mamma heter [namn] och hon dricker"


KEPT = [
    "jag är 12 år och går i klass 6b",
    "ring 112 eller 116 111",
    "Mind 90101, tipsa polisen på 114 14, 1177 för vård",
    "Kvinnofridslinjen 020-50 50 50 och Bris för vuxna 077-150 50 50",
    "det hände 2024-05-01 kl 08:30",
    "vad heter du?",
    "jag har en plan",
    "vi är 25 i klassen och 3 lärare",
    "jag bor i Kungälv",
    "dom kallar mig fet",
    "",
    # opening hours, dates, ages, the support lines, and the words after a weak cue that are no name
    "öppet vardagar 09.00–16.30, lördag 13.00–15.00",
    "Ring 077-150 50 50 (09.00–16.00) eller 116 111",
    "det hände 01.05.2024 och igen den 1/5 kl 21:30",
    "2026-11-28 14:00",
    "jag är orolig för min kompis",
    "min pappa dricker och min kompis mår dåligt",
    "det är jobbigt här hemma",
    "jag är 14 och min lärare sa att jag ska ringa 116 111",
    "look at this",
    "och -- Bris",
    "/child_wellbeing",
]


@pytest.mark.parametrize("text", KEPT)
def test_harmless_text_and_public_numbers_are_kept(text):
    assert scrub(text) == privacy.normalise(text)


def test_an_explicit_keep_list_replaces_the_catalogue():
    assert scrub("020-50 50 50", keep=[]) == PHONE
    assert scrub("070-123 45 67", keep=["0701234567"]) == "070-123 45 67"


def test_luhn():
    assert privacy.luhn_ok("1212121212")
    assert not privacy.luhn_ok("1212121213")


# --- the quick pre-checks never skip a street address ----------------------------------------------

_PIECES = st.sampled_from(["Storgatan", "storgatan", "STORGATAN", "Gamla", "Kungsvägen", "väg", "Drottning",
                           "Kristinas", "skolvagen", "torget", "Lilla", "gatan", "allé", "plan", "12", "3B", "7 b",
                           "lgh", "1102", "ſtigen", "Ängen", "bo", "på", ",", "-", "\n", "  ", "x", "å", "45",
                           "Storg.", "Kungsv.", ".", "nummer", "nr", "nr.", "Ekhagsgatan5", "lägenhet", "Lägenhet",
                           "bor", "BOR", "adress", "adr.", "hem", "till", "mig", "Sjölyckan", "i", "vid", ":"])


@settings(max_examples=1500, deadline=None)
@given(st.lists(_PIECES, max_size=8).map(lambda pieces: "".join(p + (" " if i % 3 else "") for i, p in enumerate(pieces))))
def test_street_precheck_holds_whenever_the_street_pattern_matches(text):
    if privacy._STREET.search(text):
        assert privacy._may_hold_street(text), text
    if privacy._APARTMENT.search(text) or privacy._ADDRESS_CUE.search(text):
        assert privacy._ADDRESS_WORDS.search(text), text


# --- every pattern takes time in proportion to the text ---------------------------------------------

def _unbounded_repeats(tree) -> list:
    found = []
    for op, arg in tree:
        if op in (sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT):
            low, high, sub = arg
            if high == sre_parse.MAXREPEAT:
                found.append((op, low))
            found += _unbounded_repeats(sub)
        elif op == sre_parse.SUBPATTERN:
            found += _unbounded_repeats(arg[-1])
        elif op == sre_parse.BRANCH:
            for branch in arg[1]:
                found += _unbounded_repeats(branch)
        elif op in (sre_parse.ASSERT, sre_parse.ASSERT_NOT):
            found += _unbounded_repeats(arg[1])
    return found


SCRUB_PATTERNS = {**{name: value for name, value in vars(privacy).items() if isinstance(value, re.Pattern)},
                  **names.all_patterns()}


@pytest.mark.parametrize("name", sorted(SCRUB_PATTERNS))
def test_every_scrub_pattern_is_bounded(name):
    """No part of a pattern repeats without a limit: the work at each position of a text is capped,
    so a scrub takes time in proportion to the text (tools/bench.py times the worst texts)."""
    pattern = SCRUB_PATTERNS[name]
    assert _unbounded_repeats(sre_parse.parse(pattern.pattern, pattern.flags)) == [], pattern.pattern[:120]


@pytest.mark.parametrize("name", sorted(adversarial()))
def test_adversarial_texts_are_scrubbed_and_stay_their_own_length(name):
    text = adversarial()[name]
    out = scrub(text)
    assert len(out) <= len(text) + 20 * text.count(" ") + 20
    assert scrub(out) == out or name in ("digits", "digits and spaces", "digits and dashes", "zeros and dots",
                                         "digit words and digits", "format characters")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(list("aA0 .@-/_:+()[]\nåÖ＠") + ["at ", "punkt ", "gatan ", "heter ", "jag är ",
                                                                  "lgh ", "kalle", "com"]), max_size=120).map("".join))
def test_scrub_never_fails_and_leaves_no_e_mail_address(text):
    out = scrub(text)
    assert re.search(r"\w@\w+\.[a-z]{2,}", out) is None, out


# --- issue 27: normalisation first, every format and language found stored in clear ---------------------------

SEED = random.randrange(1 << 30)  # fresh values every run; the seed is in the test id to reproduce one
CORPUS = privacy_corpus.findings(random.Random(SEED), sorted(names.first_names()))


@pytest.mark.parametrize("finding", CORPUS, ids=[f"{f.id} (seed {SEED})" for f in CORPUS])
def test_the_privacy_corpus_is_scrubbed(finding):
    out = scrub(finding.text)
    for secret in finding.secrets:
        assert secret not in out and privacy.normalise(secret) not in out, (finding.text, out)
        digits = re.sub(r"\D", "", privacy.normalise(secret))
        if len(digits) >= 6:
            assert digits not in re.sub(r"\D", "", out), (finding.text, out)


def test_the_corpus_covers_every_separator_and_language_of_the_issue():
    ids = " | ".join(f.id for f in CORPUS)
    for label in privacy_corpus.SEPARATORS:
        assert f"personnummer, {label}" in ids and f"phone, {label}" in ids
    for language in ("english", "arabic", "persian", "somali", "tigrinya", "ukrainian", "russian", "finnish"):
        assert f"my name is, {language}" in ids


@pytest.mark.parametrize("text,expected", [
    ("070\u00a0123\u202f45\u200b67", "070 123 4567"),
    ("121212\u20111212 \u2014 \u2212", "121212-1212 - -"),
    ("\u0660\u0668-\u06f1\u06f2\u06f3", "08-123"),
    ("k\u200ealle\ufe6bx\uff0ese\u00ad", "kalle@x.se"),
    ("Stödlotsen: åäö ÅÄÖ é", "Stödlotsen: åäö ÅÄÖ é"),
    ("a\u2028b", "a\nb"),
])
def test_normalise(text, expected):
    assert privacy.normalise(text) == expected


def test_the_stored_text_is_the_normalised_text():
    assert scrub("ring 070\u00a0123\u00a045\u00a067, jag\u200b mår dåligt") == "ring [telefon], jag mår dåligt"


def test_the_fold_table_matches_this_python():
    """bot/unicode_folds.py is generated (python -m tools.unicode_folds); a new Unicode version needs a new table."""
    from bot.unicode_folds import FOLDS
    from tools import unicode_folds

    assert FOLDS == unicode_folds.compute()


@pytest.mark.parametrize("text", [
    # ordinary words after a cue survive, in every language that has cues
    "jag är orolig för min kompis", "min kompis mår dåligt", "det är jobbigt här hemma",
    "my friend is sad", "I'm scared and my dad is angry",
    "أنا خائف", "صديقي مريض", "أنا في البيت",
    "پدرم مرا کتک میزند", "من خسته هستم",
    "waxaan ahay 12 sano", "мой друг болеет", "мне страшно", "Мама бьёт меня", "Я живу в Швеции с мамой",
    "kaverini on surullinen", "olen peloissani",
    "ring 112 eller 116 111", "jag är tolv år", "sex veckor", "det var en två tre gånger",
    "har du snap eller insta?", "jag bor i Kungälv",
])
def test_ordinary_words_after_a_cue_survive(text):
    assert scrub(text) == privacy.normalise(text)


@pytest.mark.parametrize("text,name", [
    ("Саша бьёт меня каждый день", "Саша"), ("вчера Олег сказал что убьёт меня", "Олег"), ("это Олег, мне 12 лет", "Олег"),
    ("я боюсь, что Ирина узнает", "Ирина"), ("мой отчим Дмитро кричит на маму", "Дмитро"),
])
def test_russian_and_ukrainian_names_without_a_cue(text, name):
    assert name not in scrub(text)
