"""The lägesbild's counts: what conversations do, as numbers only (no Rasa, no text, no sender id).

Every reply the bot decides is told to `observe` (a hook of `bot.conversation.respond`), which turns it into a
`Reply` – a small plain record of what the reply was about – and adds one to a handful of counters keyed by
`Cell`: the ISO week and a few categories. The counters live in memory (`Tally`) and are added to the store
(`bot.count_store`) by a background thread every few seconds (`Recorder`), so a reply never waits for a
database. Nothing finer than the week is kept: no time, no text, no conversation id, no order of arrival.

What is counted (`Cell.kind`):

- `reply`: every reply, by week, municipality, need, reader, channel, language, crisis kind and the question
  types it answered;
- `not_understood`: replies to a message the bot did not understand, by week, municipality, channel, language;
- `no_local_resource`: a need answered for a municipality that has no resource of a local service the need
  routes to (the staff's gap list), by week, municipality, need and service;
- `crisis_conversation`: conversations in which a crisis came up (the first crisis reply of a session), by
  week, municipality, crisis kind and reader;
- `conversation_started` / `conversation_continued`: conversations (Rasa sessions) by the week they began and
  their channel, counted at their first and second user message (`session_cells`); the conversations that
  ended after the first reply are the difference, and nothing is stored per conversation to know it.
"""
from __future__ import annotations

import atexit
import dataclasses
import datetime as dt
import logging
import os
import threading
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable, List, Protocol, Sequence, Tuple

from bot import languages
from bot.catalogue import Catalogue, service_of
from bot.crisis import INTENT_KINDS
from bot.hours import STOCKHOLM, stockholm_now
from bot.text import normalize

if TYPE_CHECKING:  # the conversation imports nothing of this module; the hook is registered at start-up
    from bot.conversation import Move, Outcome, State, Turn

logger = logging.getLogger(__name__)

REPLY = "reply"
NOT_UNDERSTOOD = "not_understood"
NO_LOCAL_RESOURCE = "no_local_resource"
CRISIS_CONVERSATION = "crisis_conversation"
CONVERSATION_STARTED = "conversation_started"
CONVERSATION_CONTINUED = "conversation_continued"
KINDS = (REPLY, NOT_UNDERSTOOD, NO_LOCAL_RESOURCE, CRISIS_CONVERSATION, CONVERSATION_STARTED, CONVERSATION_CONTINUED)
SWEDISH = "sv"  # the language counted for Swedish, and for what is too short or mixed to tell
LANGUAGE_SAMPLE = 300  # characters the language is read from: a 5 000-character message costs no more
# Common Swedish words that are not words of the other languages counted: two of them make a message Swedish
# without asking lingua (microseconds instead of a fraction of a millisecond per reply).
_SWEDISH_WORDS = frozenset("jag och att det inte mig min mitt mina har vill kan som hur vad pa ar om med"
                           " han hon vi dom de ett nar varfor mamma pappa skolan barn hjalp".split())
DEFAULT_FLUSH_SECONDS = 10.0
FLUSH_ENV = "STODLOTSEN_STATISTICS_FLUSH_SECONDS"


def flush_seconds() -> float:
    """How often the counts are stored: `STODLOTSEN_STATISTICS_FLUSH_SECONDS`, else every 10 s."""
    try:
        seconds = float(os.environ.get(FLUSH_ENV) or DEFAULT_FLUSH_SECONDS)
    except ValueError:
        return DEFAULT_FLUSH_SECONDS
    return seconds if seconds > 0 else DEFAULT_FLUSH_SECONDS


@dataclass(frozen=True)
class Reply:
    """One reply as the counts see it: the recorder's input. No text, no id, no time."""

    need: str | None = None  # the need answered, if any
    reader: str | None = None  # child, guardian, adult or professional, as far as known
    municipality: str | None = None  # catalogue id of the municipality answered for
    channel: str | None = None  # rest, facebook
    language: str = SWEDISH  # sv, or one of bot.languages.LANGUAGES
    crisis: str | None = None  # the crisis kind of this turn (bot.crisis.KINDS), if any
    questions: Tuple[str, ...] = ()  # the question types answered (bot.followup topics)
    not_understood: bool = False
    no_local: Tuple[str, ...] = ()  # local services the need routes to that the municipality has no resource of
    first_crisis: bool = False  # the first crisis reply of the conversation


@dataclass(frozen=True, order=True)
class Cell:
    """One counter: a week and the categories of `kind` ("" where a category does not apply or is unknown)."""

    week: str  # ISO week, "2026-W07"
    kind: str
    municipality: str = ""
    need: str = ""
    reader: str = ""
    channel: str = ""
    language: str = ""
    crisis: str = ""
    questions: str = ""  # question types, sorted, joined with "+"
    service: str = ""


CATEGORIES = tuple(f.name for f in dataclasses.fields(Cell))


def iso_week(when: dt.date | dt.datetime) -> str:
    """"2026-W07": the ISO week of *when* (a datetime in Stockholm time)."""
    year, week, _ = when.isocalendar()
    return f"{year}-W{week:02d}"


def week_of_timestamp(timestamp: float) -> str:
    """The ISO week, in Stockholm, of a Unix time."""
    return iso_week(dt.datetime.fromtimestamp(timestamp, STOCKHOLM))


def reply_of(cat: Catalogue, turn: Turn, before: State, move: Move, outcome: Outcome) -> Reply:
    """What the counts keep of a decided turn: *before* is the state the turn began with."""
    after = outcome.state
    need = cat.need(outcome.need or "")
    written_for = need or cat.need(after.last_need or "")  # the reader the reply was written for, as the bot chose
    reader = written_for.reader(after.audience) if written_for is not None else after.audience
    crisis = (turn.crisis.kind or INTENT_KINDS.get(turn.intent or "") or INTENT_KINDS.get(outcome.need or "")) \
        if move.crisis else None
    answered = move.kind in ("followup", "hours")
    no_local = tuple(s for k in after.resources if (s := service_of(k))) if need is not None else ()
    return Reply(
        need=outcome.need if need is not None else None,
        reader=reader,
        municipality=after.municipality,
        channel=turn.channel,
        language=language_of(turn.text),
        crisis=crisis,
        questions=tuple(move.topics) if answered else (),
        not_understood=move.kind == "unclear",
        no_local=no_local,
        first_crisis=crisis is not None and before.crisis is None,
    )


def language_of(text: str) -> str:
    """The language a message is counted in: `SWEDISH`, or one of bot.languages.LANGUAGES when lingua is sure."""
    sample = text[:LANGUAGE_SAMPLE]
    if len(_SWEDISH_WORDS.intersection(normalize(sample).split())) >= 2:
        return SWEDISH
    return languages.detect(sample) or SWEDISH


def cells(reply: Reply, week: str) -> List[Cell]:
    """The counters one reply adds one to."""
    place, channel, language = reply.municipality or "", reply.channel or "", reply.language
    found = [Cell(week, REPLY, municipality=place, need=reply.need or "", reader=reply.reader or "", channel=channel,
                  language=language, crisis=reply.crisis or "", questions="+".join(sorted(set(reply.questions))))]
    if reply.not_understood:
        found.append(Cell(week, NOT_UNDERSTOOD, municipality=place, channel=channel, language=language))
    found += [Cell(week, NO_LOCAL_RESOURCE, municipality=place, need=reply.need or "", service=service)
              for service in dict.fromkeys(reply.no_local)]
    if reply.first_crisis:
        found.append(Cell(week, CRISIS_CONVERSATION, municipality=place, crisis=reply.crisis or "",
                          reader=reply.reader or ""))
    return found


def session_cells(user_messages: Sequence[Tuple[float, str | None]], new: int) -> List[Cell]:
    """The conversation counters for the *new* last messages of a session whose user messages so far are
    *user_messages* ((Unix time, channel), oldest first): its first message starts a conversation, its second
    continues it – both in the week the conversation began, so that a week's conversations that ended after
    the first reply are started minus continued."""
    if not user_messages:
        return []
    began, channel = user_messages[0]
    week = week_of_timestamp(began)
    found = []
    for position in range(len(user_messages) - new + 1, len(user_messages) + 1):
        if position == 1:
            found.append(Cell(week, CONVERSATION_STARTED, channel=channel or ""))
        elif position == 2:
            found.append(Cell(week, CONVERSATION_CONTINUED, channel=channel or ""))
    return found


class Tally:
    """Counts in memory until they are stored; safe to add to from any thread."""

    def __init__(self) -> None:
        self._counts: Counter[Cell] = Counter()
        self._lock = threading.Lock()

    def add(self, found: Iterable[Cell]) -> None:
        with self._lock:
            self._counts.update(found)

    def take(self) -> Counter[Cell]:
        """The counts so far; the tally starts again from nothing."""
        with self._lock:
            counts, self._counts = self._counts, Counter()
        return counts

    def give_back(self, counts: Counter[Cell]) -> None:
        """Counts that could not be stored, to be tried again."""
        with self._lock:
            self._counts.update(counts)


class Sink(Protocol):
    def add(self, counts: Counter[Cell]) -> None: ...

    def purge(self) -> int: ...

    def close(self) -> None: ...


class Recorder:
    """A tally and the thread that adds it to *store* every *interval* seconds (and when the process exits).

    A store that fails keeps the counts in memory and tries again at the next interval (the log says so,
    with the error's type only). Old counts are deleted from the store at start and once a day."""

    def __init__(self, store: Sink, interval: float = DEFAULT_FLUSH_SECONDS) -> None:
        self.store = store
        self.interval = interval
        self.tally = Tally()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._failing = False

    def add(self, found: Iterable[Cell]) -> None:
        self.tally.add(found)

    def flush(self) -> bool:
        """Store what was counted since the last flush; False (and the counts kept) when the store fails."""
        counts = self.tally.take()
        if not counts:
            return True
        try:
            self.store.add(counts)
        except Exception as e:  # noqa: BLE001 - counting must never take the bot down
            self.tally.give_back(counts)
            if not self._failing:
                logger.error("Lägesbildens räknare kunde inte sparas (%s); nytt försök om %g s.", type(e).__name__,
                             self.interval)
            self._failing = True
            return False
        if self._failing:
            logger.info("Lägesbildens räknare sparas igen.")
        self._failing = False
        return True

    def _purge(self) -> None:
        try:
            self.store.purge()
        except Exception as e:  # noqa: BLE001 - tried again tomorrow
            logger.error("Gallringen av lägesbildens räknare misslyckades (%s).", type(e).__name__)

    def start(self) -> Recorder:
        """Start the background thread (once) and flush at exit."""
        if self._thread is not None:
            return self

        def loop() -> None:
            self._purge()
            since_purge = 0.0
            while not self._stop.wait(self.interval):
                self.flush()
                since_purge += self.interval
                if since_purge >= 86400:
                    since_purge = 0.0
                    self._purge()

        self._thread = threading.Thread(target=loop, name="lagesbild", daemon=True)
        self._thread.start()
        atexit.register(self.stop)
        return self

    def stop(self) -> None:
        """Stop the thread and store what is left."""
        self._stop.set()
        if self._thread is not None and self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
        self.flush()


def observer(recorder: Recorder, clock: Any = stockholm_now):
    """The hook for `bot.conversation.REPLIED`: every decided reply is counted in *recorder*."""

    def observe(cat: Catalogue, turn: Turn, before: State, move: Move, outcome: Outcome) -> None:
        recorder.add(cells(reply_of(cat, turn, before, move, outcome), iso_week(clock())))

    return observe
