"""Follow-up questions about the resources the bot just named, answered from the catalogue.

"är det anonymt?", "kostar det nåt?", "syns det på räkningen?", "vågar inte ringa", "vilka svarar där?",
"vad händer sen?", "tar de barnet?", "är bris bara för småbarn?", "vad säger man när de svarar?",
"räcker ett mejl?", "behöver jag bevis?", "måste jag anmäla?", "pratar de engelska?", "finns det tolk?".

`topics(text)` says what is asked; the patterns are data, in `bot/context_patterns.yml` next to this
module, matched on normalized text so that "e de anonymt", "kostar de nåt" and "far mina foraldrar
veta" are understood. The same file holds what a plea, a calming word, an acknowledgement, a new
worry and a typed answer to "Vems barn gäller det?" look like (`is_plea`, `is_calm`, ...).

`answer(...)` composes the reply from the catalogue: a resource's (or its service's) `details`, its
`anonymous`, `ages` and contact fields, and the glue texts in `conversation.followup`. Each answer
names the resource again with how to reach it, because the person may have scrolled away. What the
catalogue does not know is said plainly ("Det vet jag inte säkert om Bris"), never guessed. No Rasa here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Sequence, Tuple, cast

import yaml

from bot.catalogue import BillDetail, Catalogue, CostDetail, Detail, Resource, local_key, service_of
from bot.hours import stockholm_now
from bot.lines import conversation
from bot.replies import Reply, contact, describe_resource
from bot.routing import resolve
from bot.text import normalize

PATTERNS_FILE = Path(__file__).with_name("context_patterns.yml")

#: Topics answered by the opening-hours reply (bot.replies.opening_hours), not here.
HOURS = "hours"
#: Topics that are about an orosanmälan whatever was named before: the orosanmälan service answers them.
REPORT_TOPICS = frozenset({"removal", "proof", "report_duty"})
#: Topics a professional asks about reporting: the answer starts with the duty to report.
DUTY_TOPICS = frozenset({"anonymity", "proof", "report_duty", "email", "what_happens"})
REPORT_SERVICE = "orosanmalan"
DUTY_NEED = "professional_concern"  # its adult text says what the duty to report means
MAX_KEYS = 2
MAX_TOPICS = 2

# A message of only these (and spaces) is a plea, not "I did not understand".
SAD_EMOJI = frozenset("😢😭😞😔😟🙁☹😥😿💔🥺😩😫😣😖😓😰😨")
_INVISIBLE = dict.fromkeys(map(ord, "\ufe0f\u200d "), None)
# Words just before a name that make the name what a question is about ("ringer bris", "är 1177",
# "till ungdomsmottagningen"), on normalized text.
_ADDRESSED = frozenset("ringa ringer ring ringt ringde till hos pa med om kontakta kontaktar chatta chattar maila mailar "
                       "mejla mejlar skriva skriver vander ga gar galler funkar fungerar kostar svarar".split())
_FORBIDDEN = re.compile(r"[åäöÅÄÖéÉA-Z]")
# "kan jag anmäla det anonymt?": a question about reporting to social services (not about a police report)
_REPORTING = re.compile(r"^(?!.*\bpolis).*\b(?:anmala|anmaler|anmalan|anmalt|orosanmal\w*)\b")
_ESCAPE = re.compile(r"\\.")


@dataclass(frozen=True)
class _Patterns:
    topics: Dict[str, re.Pattern]
    about_bot: re.Pattern
    new_topic: re.Pattern
    plea: re.Pattern
    calm: re.Pattern
    acknowledge: re.Pattern
    whose_child: Dict[str, re.Pattern]


def _compile(patterns: object, where: str) -> re.Pattern:
    if not isinstance(patterns, list) or not patterns or not all(isinstance(p, str) for p in patterns):
        raise ValueError(f"{where}: expected a list of regular expressions")
    for p in patterns:
        if _FORBIDDEN.search(_ESCAPE.sub("", p)):
            raise ValueError(f"{where}: patterns run on normalized text – no å/ä/ö/é and no upper case: {p!r}")
    try:
        return re.compile("|".join(f"(?:{p})" for p in patterns))
    except re.error as exc:
        raise ValueError(f"{where}: bad regular expression: {exc}") from exc


def load_patterns(path: Path = PATTERNS_FILE) -> _Patterns:
    """Read and compile a pattern file; ValueError says what is wrong with it."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    expected = {"topics", "about_bot", "new_topic", "plea", "calm", "acknowledge", "whose_child"}
    if not isinstance(data, dict) or set(data) != expected:
        raise ValueError(f"{path}: expected exactly the keys {sorted(expected)}")
    for key in ("topics", "whose_child"):
        if not isinstance(data[key], dict):
            raise ValueError(f"{path}: {key}: expected a mapping of name → list of patterns")
    return _Patterns(
        topics={name: _compile(p, f"topics/{name}") for name, p in data["topics"].items()},
        about_bot=_compile(data["about_bot"], "about_bot"),
        new_topic=_compile(data["new_topic"], "new_topic"),
        plea=_compile(data["plea"], "plea"),
        calm=_compile(data["calm"], "calm"),
        acknowledge=_compile(data["acknowledge"], "acknowledge"),
        whose_child={need: _compile(p, f"whose_child/{need}") for need, p in data["whose_child"].items()},
    )


_PATTERNS = load_patterns()
TOPICS: Tuple[str, ...] = tuple(_PATTERNS.topics)
# What each topic asks, in staff's words (the preview, `make forhandsvisa`).
TOPIC_QUESTIONS = {
    "anonymity": "Är det anonymt?", "cost": "Kostar det något?", "phone_bill": "Syns det på telefonräkningen?",
    "channels": "Kan jag chatta i stället för att ringa?", "email": "Kan jag mejla?", "hours": "Är det öppet nu?",
    "who_answers": "Vilka svarar?", "what_happens": "Vad händer sen?", "removal": "Tar de barnet?",
    "ages": "Vilka åldrar är det för?", "how_to_start": "Vad säger jag när de svarar?",
    "proof": "Behöver jag bevis?", "report_duty": "Måste jag anmäla?", "languages": "Pratar de engelska? Finns tolk?",
}


# ---------------------------------------------------------------- what the message is


def topics(text: str) -> List[str]:
    """The follow-up topics *text* asks about, in the order of TOPICS (empty: none, and for a question about
    this chat itself: "sparas det jag skriver?", "är du anonym?")."""
    t = normalize(text)
    if not t or _PATTERNS.about_bot.search(t):
        return []
    return [name for name, rx in _PATTERNS.topics.items() if rx.search(t)]


def starts_new_topic(text: str) -> bool:
    """"en annan grej", "egentligen", "förresten": a new worry starts here."""
    return bool(_PATTERNS.new_topic.search(normalize(text)))


def only_sad_emoji(text: str) -> bool:
    """A message of only sad emoji ("😢", "😭😭")."""
    rest = (text or "").translate(_INVISIBLE)
    return bool(rest) and all(ch in SAD_EMOJI for ch in rest)


def is_plea(text: str) -> bool:
    """"hjälp", "snälla hjälp mig", "jag vet inte vad jag ska göra", a lone sad emoji."""
    return only_sad_emoji(text) or bool(_PATTERNS.plea.search(normalize(text)))


def is_calm(text: str) -> bool:
    """"skojade bara", "det är lugnt nu", "glöm det": the writer calms or takes back what they said."""
    return bool(_PATTERNS.calm.search(normalize(text)))


def is_acknowledgement(text: str) -> bool:
    """"ok", "okej", "jag ringer dem"."""
    return bool(_PATTERNS.acknowledge.search(normalize(text)))


def whose_child(text: str) -> str | None:
    """The need a typed answer to "Vems barn gäller det?" leads to ("min dotter" → parent_own_child), or None."""
    t = normalize(text)
    return next((need for need, rx in _PATTERNS.whose_child.items() if t and rx.search(t)), None)


# ---------------------------------------------------------------- the answer


def _resolve(cat: Catalogue, key: str, municipality_id: str | None) -> Tuple[Resource | None, str | None]:
    """(resource, service) for a route key; the resource is None for a local service the municipality lacks."""
    try:
        item = resolve(cat, key, municipality_id)
    except KeyError:
        return None, None
    return item.resource, item.service or cast(Resource, item.resource).service


def _detail(cat: Catalogue, r: Resource | None, service: str | None, topic: str) -> Detail | None:
    """The resource's own fact for *topic*, else that of a service it is (its own, then `also_serves`)."""
    services = dict.fromkeys([service, *(r.also_serves if r else [])])
    for details in (r.details if r else None, *(cat.services[s].details for s in services if s in cat.services)):
        found = getattr(details, topic, None) if details is not None else None
        if found is not None:
            return found
    return None


def _ways(r: Resource, child: bool) -> List[str]:
    """The ways to reach *r* without phoning."""
    ways = []
    if r.chat:
        ways.append("chatta" if child else "chatt")
    if r.sms:
        ways.append("sms:a" if child else "sms")
    if r.eservice:
        ways.append("skriva i en e-tjänst" if child else "e-tjänst")
    if r.email:
        ways.append("mejla" if child else "e-post")
    return ways


def _ages(r: Resource, register: str) -> str | None:
    age = r.ages
    if age is None or (age.min is None and age.max is None):
        return None
    if age.min is None:
        return f"{r.name} är för alla under {cast(int, age.max) + 1} år."
    if age.max is None:
        return f"{r.name} är för dig som är {age.min} år eller äldre." if register == "child" else \
            f"För {age.min} år och äldre."
    return f"{r.name} är för dig som är {age.min}–{age.max} år." if register == "child" else \
        f"För {age.min}–{age.max} år."


def _fact(cat: Catalogue, topic: str, r: Resource | None, service: str | None, register: str) -> str | None:
    """What the catalogue says about *topic* for this resource or service; None when it does not know."""
    glue = conversation(cat).followup
    detail = _detail(cat, r, service, topic)
    text = detail.for_reader(register) if detail is not None else None
    if topic == "anonymity":
        if text:
            return text
        if r is not None and r.anonymous is not None:
            return (glue.anonymous_yes if r.anonymous else glue.anonymous_no).for_reader(register)
        return None
    if topic == "cost" and detail is not None:
        return text or (glue.free_yes if cast(CostDetail, detail).free else glue.free_no).for_reader(register)
    if topic == "phone_bill":
        if detail is not None:
            return text or (glue.bill_shown if cast(BillDetail, detail).shown else glue.bill_hidden).for_reader(register)
        if r is not None and r.phone:
            return cat.fill(glue.bill_unknown.for_reader(register) or "", name=r.name)
        return None
    if topic in ("channels", "email"):
        if topic == "email" and not text:  # no word on e-mail in particular: what it says about other ways
            channels = _detail(cat, r, service, "channels")
            text = channels.for_reader(register) if channels is not None else None
        if text:
            return text
        if r is not None and (_ways(r, register == "child") or (r.web and not r.phone)):
            return glue.other_channels.for_reader(register)
        return None  # phone only: said only when no resource named has another way (see answer)
    if topic == "ages":
        return text or (_ages(r, register) if r is not None else None)
    return text


def asked_about(cat: Catalogue, text: str) -> List[str]:
    """The resources the question is about by name: "är bris gratis", "om jag ringer 1177", "kostar det att gå
    till ungdomsmottagningen" – not one named as someone who acts ("kommer polisen hem till oss?")."""
    padded = f" {normalize(text)} "
    found: List[str] = []
    for start, _end, key in cat.named_spans(text):
        words = padded[:start].split()
        # "är bris gratis?" – but not "är det soc som svarar?", where the name is a guess at the answer
        opening = len(words) <= 1 and (not words or words[0] in ("ar", "e", "va"))
        if (opening or any(word in _ADDRESSED for word in words[-2:])) and key not in found:
            found.append(key)
    return found


def _keys(cat: Catalogue, asked: Sequence[str], keys: Sequence[str], text: str, reader: str,
          municipality_id: str | None) -> List[str]:
    """What to answer about: what the question asks about by name, else the last answer's resources (never
    112); a question about reporting is also about the orosanmälan service. Two keys for the same resource
    (`local:orosanmalan` and the municipality's orosanmälan resource) are one."""
    def emergency(key: str) -> bool:
        return service_of(key) is None and any(r.id == key and r.emergency for r in cat.resources)

    named = [k for k in asked_about(cat, text) if not emergency(k)]
    chosen = named or [k for k in keys if not emergency(k)]
    report = local_key(REPORT_SERVICE)
    about_reporting = set(asked) & REPORT_TOPICS or (reader == "professional" and set(asked) & DUTY_TOPICS) or (
        _REPORTING.search(normalize(text)) is not None)
    if about_reporting and report not in chosen and REPORT_SERVICE in cat.services:
        chosen = [report, *chosen]
    seen: set = set()
    once = []
    for key in chosen:
        r, _ = _resolve(cat, key, municipality_id)
        if (r.id if r is not None else key) not in seen:
            seen.add(r.id if r is not None else key)
            once.append(key)
    return once[:MAX_KEYS]


def _name(cat: Catalogue, r: Resource | None, service: str | None) -> str:
    if r is not None:
        return r.name
    known = cat.services.get(service or "")
    return (known.name if known and known.name else service or "").lower()


def _sentences(text: str) -> List[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]


def _once(parts: Sequence[str], said: Sequence[str] = ()) -> str:
    """The parts as one text, each sentence said once (two facts may share a sentence), and none that an
    earlier message of the answer (*said*) has already said ("Är barnet i fara nu, ring 112.")."""
    seen: List[str] = []
    for part in parts:
        for sentence in _sentences(part):
            if sentence not in seen and sentence not in said:
                seen.append(sentence)
    return " ".join(seen)


def _line(cat: Catalogue, key: str, facts: List[str], register: str, municipality_id: str | None,
          said: Sequence[str] = ()) -> str:
    """One message about one key: its name, the facts, and how to reach it."""
    r, service = _resolve(cat, key, municipality_id)
    if r is None:  # a municipal service the catalogue has no resource for here: its general text says how
        general = cat.services[service].generic.for_reader(register) if service in cat.services else None
        return _once([*facts, general or ""], said)
    # With no contact fields (BUP: "reached through 1177") the description says how to get there.
    how = contact(r, register == "child") or r.about.for_reader(register) or ""
    body = _once([*facts, how], said)
    return f"{r.name}: {body}" if body else f"{r.name}."


def answer(
    cat: Catalogue,
    asked: Sequence[str],
    keys: Sequence[str],
    reader: str = "child",
    municipality_id: str | None = None,
    text: str = "",
) -> Reply | None:
    """The reply to a follow-up question.

    *asked*: topics from `topics(text)` (an empty list means a follow-up the patterns did not place: the
    resources are described again in full). *keys*: the route keys of the last answer (resource ids and
    `local:<service>`). *reader*: who is writing (child, guardian, adult, professional) – a professional
    asking about reporting first hears the duty to report. None when there is nothing to answer about
    (no resource named now or before); opening hours are answered by bot.replies.opening_hours.
    """
    register = "child" if reader == "child" else "adult"
    asked = [t for t in dict.fromkeys(asked) if t != HOURS]
    chosen = _keys(cat, asked, keys, text, reader, municipality_id)
    if not chosen:
        return None
    messages: List[str] = []
    glue = conversation(cat).followup
    duty = cat.need(DUTY_NEED)
    no_duty = glue.no_duty.child if glue.no_duty is not None and register == "child" else None
    if reader == "professional" and set(asked) & DUTY_TOPICS and duty is not None and duty.text.adult:
        messages.append(duty.text.adult)
    elif "report_duty" in asked and no_duty:  # a child has no duty to report: say so, to the child
        messages.append(no_duty)
    elif "report_duty" in asked:  # no duty for a private person: anyone who is worried may report
        asked = [("proof" if t == "report_duty" else t) for t in asked]
    if "how_to_start" in asked:
        messages.append(glue.how_to_start.for_reader(register) or "")
    per_key = [t for t in dict.fromkeys(asked) if t not in ("how_to_start", "report_duty")][:MAX_TOPICS]
    if not asked:  # a follow-up in words the patterns do not know: everything the catalogue says about them
        now = stockholm_now()
        for key in chosen:
            r, _ = _resolve(cat, key, municipality_id)
            messages.append(describe_resource(r, register == "child", now) if r is not None
                            else _line(cat, key, [], register, municipality_id))
        return Reply(messages=[m for m in messages if m], resources=list(chosen))
    known = []
    for key in chosen:
        r, service = _resolve(cat, key, municipality_id)
        facts = [f for f in (_fact(cat, t, r, service, register) for t in per_key) if f]
        if facts or not per_key:
            known.append((key, facts))
    report = local_key(REPORT_SERVICE)
    before = next((k for k in chosen if k in keys), None)
    if report in chosen and report not in keys and before is not None and known and all(k != before for k, _ in known):
        known.append((before, []))  # the orosanmälan facts answered; the resource given before is named again
    if not known:  # the catalogue knows none of it: say so plainly about the first one, and name it again
        key = chosen[0]
        r, service = _resolve(cat, key, municipality_id)
        # "Jag har bara telefonnumret dit" only where the catalogue has no other way at all (never "only by
        # phone" about what has a web page, a chat or a police station)
        phone_only = set(per_key) <= {"channels", "email"} and r is not None and r.phone and not (
            r.web or _ways(r, register == "child"))
        plain = glue.phone_only if phone_only else glue.unknown
        known = [(key, [cat.fill(plain.for_reader(register) or "", name=_name(cat, r, service))])]
    # A sentence said once in the whole answer: the duty to report and the orosanmälan facts both say "ring 112",
    # and two resources may share a fact (the right to an interpreter at soc and at its on-call service).
    said = [s for m in messages for s in _sentences(m)]
    for key, facts in known:
        messages.append(_line(cat, key, facts, register, municipality_id, said))
        said += _sentences(messages[-1])
    return Reply(messages=[m for m in messages if m], resources=[key for key, _ in known])
