"""What a message means in the conversation so far. No Rasa here.

The classifier sees one message; people write conversations. "e de anonymt?" after Bris was named is a
question about Bris, not a new need; "hjälp" is a plea, not an unknown request; "tack hej" after
suicidal talk ends a conversation in which a crisis came up; "Katrineholm" after a parent's worry asks
for that worry's answer in Katrineholm; "grannens" after "Vems barn gäller det?" answers the question.

`interpret(...)` takes the message (text, the classifier's intent and confidence, the crisis layer's
kind) and the `Context` the conversation remembers, and returns a `Move`: what to do. The order of the
checks is the design:

1. A crisis now is answered as a crisis, whatever else the message or the conversation holds.
2. A waiting "Vems barn gäller det?" takes a typed answer ("min dotter", "grannens", "jag är lärare");
   an answer that does not fit is handled as a new message.
3. A follow-up question (bot.followup topics) about what was just named is answered from the
   catalogue – unless it starts a new worry ("en annan grej", "egentligen"), or it is the first message
   and the classifier is sure of a need (the need's answer names the same resources).
4. Thanks, goodbye, "ok", "skojade bara", "det är lugnt nu" close or calm the conversation.
5. A plea ("hjälp", "snälla", "jag vet inte vad jag ska göra", a sad emoji) when no need is clear.
6. A municipality named on its own re-answers the current need there.
7. Someone who only says who they are ("jag är skolsköterska").
8. A need.
9. Small talk, off-topic, or not understood.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Tuple

from bot import followup
from bot.catalogue import Catalogue

#: A classifier at least this sure of a need is trusted over pattern cues (a plea word, a place name).
NEED_MIN = 0.5
#: A message the classifier files as a follow-up this surely is one, even in words the patterns miss.
FOLLOWUP_MIN = 0.4
WHOSE_CHILD = "whose_child"
CRISIS_KINDS = ("acute_danger", "suicidal", "self_harm")

# intents that are not needs
FOLLOWUP_INTENT = "ask_followup"
HOURS_INTENT = "ask_opening_hours"
PLACE_INTENT = "inform_municipality"
ROLE_INTENT = "inform_role"
PLEA_INTENT = "plea"
CLOSING_INTENTS = {"thanks": "thanks", "goodbye": "goodbye", "acknowledge": "acknowledge", "retract": "retract"}


@dataclass(frozen=True)
class Context:
    """What the conversation remembers between messages (Rasa slots; nothing that identifies a person)."""

    need: str | None = None  # the need answered last
    audience: str | None = None  # who is writing, once known: child, guardian, adult, professional
    municipality: str | None = None  # catalogue id
    resources: Tuple[str, ...] = ()  # route keys named in the last answer: resource ids, local:<service>
    crisis: str | None = None  # the crisis kind that came up in this session, if any
    pending: str | None = None  # a question waiting for an answer: "whose_child"


@dataclass(frozen=True)
class Move:
    """What to do with a message.

    kind: "need" (answer `need`; a crisis kind is a need too), "followup" (answer `topics` about the
    context's resources), "hours" (opening hours of the context's resources), "close" (`closing`:
    thanks, goodbye, acknowledge, retract), "plea", "place" (a municipality was named), "role" (the
    writer said who they are), "small_talk" (`closing` holds greet or about_bot), "out_of_scope",
    "unclear".
    """

    kind: str
    need: str | None = None
    topics: Tuple[str, ...] = ()
    closing: str | None = None
    crisis: bool = False


@dataclass(frozen=True)
class Message:
    """One message as the NLU layer saw it."""

    text: str = ""
    intent: str | None = None
    confidence: float = 0.0
    crisis: str | None = None  # the crisis layer's kind (bot.crisis), whatever the classifier said
    place_named: bool = False  # the message names a municipality (catalogue or lookup entity)
    audience: str | None = None  # who the wording says is writing (bot.audience.detect)
    extra: dict = field(default_factory=dict, compare=False)


def _sure_need(cat: Catalogue, m: Message, least: float = NEED_MIN) -> bool:
    return m.intent is not None and cat.need(m.intent) is not None and m.confidence >= least


def _answer_to_question(cat: Catalogue, m: Message, asked: str) -> str | None:
    """The need a reply to the waiting question leads to, or None when it does not answer it."""
    question = cat.need(asked)
    if question is None or question.ask is None:
        return None
    buttons = {b.intent for b in question.ask.buttons}
    if m.intent in buttons and m.confidence >= NEED_MIN:
        return m.intent
    typed = followup.whose_child(m.text)
    if typed in buttons:
        return typed
    by_role = question.redirect.by_audience.get(m.audience or "") if question.redirect else None
    return by_role if by_role in buttons else None


def interpret(cat: Catalogue, m: Message, ctx: Context) -> Move:
    """What to do with message *m* in the conversation *ctx* (see the module docstring for the order)."""
    kind = m.crisis or (m.intent if m.intent in CRISIS_KINDS else None)
    if kind is not None:
        return Move("need", need=kind, crisis=True)

    if ctx.pending == WHOSE_CHILD and ctx.need is not None:
        chosen = _answer_to_question(cat, m, ctx.need)
        if chosen is not None:
            return Move("need", need=chosen)

    asked = tuple(followup.topics(m.text))
    if asked and not followup.starts_new_topic(m.text):
        if ctx.resources:
            return Move("hours" if asked == (followup.HOURS,) else "followup", topics=asked)
        about_something = bool(cat.named(m.text)) or bool(set(asked) & followup.REPORT_TOPICS) or (
            (m.audience or ctx.audience) == "professional" and bool(set(asked) & followup.DUTY_TOPICS))
        if about_something and not _sure_need(cat, m):
            return Move("hours" if asked == (followup.HOURS,) else "followup", topics=asked)
    if m.intent == FOLLOWUP_INTENT and m.confidence >= FOLLOWUP_MIN:
        return Move("followup", topics=asked)
    if m.intent == HOURS_INTENT:
        return Move("hours", topics=(followup.HOURS,))

    if m.intent in CLOSING_INTENTS:
        return Move("close", closing=CLOSING_INTENTS[m.intent])
    if not _sure_need(cat, m):
        if followup.is_calm(m.text):
            return Move("close", closing="retract")
        if followup.is_acknowledgement(m.text):
            return Move("close", closing="acknowledge")
        if m.intent == PLEA_INTENT or followup.is_plea(m.text):
            return Move("plea")
        if m.intent == PLACE_INTENT or m.place_named:
            return Move("place")
        if m.intent == ROLE_INTENT or (m.audience and m.intent in (None, "nlu_fallback", "out_of_scope", "greet")):
            return Move("role")

    if m.intent is not None and cat.need(m.intent) is not None:
        return Move("need", need=m.intent)
    if m.intent in ("greet", "about_bot"):
        return Move("small_talk", closing=m.intent)
    if m.intent == "out_of_scope":
        return Move("out_of_scope")
    return Move("unclear")


def after(ctx: Context, move: Move, m: Message, resources: Tuple[str, ...] = (), need_asks: bool = False,
          municipality: str | None = None) -> Context:
    """The context after *move* was answered. *resources*: the route keys the reply named (a new need or a
    need re-answered for a municipality); *need_asks*: the need's reply was a question with buttons."""
    audience = m.audience or ctx.audience
    if move.kind == "need":
        return Context(need=move.need, audience=audience, municipality=municipality or ctx.municipality,
                       resources=tuple(resources), crisis=move.need if move.crisis else ctx.crisis,
                       pending=WHOSE_CHILD if need_asks else None)
    if move.kind == "place":
        return replace(ctx, audience=audience, municipality=municipality,
                       resources=tuple(resources) or ctx.resources, pending=None)
    return replace(ctx, audience=audience, pending=None)
