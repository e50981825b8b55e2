"""The crisis decision: a vote of three signals (no Rasa here).

A message is a crisis if any signal says so:

- the rules (`bot.crisis.assess`: wording of suicide, self-harm or danger right now),
- the classifier (its most likely intent is a crisis intent, at least `classifier_min` likely),
- the semantic neighbour (`bot.semantic`: the nearest crisis examples are closer than the calm ones).

The kind comes from the rules when they fire, else from the classifier, else from the neighbour.
Two exceptions keep false alarms down:

- An idiom ("dog av skratt", "mobilen dog") demotes a crisis guess of the classifier only when the
  neighbour does not call the message a crisis either and the classifier is not sure
  (`idiom_classifier_min`).
- A crisis guess of the classifier weaker than `classifier_min` that neither other signal
  confirms is answered as the next most likely need.
- "Danger right now" is a matter of time ("slår mig" against "slår mig nu") that the rules see and
  the two learned signals often do not. Seen by only one of them (or by a weak classifier guess),
  it is answered as the next most likely need with 112 first (`UNSURE_ACUTE`), as before; when no
  need is likely (`unsure_need_min`), or when both see it, as danger right now.

`needs_semantic` says when the neighbour is worth its cost (20–40 ms): the rules are silent and the
classifier is unsure, blind (a script it has few examples of), near a crisis intent, or guesses a
crisis in a message with an idiom. Otherwise the two cheap signals decide alone.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, Sequence, Tuple

from bot.crisis import NO_INTENT, UNSURE_ACUTE, Assessment
from bot.semantic import CRISIS_KINDS, Opinion

__all__ = ["SIGNALS", "Decision", "Settings", "decide", "needs_semantic"]

SIGNALS = ("rules", "classifier", "semantic")
# Intents that are no need with resources: an unsure "danger now" is never answered as one of these.
NOT_NEEDS = frozenset({"out_of_scope", "greet", "goodbye", "thanks", "about_bot", NO_INTENT,
                       "inform_municipality", "ask_followup", "plea", "retract", "acknowledge", "inform_role"})
# Letters outside Latin (Arabic, Cyrillic, Ethiopic, …): the classifier has few examples there.
_OTHER_SCRIPT = re.compile(r"[^\W\d_a-zA-ZÀ-ɏ]")

Ranking = Sequence[Tuple[str, float]]


@dataclass(frozen=True)
class Settings:
    classifier_min: float = 0.4  # a weaker crisis guess of the classifier is doubt: the neighbour decides
    idiom_classifier_min: float = 0.8  # a classifier crisis guess this sure survives an idiom
    unsure_need_min: float = 0.15  # "danger now" nobody is sure of: answer a need at least this likely, 112 first
    ask_below: float = 0.4  # ask the neighbour when the classifier's best guess is weaker
    ask_crisis_mass: float = 0.2  # … or when the crisis intents together are at least this likely
    signals: Tuple[str, ...] = SIGNALS  # switch a signal off by leaving it out (make bench)


@dataclass(frozen=True)
class Decision:
    kind: str | None  # suicidal | self_harm | acute_danger | None
    intent: str | None  # the intent to answer: the kind, friend_self_harm, a calm intent, or None = unchanged
    hint: str | None = None  # UNSURE_ACUTE: answer `intent` with 112 first
    votes: Dict[str, str | None] = field(default_factory=dict)  # signal -> the kind it saw


def _classifier_kind(ranking: Ranking, settings: Settings) -> Tuple[str | None, float]:
    """The crisis kind the classifier votes for (None below `classifier_min`), and its confidence."""
    if not ranking:
        return None, 0.0
    name, confidence = ranking[0]
    return (CRISIS_KINDS.get(name) if confidence >= settings.classifier_min else None), confidence


def needs_semantic(text: str, rules: Assessment, ranking: Ranking, settings: Settings = Settings()) -> bool:
    """Whether the neighbour's opinion could change the decision and is worth computing."""
    if "semantic" not in settings.signals or rules.kind is not None:
        return False
    kind, confidence = _classifier_kind(ranking, settings)
    if kind is not None:
        return rules.idiom  # a crisis guess stands, unless an idiom may demote it
    top = ranking[0][0] if ranking else None
    if top in CRISIS_KINDS or _OTHER_SCRIPT.search(text or "") or confidence < settings.ask_below:
        return True
    return sum(p for name, p in ranking if name in CRISIS_KINDS) >= settings.ask_crisis_mass


def first_calm(ranking: Ranking, min_confidence: float = 0.0) -> Tuple[str, float]:
    """The best non-crisis intent; out_of_scope when it is weaker than *min_confidence*."""
    for name, confidence in ranking:
        if name in CRISIS_KINDS or name == NO_INTENT:
            continue
        if confidence >= min_confidence:
            return name, confidence
        break
    return "out_of_scope", 0.0


def decide(rules: Assessment, ranking: Ranking, semantic: Opinion | None,
           settings: Settings = Settings()) -> Decision:
    """The vote; *ranking* is the classifier's (intent, probability) list, best first."""
    use = set(settings.signals)
    rules_kind = rules.kind if "rules" in use else None
    classifier_kind, confidence = _classifier_kind(ranking, settings) if "classifier" in use else (None, 0.0)
    semantic_kind = semantic.kind if semantic is not None and "semantic" in use else None
    votes = {"rules": rules_kind, "classifier": classifier_kind, "semantic": semantic_kind}
    if classifier_kind is not None and rules.idiom and semantic_kind is None and rules_kind is None \
            and confidence < settings.idiom_classifier_min:
        votes["classifier"] = classifier_kind = None  # demoted by the idiom
        return Decision(None, first_calm(ranking, 0.3)[0], votes=votes)
    kind = rules_kind or classifier_kind or semantic_kind
    top = ranking[0][0] if ranking else None
    # Danger now seen by one learned signal alone: the likely need with 112 first (module doc).
    need, need_confidence = next(((n, p) for n, p in ranking if n not in CRISIS_KINDS and n not in NOT_NEEDS),
                                 ("out_of_scope", 0.0))
    a_need_is_likely = need_confidence >= settings.unsure_need_min
    if kind == "acute_danger" and rules_kind is None and a_need_is_likely \
            and not (classifier_kind == semantic_kind == "acute_danger"):
        return Decision(None, need, UNSURE_ACUTE, votes)
    if kind is None and top in CRISIS_KINDS and "classifier" in use:
        if top == "acute_danger":  # a weak guess of danger now
            return Decision(None, need, UNSURE_ACUTE, votes) if a_need_is_likely else \
                Decision("acute_danger", "acute_danger", votes=votes)
        return Decision(None, first_calm(ranking)[0], votes=votes)
    if kind is None:
        return Decision(None, None, votes=votes)
    order = [name for name, _ in ranking]
    about_a_friend = kind == "self_harm" and "friend_self_harm" in order and \
        ("self_harm" not in order or order.index("friend_self_harm") < order.index("self_harm"))
    return Decision(kind, "friend_self_harm" if about_a_friend else kind, votes=votes)
