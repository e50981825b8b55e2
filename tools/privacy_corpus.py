"""Adversarial texts of 5 000 characters for the scrub patterns: long runs that a pattern could
try again and again from every position (tests/domain/test_privacy.py runs them; tools/bench.py times them)."""
from __future__ import annotations

import random
from dataclasses import dataclass

LENGTH = 5000


def _fill(piece: str, tail: str = "") -> str:
    return (piece * (LENGTH // len(piece) + 1))[: LENGTH - len(tail)] + tail


def adversarial() -> dict[str, str]:
    """name -> text, each exactly LENGTH characters."""
    return {
        "letters then @": _fill("a", " @ x"),
        "dots then @": _fill("a.", "@x"),
        "words then at": _fill("kalle ", "at x"),
        "at at at": _fill("at "),
        "@ everywhere": _fill("a@"),
        "label dots": _fill("a@b.", "c"),
        "digits": _fill("1"),
        "digits and spaces": _fill("1 "),
        "digits and dashes": _fill("0-"),
        "zeros and dots": _fill("0.", "x"),
        "capital words": _fill("Ab "),
        "capital words then number": _fill("Storgatan Storgatan ", "x"),
        "street words": _fill("gatan "),
        "street without number": _fill("Agatan a"),
        "letters before digit": _fill("a", "1"),
        "heter heter": _fill("heter "),
        "jag är Kalle": _fill("jag är Kalle "),
        "min kompis": _fill("min kompis "),
        "slashes": _fill("/ "),
        "lgh": _fill("A 1 lgh "),
        "bor på": _fill("bor på A "),
        # issue 27: normalisation, digits in words, handles, other languages' cues and streets
        "format characters": _fill("1\u200b\u200e"),
        "non-breaking spaces": _fill("070\u00a0"),
        "arabic-indic digits": _fill("\u0660\u0661 "),
        "digit words": _fill("noll sju "),
        "digit words and digits": _fill("sex 12 "),
        "street then number words": _fill("Storgatan tolv "),
        "snap snap": _fill("snap: "),
        "at handles": _fill("@a_"),
        "arabic cue words": _fill("أنا صديقي "),
        "cyrillic streets": _fill("улица Ленина "),
        "arabic streets": _fill("شارع "),
        "english streets": _fill("1 Baker "),
        "lower case names": _fill("jag är kevin "),
        "capital names": _fill("sa Kalle "),
        "phone cues": _fill("ring nummer "),
    }


# --- issue 27: every format and language the second hardening round found stored in clear ----------------------
# Fresh random values on every run (a seeded random.Random for a reproducible run): tests/domain/test_privacy.py
# scrubs each text, tests/e2e/test_privacy_corpus.py sends them to the running bot and reads the database and the log.
SEPARATORS = {"nbsp": "\u00a0", "narrow nbsp": "\u202f", "non-breaking hyphen": "\u2011", "em dash": "\u2014",
              "minus": "\u2212", "zero-width space": "\u200b", "lrm": "\u200e", "rlm": "\u200f"}
_SYLLABLES = ["ka", "lo", "mi", "ra", "ve", "to", "sa", "ni", "el", "an", "ru", "de", "vi", "jo", "ma", "li", "se",
              "ta", "ko", "ne"]
ARABIC_NAMES = ["محمد", "أحمد", "يوسف", "فاطمة", "مريم", "علي", "عمر", "ليلى", "خالد", "سارة", "حسن", "زينب"]
PERSIAN_NAMES = ["علی", "رضا", "مریم", "زهرا", "حسین", "نگار", "آرش", "شیرین"]
CYRILLIC_NAMES = ["Саша", "Олена", "Дмитро", "Ирина", "Оксана", "Никита", "Марина", "Богдан"]
ETHIOPIC_NAMES = ["ዳዊት", "ዮናስ", "ሳባ", "ሄለን", "መሓሪ", "ተስፋይ", "ፍሉይ"]
_ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
_SV_DIGITS = ["noll", "ett", "två", "tre", "fyra", "fem", "sex", "sju", "åtta", "nio"]
_SV_NUMBERS = {12: "tolv", 14: "fjorton", 17: "sjutton", 23: "tjugotre", 34: "trettiofyra", 41: "fyrtioett"}


@dataclass(frozen=True)
class Finding:
    """One way of writing an identifier: *text* as a person writes it, *secrets* that must never be stored."""
    id: str
    text: str
    secrets: tuple


def _name(rng: random.Random, capital: bool = True) -> str:
    word = "".join(rng.choice(_SYLLABLES) for _ in range(3))
    return word.capitalize() if capital else word


def personnummer(rng: random.Random) -> str:
    """A made-up personnummer with a valid check digit: YYMMDDNNNC."""
    date = f"{rng.randint(5, 15):02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    serial = f"{rng.randint(0, 999):03d}"
    digits = [int(c) for c in date + serial]
    total = sum((d * 2 - 9 if d * 2 > 9 else d * 2) if i % 2 == 0 else d for i, d in enumerate(digits))
    return date + serial + str((10 - total % 10) % 10)


def mobile(rng: random.Random) -> str:
    return "07" + rng.choice("02369") + "".join(str(rng.randint(0, 9)) for _ in range(7))


def findings(rng: random.Random, first_names: list[str]) -> list[Finding]:
    """Every finding of issue 27 with fresh values. *first_names*: the lower-case names a weak cue accepts
    (bot/first_names.txt)."""
    out: list[Finding] = []
    for label, sep in SEPARATORS.items():
        pnr, phone = personnummer(rng), mobile(rng)
        out.append(Finding(f"personnummer, {label}", f"mitt personnummer är {pnr[:6]}{sep}{pnr[6:]}", (pnr,)))
        spaced = sep.join([phone[:3], phone[3:6], phone[6:8], phone[8:]])
        out.append(Finding(f"phone, {label}", f"ring mig på {spaced}", (phone[3:6] + sep + phone[6:8], phone[1:])))
    local = "".join(str(rng.randint(0, 9)) for _ in range(6))  # 08 and six digits: eight in all
    out.append(Finding("stockholm number, arabic-indic digits", "رقمي " + ("08-" + local).translate(_ARABIC_INDIC),
                       (local, local.translate(_ARABIC_INDIC))))
    bare = f"{rng.randint(100, 999)} {rng.randint(10, 99)} {rng.randint(10, 99)}"
    out.append(Finding("local number after 'ring'", f"ring {bare} ikväll", (bare,)))
    spelled = mobile(rng)
    words = [_SV_DIGITS[int(d)] for d in spelled]
    out.append(Finding("phone in words", "numret är " + " ".join(words), (spelled[1:], " ".join(words[3:]))))
    a, c, f, r, s, t = (_name(rng) for _ in range(6))
    out += [
        Finding("my name is, english", f"hi, my name is {a} and I am scared", (a,)),
        Finding("my name is, arabic", f"مرحبا اسمي {(n := rng.choice(ARABIC_NAMES))} وعمري ١٣", (n,)),
        Finding("my name is, persian", f"سلام اسم من {(n := rng.choice(PERSIAN_NAMES))} است", (n,)),
        Finding("my name is, somali", f"magacaygu waa {c} waxaan ahay 12 sano", (c,)),
        Finding("my name is, tigrinya", f"ሰላም ስመይ {(n := rng.choice(ETHIOPIC_NAMES))} እዩ", (n,)),
        Finding("my name is, ukrainian", f"привіт мене звати {(n := rng.choice(CYRILLIC_NAMES))} і мені страшно", (n,)),
        Finding("my name is, russian", f"меня зовут {(n := rng.choice(CYRILLIC_NAMES))} и мне страшно", (n,)),
        Finding("my name is, finnish", f"hei nimeni on {f} ja olen peloissani", (f,)),
        Finding("arabic-script name after 'jag är'", f"jag är {(n := rng.choice(ARABIC_NAMES))} och jag är rädd", (n,)),
        Finding("arabic-script name after 'min kompis'", f"min kompis {(n := rng.choice(ARABIC_NAMES))} mår dåligt", (n,)),
        Finding("name without a cue before 'slår mig'", f"{r} slår mig varje dag", (r,)),
        Finding("'pappa <Namn>'", f"pappa {s} dricker varje kväll", (s,)),
        Finding("lower case after 'jag är'", f"jag är {(n := rng.choice(first_names))} och går i sexan", (n,)),
        Finding("lower case after 'min kompis'", f"min kompis {(m := rng.choice(first_names))} blir slagen", (m,)),
        Finding("'Det är <Namn>.'", f"Det är {t}.", (t,)),
        Finding("'hej <namn> här'", f"hej {(h := _name(rng, capital=False))} här", (h,)),
    ]
    n1, n2, n3 = rng.randint(10, 99), rng.randint(10, 99), rng.randint(100, 399)
    word = rng.choice(sorted(_SV_NUMBERS))
    out += [
        Finding("english street", f"I live at {n1} {(e := _name(rng))} Street", (e,)),
        Finding("german street", f"wir wohnen {(g := _name(rng))}straße {n2}", (g,)),
        Finding("russian street", f"я живу улица {(u := rng.choice(CYRILLIC_NAMES))} {n3}", (u,)),
        Finding("arabic street", f"أسكن في شارع {(w := rng.choice(ARABIC_NAMES))} {n1}", (w,)),
        Finding("-stråket without 'bor på'", f"hemma på {(k := _name(rng))}stråket {n2}", (k,)),
        Finding("gård without 'bor på'", f"vi är på {(o := _name(rng))} gård {n1}", (o,)),
        Finding("street with its number in words", f"jag bor på {(v := _name(rng))}gatan {_SV_NUMBERS[word]}", (v,)),
    ]
    local_part, domain = _name(rng, capital=False), _name(rng, capital=False)
    out += [
        Finding("e-mail, direction mark inside", f"mejla {local_part}\u200e@{domain}.se", (local_part, domain)),
        Finding("e-mail, zero-width space inside", f"mejla {local_part}@\u200b{domain}.com", (local_part, domain)),
        Finding("e-mail, small-form at", f"mejla {local_part}\ufe6b{domain}.se", (local_part, domain)),
        Finding("e-mail, dot ru", f"mejla {local_part} at {domain} dot ru", (local_part, domain)),
        Finding("e-mail, comma for the dot", f"mejla {local_part}@{domain},com", (local_part, domain)),
        Finding("snapchat handle", f"adda mig på snap {(sn := _name(rng, capital=False))}_{n1}", (sn,)),
        Finding("instagram handle", f"min insta är @{(ig := _name(rng, capital=False))}.{n2}", (ig,)),
    ]
    return out


def findings_filled(first_names: list[str], seed: int = 0) -> dict[str, str]:
    """Each finding's text repeated to LENGTH characters (a fixed seed: the same texts every run), for the benchmark:
    text that matches again and again costs more than the adversarial texts, which mostly almost match."""
    return {f"corpus: {f.id}": _fill(f.text + " ") for f in findings(random.Random(seed), first_names)}

