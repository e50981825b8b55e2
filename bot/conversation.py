"""One turn of a conversation, without Rasa: what the user wrote and what the bot remembers go in,
what to say and what to remember come out.

    turn = Turn(text, intent, confidence, ranking, entities, metadata, crisis)   # what the user wrote
    state = State(municipality, audience, last_need, resources, crisis, pending)  # what the bot remembers
    outcome = respond(catalogue_store.current(), turn, state)
    outcome.messages                              # Message(text, buttons) or Message(response=MENU_RESPONSE)
    outcome.state.changes_since(state)            # {field: new value}: what to remember

Plain values, no Rasa shapes. The actions (actions/turn.py) translate: Rasa's parse data → Turn, the slots →
State, Outcome → messages and SlotSet.
Everything decided about a turn is decided here, and tested here without Rasa
(tests/domain/test_conversation.py, tests/domain/test_moves.py). The wording itself is in `bot.replies` (needs),
`bot.followup` (follow-up questions) and `bot.lines` (the catalogue's `conversation:` section).

A turn is first *interpreted* (`interpret` → `Move`), then answered. People write conversations, not
single messages: "är det anonymt?" after Bris was named is a question about Bris; "hjälp" is a plea;
"tack hej" after suicidal talk ends a conversation in which a crisis came up; "Katrineholm" after a
parent's worry asks for that worry's answer there; "grannens" after "Vems barn gäller det?" answers
it. The order of the checks in `interpret` is the design:

1. A crisis now is answered as a crisis, whatever else the message or the conversation holds.
2. A waiting "Vems barn gäller det?" takes a typed answer ("min dotter", "grannens", "jag är
   lärare"); an answer that does not fit is handled as a new message.
3. A follow-up question (`bot.followup.topics`) about what was just named is answered from the
   catalogue – unless it starts a new worry ("en annan grej", "egentligen"), or nothing was named yet
   and the classifier is sure of a need (that need's answer names the same resources).
4. Thanks, goodbye, "ok", "skojade bara", "det är lugnt nu" close or calm the conversation.
5. A plea ("hjälp", "snälla", "jag vet inte vad jag ska göra", a sad emoji) when no need is clear.
6. A municipality named on its own re-answers the current need there.
7. Someone who only says who they are ("jag är skolsköterska").
8. A need.
9. Small talk, off-topic, or not understood.

Safety lasts the session: once a crisis came up (`State.crisis`), every later reply that does not
already give its numbers ends with the catalogue's reminder line for that kind (`bot.lines.remind`).

To remember something more across turns, add a field to `State` and a slot of the same name to
domain.yml (`influence_conversation: false`, `mappings: [{type: custom}]`); the actions read and
set every field of `State` by its name.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Mapping, Tuple, cast

from bot import audience as audience_mod
from bot import crisis as crisis_mod
from bot import followup, languages, lines, municipality, replies
from bot.catalogue import Catalogue, service_of
from bot.crisis import INTENT_KINDS as CRISIS_INTENT_KINDS
from bot.crisis import KINDS as CRISIS_KINDS
from bot.crisis import UNSURE_ACUTE
from bot.hours import stockholm_now

logger = logging.getLogger(__name__)

MUNICIPALITY_INTENT = "inform_municipality"
OPENING_HOURS_INTENT = "ask_opening_hours"
NO_INTENT = crisis_mod.NO_INTENT  # no intent fits the message (the edge translates Rasa's name for it)
FOLLOWUP_INTENT = "ask_followup"
ROLE_INTENT = "inform_role"
PLEA_INTENT = "plea"
CLOSING_INTENTS = ("thanks", "goodbye", "acknowledge", "retract")
# Fixed replies, sent by name (actions/turn.py knows their names in domain.yml).
MENU_RESPONSE = "menu"
GREET_RESPONSE = "greet"
# A classifier at least this sure of a need is trusted over pattern cues (a plea word, a place name,
# a follow-up question before anything was named).
NEED_MIN = 0.5
# A message the classifier files as a follow-up this surely is one, even in words the patterns miss.
FOLLOWUP_MIN = 0.4
# "Det kan jag inte hjälpa till med" only for what is clearly off-topic: mid-conversation, a message the
# classifier files as off-topic less surely than this is taken as not understood (the support named again).
OFF_TOPIC_MIN = 0.6
# State.pending while the need's question with buttons ("Vems barn gäller det?") waits for an answer.
WHOSE_CHILD = "whose_child"
# An opening-hours question that names no resource is probably not about opening hours ("pappa
# öppnar en öl så fort han kommer hem"): when the classifier's runner-up is a need at least this
# likely, that need is answered.
MIN_RUNNER_UP = 0.15


@dataclass(frozen=True)
class Crisis:
    """What the crisis layer (`rasa_wing.components.CrisisOverride`) noted about the message."""

    kind: str | None = None  # one of bot.crisis.KINDS, or None
    rule: str | None = None  # id of the pattern that fired, never user text
    idiom: bool = False  # a harmless idiom was cut out ("dog av skratt")
    hint: str | None = None  # UNSURE_ACUTE: the classifier guessed danger right now, no rule confirmed it


@dataclass(frozen=True)
class Turn:
    """The user's message as the NLU pipeline understood it (actions/turn.py reads it from Rasa's parse data)."""

    text: str = ""
    intent: str | None = None
    confidence: float = 0.0  # of `intent`
    ranking: Tuple[Tuple[str, float], ...] = ()  # (intent, confidence), most likely first
    entities: Tuple[Tuple[str, str], ...] = ()  # (entity type, value as written)
    metadata: Mapping[str, Any] | None = None  # from the channel, e.g. {"municipality": "kungalv"}
    crisis: Crisis = Crisis()
    channel: str | None = None  # the channel the message came in on (rest, facebook), for the counts

    def entity_values(self, entity: str) -> List[str]:
        return [value for name, value in self.entities if name == entity]

    @property
    def danger_first(self) -> bool:
        """The reply leads with 112: the classifier thought of danger right now, no rule confirmed it."""
        return self.crisis.hint == UNSURE_ACUTE


@dataclass(frozen=True)
class State:
    """What the bot remembers between turns (actions/turn.py keeps it in one Rasa slot per field, same name)."""

    municipality: str | None = None  # catalogue id of the municipality answered for
    audience: str | None = None  # child, guardian, adult or professional, once the writer has said
    last_need: str | None = None  # the need answered last (for "när har de öppet?" and a late municipality)
    # route keys the last answer named (resource ids, local:<service>): what "är det anonymt?" is about
    resources: Tuple[str, ...] = ()
    crisis: str | None = None  # the crisis kind that came up in this session (bot.crisis.KINDS), if any
    pending: str | None = None  # a question waiting for its answer: WHOSE_CHILD

    def changes_since(self, before: State) -> Dict[str, Any]:
        """The fields whose value differs from *before*'s: what the turn changed."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                if getattr(before, f.name) != getattr(self, f.name)}


@dataclass(frozen=True)
class Message:
    """One message: Swedish text (with buttons under it), or a fixed reply of domain.yml by name."""

    text: str | None = None
    buttons: Tuple[Dict[str, str], ...] = ()  # {"title": shown, "payload": "/intent"}
    response: str | None = None


@dataclass(frozen=True)
class Outcome:
    messages: Tuple[Message, ...]
    state: State  # the whole state after the turn
    need: str | None = None  # the need answered, if any (for logs and tests)


@dataclass(frozen=True)
class Move:
    """What a turn is, in the conversation so far (see the module docstring).

    kind: "need" (answer `need`; a crisis kind is a need too, with `crisis`), "followup" (answer
    `topics` about what was named), "hours" (opening hours of what was named), "close" (`closing`:
    thanks, goodbye, acknowledge or retract), "plea", "place" (a municipality was named), "role" (the
    writer said who they are), "small_talk" (`closing`: greet or about_bot), "out_of_scope", "unclear".
    """

    kind: str
    need: str | None = None
    topics: Tuple[str, ...] = ()
    closing: str | None = None
    crisis: bool = False


def _sure_need(cat: Catalogue, turn: Turn, least: float = NEED_MIN) -> bool:
    return turn.intent is not None and cat.need(turn.intent) is not None and turn.confidence >= least


def _answer_to_question(cat: Catalogue, turn: Turn, asked: str, audience: str | None) -> str | None:
    """The need a reply to the waiting question of need *asked* leads to, or None when it does not answer it."""
    question = cat.need(asked)
    if question is None or question.ask is None:
        return None
    buttons = {b.intent for b in question.ask.buttons}
    if turn.intent in buttons and turn.confidence >= NEED_MIN:
        return turn.intent
    typed = followup.whose_child(turn.text)
    if typed in buttons:
        return typed
    by_role = question.redirect.by_audience.get(audience or "") if question.redirect else None
    return by_role if by_role in buttons else None


def _named_place(cat: Catalogue, turn: Turn) -> bool:
    return bool(turn.entity_values("municipality")) or cat.find_municipality(turn.text) is not None


def interpret(cat: Catalogue, turn: Turn, state: State) -> Move:
    """What to do with *turn* given what the conversation remembers (*state*); the module docstring says
    why the checks come in this order."""
    kind = turn.crisis.kind or (turn.intent if turn.intent in CRISIS_KINDS else None)
    if kind is not None:
        # A crisis intent of that kind has its own answer ("min kompis skär sig": friend_self_harm, not self_harm).
        own = turn.intent if CRISIS_INTENT_KINDS.get(turn.intent or "") == kind and cat.need(cast(str, turn.intent)) else None
        return Move("need", need=own or kind, crisis=True)

    said_audience = audience_mod.detect(turn.text)
    if state.pending == WHOSE_CHILD and state.last_need is not None:
        chosen = _answer_to_question(cat, turn, state.last_need, said_audience)
        if chosen is not None:
            return Move("need", need=chosen)

    asked = tuple(followup.topics(turn.text))
    if asked and not followup.starts_new_topic(turn.text):
        hours_only = asked == (followup.HOURS,)
        if state.resources:
            return Move("hours" if hours_only else "followup", topics=asked)
        about_something = bool(followup.asked_about(cat, turn.text)) or bool(set(asked) & followup.REPORT_TOPICS) or (
            (said_audience or state.audience) == "professional" and bool(set(asked) & followup.DUTY_TOPICS))
        if about_something and not _sure_need(cat, turn):
            return Move("hours" if hours_only else "followup", topics=asked)
    if turn.intent == FOLLOWUP_INTENT and turn.confidence >= FOLLOWUP_MIN:
        return Move("followup", topics=asked)
    if turn.intent == OPENING_HOURS_INTENT:
        return Move("hours", topics=(followup.HOURS,))

    if turn.intent in CLOSING_INTENTS:
        if not followup.starts_new_topic(turn.text):
            return Move("close", closing=turn.intent)
        # "ok tack. en annan grej, mamma dricker": the thanks only opens a new worry.
        need = _runner_up_need(cat, turn, skip=CLOSING_INTENTS)
        return Move("need", need=need) if need is not None else Move("unclear")
    if not _sure_need(cat, turn):
        if followup.is_calm(turn.text):
            return Move("close", closing="retract")
        if followup.is_acknowledgement(turn.text):
            return Move("close", closing="acknowledge")
        if turn.intent == PLEA_INTENT or followup.is_plea(turn.text):
            return Move("plea")
        if turn.intent == MUNICIPALITY_INTENT or _named_place(cat, turn):
            return Move("place")
        if turn.intent == ROLE_INTENT or (said_audience and turn.intent in (None, NO_INTENT, "out_of_scope", "greet")):
            return Move("role")

    if turn.intent is not None and cat.need(turn.intent) is not None:
        return Move("need", need=turn.intent)
    if turn.intent in ("greet", "about_bot"):
        return Move("small_talk", closing=turn.intent)
    if turn.intent == "out_of_scope" and (turn.confidence >= OFF_TOPIC_MIN or not state.resources):
        return Move("out_of_scope")
    if turn.intent not in (None, NO_INTENT):
        logger.warning("Ingen post i katalogen för avsikten %s", turn.intent)
    return Move("unclear")


#: Told about every reply once it is decided, with the catalogue, the turn, the state it began with, the move and
#: the outcome: the action server registers the lägesbild's counter here (`bot.counts.observer`). A hook that
#: fails is logged by its error's type and never changes the reply.
REPLIED: List[Callable[[Catalogue, Turn, State, Move, Outcome], None]] = []


def _replied(cat: Catalogue, turn: Turn, state: State, move: Move, outcome: Outcome) -> None:
    for hook in REPLIED:
        try:
            hook(cat, turn, state, move, outcome)
        except Exception as e:  # noqa: BLE001 - the reply goes out whatever a hook does
            logger.error("En räknare av svaren misslyckades (%s)", type(e).__name__)


def respond(cat: Catalogue, turn: Turn, state: State, now: dt.datetime | None = None) -> Outcome:
    """The bot's answer to *turn*, given what it remembers (*state*): `interpret`, then the move's answer.

    After a crisis in this session every reply keeps the crisis line (`bot.lines.remind`), unless it
    already gives one of its numbers.
    """
    now = now or stockholm_now()
    move = interpret(cat, turn, state)
    context = _context(cat, turn, state)
    if move.kind == "place":
        outcome = _municipality_told(cat, turn, state, now)
    elif move.kind == "need":
        outcome = _answer(cat, move.need or "", turn, context, now, crisis=move.crisis)
    elif move.kind == "followup":
        outcome = _followup(cat, move, turn, context)
    elif move.kind == "hours":
        outcome = _opening_hours(cat, turn, context, now)
    else:
        outcome = _said(cat, move, context, turn.text)
    if turn.danger_first and move.kind != "need":  # a possible danger now leads with 112, whatever the turn is
        outcome = dataclasses.replace(outcome, messages=(*_emergency_line(cat, outcome, context, now), *outcome.messages))
    outcome = _kept_safe(cat, outcome, move)
    _replied(cat, turn, state, move, outcome)
    return outcome


def _emergency_line(cat: Catalogue, outcome: Outcome, state: State, now: dt.datetime) -> Tuple[Message, ...]:
    """The 112 line, unless the first message already is the call to 112."""
    emergency = next((r for r in cat.resources if r.emergency), None)
    first = next((m.text for m in outcome.messages if m.text), "") or ""
    if emergency is None or replies.names_number(first, emergency.phone or ""):
        return ()
    return (Message(text=replies.describe_resource(emergency, lines.register(_reader(cat, state)) == "child", now)),)


def _audience(turn: Turn, state: State) -> str | None:
    return audience_mod.detect(turn.text) or state.audience


def _context(cat: Catalogue, turn: Turn, state: State) -> State:
    """*state* with who writes and which municipality, as far as this turn tells; no question waits any more."""
    place = municipality.resolve(cat, text=turn.text, metadata=turn.metadata,
                                 entities=turn.entity_values("municipality"), remembered=state.municipality)
    return dataclasses.replace(state, municipality=place, audience=_audience(turn, state), pending=None)


def _reader(cat: Catalogue, state: State) -> str | None:
    """Whom the bot is writing to: the writer, once known, else the usual writer of the need answered last."""
    need = cat.need(state.last_need or "")
    return state.audience or (need.reader(None) if need is not None else None)


def _need_messages(reply: replies.Reply) -> Tuple[Message, ...]:
    """A composed reply as messages, its buttons under the last one."""
    last = len(reply.messages) - 1
    return tuple(Message(text=text, buttons=tuple(reply.buttons) if i == last else ())
                 for i, text in enumerate(reply.messages))


def _answer(cat: Catalogue, need: str, turn: Turn, state: State, now: dt.datetime, crisis: bool = False) -> Outcome:
    audience = state.audience
    if audience is None and state.last_need and cat.needs[need].redirect is not None:
        # A need that depends on who writes ("vad gör jag om lärarna inte bryr sig" after "jag blir mobbad"):
        # the writer of the earlier need is still the one writing, so no "Vems barn gäller det?".
        audience = _reader(cat, state)
    reply = replies.compose(cat, need, audience=audience, municipality_id=state.municipality, text=turn.text,
                            now=now, danger_first=turn.danger_first)
    reply = languages.with_crisis_line(reply, turn.text, cat)  # 112, 90101, 116 111 explained in their language
    kept = cat.needs[need].keeps or (need if crisis else state.crisis)  # a friend's self-harm keeps its line too
    after = dataclasses.replace(state, last_need=need, resources=tuple(reply.keys),
                                crisis=kept, pending=WHOSE_CHILD if reply.buttons else None)
    return Outcome(_need_messages(reply), after, need)


def _municipality_told(cat: Catalogue, turn: Turn, state: State, now: dt.datetime) -> Outcome:
    """The current need again with the municipality's own resources; a place the catalogue does not know
    is said plainly once and the need answered with the national ones. The menu only when no need was asked."""
    named = turn.entity_values("municipality")
    # Only what the user wrote now counts: a town we do not know replaces the old one.
    told = municipality.resolve(cat, text=turn.text, entities=named, default="")
    state = dataclasses.replace(state, municipality=told, audience=_audience(turn, state), pending=None)
    place = cat.municipality(told)
    lead: Message | None = Message(text=replies.municipality_here(place) if place is not None
                   else replies.municipality_unknown(named[0] if named else None))
    if state.last_need and cat.need(state.last_need) is not None:
        reply = replies.compose(cat, state.last_need, audience=state.audience, municipality_id=told, now=now,
                                ask_municipality=place is not None)
        state = dataclasses.replace(state, resources=tuple(reply.keys))
        if place is not None and not any(cat.resource(r).municipality == told for r in reply.resources):
            # Nothing of the town's own: the reply says so where a local service is missing; else the
            # support is the same everywhere, and "Här är stöd i X" would promise local help.
            missing = any(service_of(k) is not None for k in reply.keys)
            lead = None if missing else Message(text=replies.municipality_national(place))
        return Outcome((*([lead] if lead else []), *_need_messages(reply)), state, state.last_need)
    if place is not None:
        lead = Message(text=replies.municipality_thanks(place))
    return Outcome((cast(Message, lead), Message(response=MENU_RESPONSE)), state)


def _followup(cat: Catalogue, move: Move, turn: Turn, state: State) -> Outcome:
    """A question about what was named ("är det anonymt?"), answered from the catalogue."""
    reader = _reader(cat, state)
    reply = followup.answer(cat, move.topics, state.resources, reader or "child", state.municipality, turn.text)
    if reply is None:  # nothing named now or before: ask which one
        return Outcome((Message(text=replies.ASK_WHICH[lines.register(reader)]),), state)
    return Outcome(tuple(Message(text=text) for text in reply.messages), state)


def _said(cat: Catalogue, move: Move, state: State, text: str = "") -> Outcome:
    """The conversation's own lines: closing, plea, role, small talk, off-topic, not understood."""
    reader = _reader(cat, state)
    if move.kind == "small_talk" and move.closing == "greet":
        return Outcome((Message(response=GREET_RESPONSE), Message(response=MENU_RESPONSE)), state)
    if move.kind == "close":
        return Outcome((Message(text=lines.small_talk(cat, move.closing or "thanks", reader)),), state)
    if move.kind == "plea":
        return Outcome((Message(text=lines.plea(cat, reader)),), state)
    if move.kind == "role":
        return Outcome((Message(text=lines.role(cat, state.audience or "adult")),), state)
    if move.kind in ("unclear", "out_of_scope") and not state.resources:
        foreign = _not_understood_in_another_language(cat, text, reader)
        if foreign:
            return Outcome((*(Message(text=t) for t in foreign), Message(response=MENU_RESPONSE)), state)
    key = {"small_talk": "about_bot", "out_of_scope": "out_of_scope"}.get(move.kind, "not_understood")
    said = Message(text=lines.small_talk(cat, key, reader))
    if move.kind == "unclear" and state.resources:
        # Mid-conversation, what was not understood probably still concerns the same worry: the support
        # named for it again, rather than the menu.
        again = followup.answer(cat, (), state.resources[:1], reader or "child", state.municipality)
        if again is not None:
            return Outcome((said, *(Message(text=text) for text in again.messages)), state)
    return Outcome((said, Message(response=MENU_RESPONSE)), state)


def _not_understood_in_another_language(cat: Catalogue, text: str, reader: str | None) -> Tuple[str, ...]:
    """A message in one of the languages of bot.languages that the classifier could not place: it may be a
    crisis the bot cannot read, so never a bare "Jag förstod inte": 112 and Bris (the catalogue's
    `other_language`), and a line in the writer's language saying what the numbers are. Empty for Swedish
    and English, and for what is too short to tell."""
    code = languages.not_swedish(text)
    said = lines.other_language(cat, reader) if code else None
    if said is None:
        return ()
    line = languages.numbers_line(code, said)
    return (said, line) if line else (said,)


def _kept_safe(cat: Catalogue, outcome: Outcome, move: Move) -> Outcome:
    """*outcome* with the crisis line of this session before the menu, unless the reply already gives it.
    With no crisis seen, "skojade bara" still gets the catalogue's line for a calmed conversation: the bot
    may have missed what was taken back."""
    state = outcome.state
    calmed = move.kind == "close" and move.closing == "retract"
    kind = state.crisis or ("calmed" if calmed else None)
    if kind is None or move.crisis:
        return outcome
    reader = _reader(cat, state)
    said = [m.text for m in outcome.messages if m.text]
    kept = lines.remind(cat, kind, reader, said)
    if len(kept) == len(said):
        return outcome
    line = Message(text=kept[-1])
    menu = [m for m in outcome.messages if m.response == MENU_RESPONSE]
    rest = [m for m in outcome.messages if m.response != MENU_RESPONSE]
    return dataclasses.replace(outcome, messages=(*rest, line, *menu))


def _runner_up_need(cat: Catalogue, turn: Turn, skip: Tuple[str, ...] = (OPENING_HOURS_INTENT,)) -> str | None:
    """The most likely need after the intents in *skip*, when it is likely enough."""
    name, confidence = next(((n, c) for n, c in turn.ranking if n not in (*skip, NO_INTENT)), (None, 0.0))
    return name if name is not None and cat.need(name) is not None and confidence >= MIN_RUNNER_UP else None


def _opening_hours(cat: Catalogue, turn: Turn, state: State, now: dt.datetime) -> Outcome:
    """When what was named is open; with nothing named before, an opening-hours question that names no
    resource may be a need in other words ("mamma öppnar en öl")."""
    need = _runner_up_need(cat, turn) if not state.resources else None
    if need is not None and not cat.named(turn.text):
        return _answer(cat, need, turn, state, now)
    reply = replies.opening_hours(cat, turn.text, audience=state.audience, municipality_id=state.municipality,
                                  last_need=state.last_need, now=now, danger_first=turn.danger_first)
    return Outcome(tuple(Message(text=text) for text in reply.messages), state)
