"""`BoundedRulePolicy`: Rasa's RulePolicy, comparing its rules with only the last turns they can
match instead of the whole conversation at every prediction (see the class docstring). On a Rasa
other than the tested one it is RulePolicy itself (rasa_wing/compat.py)."""
from __future__ import annotations

import itertools
from typing import Any, Dict, List

from rasa.core.featurizers.tracker_featurizers import TrackerFeaturizer
from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH, RulePolicy
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.constants import PREVIOUS_ACTION, SHOULD_NOT_BE_SET, USER
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    Restarted,
    SessionStarted,
    UserUtteranceReverted,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import ACTION_NAME, INTENT

from rasa_wing import compat

# RulePolicy's members this policy overrides or relies on, as in Rasa 3.6.21.
TARGETS = (
    compat.Target(RulePolicy, "_prediction_states",
                  ("self", "tracker", "domain", "use_text_for_last_user_input", "rule_only_data")),
    compat.Target(RulePolicy, "_get_possible_keys", ("self", "lookup", "states")),
    compat.Target(RulePolicy, "_rule_key_to_state", ("rule_key",)),
    compat.Target(TrackerFeaturizer, "_choose_last_user_input",
                  ("self", "trackers_as_states", "use_text_for_last_user_input")),
    compat.Target(Domain, "_clean_state", ("state",)),
    compat.Target(Domain, "get_active_state", ("self", "tracker", "omit_unset_slots")),
    compat.Target(DialogueStateTracker, "past_states",
                  ("self", "domain", "omit_unset_slots", "ignore_rule_only_turns", "rule_only_data")),
    compat.Target(DialogueStateTracker, "init_copy", ("self",)),
    compat.Target(DialogueStateTracker, "applied_events", ("self",)),
    compat.Target(DialogueStateTracker, "update", ("self", "event", "domain")),
)


def _tested() -> bool:
    """Whether this Rasa is the one the policy was written for; if not, says so in one log line."""
    reason = compat.refusal(TARGETS)
    if reason:
        compat.refuse("BoundedRulePolicy (rasa_wing/policy.py) arbetar som RulePolicy", reason)
    return reason is None


class _StateHistory:
    """One tracker's dialogue states so far (the last ones a rule can match) and a replay of its
    events, to carry on from when more events have been added."""

    __slots__ = ("domain", "count", "last", "replay", "states", "window")

    def __init__(self, domain: Domain, count: int, last: Any, replay: DialogueStateTracker, states: List[State]):
        self.domain, self.count, self.last, self.replay, self.states = domain, count, last, replay, states
        self.window: List[State] = []  # the last states for `count` events, as `last_states` returns them


def _turn_check(rule_state: State) -> tuple:
    """(whether the rule's turn has a previous action, the conditions RulePolicy's
    `_does_rule_match_state` checks: (part, key, value), value None for "must not be set")."""
    conditions = []
    for part, sub_state in rule_state.items():
        for key, value in sub_state.items():
            if isinstance(value, list):  # JSON gives lists for tuples
                value = tuple(value)
            if value == SHOULD_NOT_BE_SET:
                conditions.append((part, key, None))
            elif value:
                conditions.append((part, key, value))
    return bool(rule_state.get(PREVIOUS_ACTION)), tuple(conditions)


class _RuleChecks:
    """A rule table's prepared turns (see `_turn_check`), and its rules by what their last turn
    needs as previous action and intent (None: anything)."""

    def __init__(self, lookup: Dict[str, str], key_to_states: Any) -> None:
        self.keys = list(lookup.keys())
        self.checks = {key: tuple(_turn_check(state) for state in reversed(key_to_states(key))) for key in self.keys}
        self._by_need: Dict[tuple, set] = {}
        for key, turns in self.checks.items():
            # A turn without a previous action (a conversation start) matches any other start
            # whatever else it says (RulePolicy's `_is_rule_applicable`): it can match anything.
            has_previous, conditions = turns[0] if turns else (False, ())
            needs = dict(((part, name), value) for part, name, value in conditions) if has_previous else {}
            need = (_as_key(needs.get((PREVIOUS_ACTION, ACTION_NAME))), _as_key(needs.get((USER, INTENT))))
            self._by_need.setdefault(need, set()).add(key)
        self._candidates: Dict[tuple, frozenset] = {}
        self._every = frozenset(self.keys)

    def candidates(self, state: State) -> frozenset:
        """The rules whose last turn can match *state*, as far as previous action and intent go."""
        have = ((state.get(PREVIOUS_ACTION) or {}).get(ACTION_NAME), (state.get(USER) or {}).get(INTENT))
        try:
            found = self._candidates.get(have)
        except TypeError:  # a value that cannot be a key (Rasa's states never have one): every rule
            return self._every
        if found is None:
            action, intent = have
            found = frozenset().union(*(self._by_need.get(need, ()) for need in
                                        {(action, intent), (action, None), (None, intent), (None, None)}))
            self._candidates[have] = found
        return found


def _as_key(value: Any) -> Any:
    """*value* if it can be a dict key, else None ("anything": the rule is then always tried)."""
    try:
        hash(value)
    except TypeError:
        return None
    return value


def _applicable(turns: tuple, i: int, state: State, has_previous: bool) -> bool:
    """RulePolicy's `_is_rule_applicable` on a rule's prepared turns (see `_turn_check`)."""
    if i >= len(turns):
        return True
    rule_has_previous, conditions = turns[i]
    if not rule_has_previous or not has_previous:
        return not rule_has_previous and not has_previous
    for part, key, value in conditions:
        got = state.get(part, {}).get(key)
        if value is None:
            if got and got != SHOULD_NOT_BE_SET:
                return False
        elif got != value:
            return False
    return True


# Events after which the earlier states are worked out again from the start, as Rasa does: they
# start a new session, undo turns, or (forms) change which earlier events count.
_REWRITING_EVENTS = (Restarted, SessionStarted, ActionReverted, UserUtteranceReverted, ActiveLoop)
_HISTORY = "_stodlotsen_rule_states"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True)
class BoundedRulePolicy(RulePolicy):
    """Rasa's RulePolicy, comparing its rules with only the last turns they can match.

    At every prediction (two per message) RulePolicy turns the whole conversation into dialogue
    states twice (once showing the last message as text, once as intent), replaying every event
    of it, compares every rule with every state, deep-copies all states for a debug log line and,
    when no rule matches, writes all states into a text key. A rule can only match as many turns
    as it is long, so the policy Rasa loads to predict keeps the states of the last turns its
    longest rule can cover (plus one). It works them out once per prediction, and only for the
    events added since the tracker's previous prediction: a state depends only on the events
    before it, so the states already worked out stay as they were (after events that start a
    new session, undo turns or belong to forms, all states are worked out again from the start).
    The same rules match and the same actions are predicted (tested against RulePolicy).
    Training is RulePolicy's own. On an untested Rasa every override hands over to RulePolicy.
    """

    _window: int | None = None  # set on the policy Rasa loads to predict
    _bounded = True  # False on an untested Rasa: RulePolicy's own members are used

    @classmethod
    def create(cls, *args: Any, **kwargs: Any) -> BoundedRulePolicy:
        policy = super().create(*args, **kwargs)
        policy._bounded = _tested()
        return policy

    @classmethod
    def load(cls, *args: Any, **kwargs: Any) -> BoundedRulePolicy:
        policy = super().load(*args, **kwargs)
        policy._bounded = _tested()
        policy._window = policy.rule_window() if policy._bounded else None
        return policy

    def rule_window(self) -> int | None:
        """The states a prediction needs: the longest rule's plus one (None without rules)."""
        rules = [*self.lookup.get(RULES, {}), *self.lookup.get(RULES_FOR_LOOP_UNHAPPY_PATH, {})]
        return max(len(self._rule_key_to_state(key)) for key in rules) + 1 if rules else None

    def _prediction_states(self, tracker: DialogueStateTracker, domain: Domain,
                           use_text_for_last_user_input: bool = False,
                           rule_only_data: Dict[str, Any] | None = None) -> List[State]:
        if not self._window:
            return super()._prediction_states(tracker, domain, use_text_for_last_user_input, rule_only_data)
        # The states do not depend on rule_only_data (RulePolicy's featurizer keeps rule-only turns here).
        # Then the last user turn shown as text or as intent: this edits the user part of the
        # states in place, so it gets copies.
        window = [{part: dict(value) if part == USER else value for part, value in state.items()}
                  for state in self.last_states(tracker, domain)]
        self.featurizer._choose_last_user_input([window], use_text_for_last_user_input)
        return window

    def _get_possible_keys(self, lookup: Dict[str, str], states: List[State]) -> set:
        """RulePolicy's `_get_possible_keys`, with each rule's turns read and reversed once, not
        at every check (JSON lists as tuples, the conditions that can fail listed in advance),
        and at the last turn only the rules whose previous action and intent can be the
        state's. The sets are built in the same order as RulePolicy builds them."""
        if not self._bounded:
            return super()._get_possible_keys(lookup, states)
        rules = self._rule_checks(lookup)
        possible_keys = set(rules.keys)
        for i, state in enumerate(reversed(states)):
            has_previous = bool(state.get(PREVIOUS_ACTION))
            if i == 0:
                candidates = rules.candidates(state)
                possible_keys = {key for key in possible_keys
                                 if key in candidates and _applicable(rules.checks[key], 0, state, has_previous)}
            else:
                possible_keys = set(filter(lambda key: _applicable(rules.checks[key], i, state, has_previous),
                                           possible_keys))
        return possible_keys

    def _rule_checks(self, lookup: Dict[str, str]) -> _RuleChecks:
        cached = self.__dict__.setdefault("_checks", {}).get(id(lookup))
        if cached is not None and cached[0] is lookup and cached[1] == len(lookup):
            return cached[2]
        rules = _RuleChecks(lookup, self._rule_key_to_state)
        self.__dict__["_checks"][id(lookup)] = (lookup, len(lookup), rules)
        return rules

    def last_states(self, tracker: DialogueStateTracker, domain: Domain) -> List[State]:
        """The last `_window` of the tracker's states, as RulePolicy's featurizer makes them
        (`tracker.past_states(domain)`: one state before each action and one for now)."""
        events = tracker.events
        history: _StateHistory | None = tracker.__dict__.get(_HISTORY)
        new = None
        if (history is not None and history.domain is domain and len(events) >= history.count > 0
                and events[history.count - 1] is history.last):
            new = list(itertools.islice(events, history.count, None))
            if not new:  # asked again for the same events (RulePolicy asks twice per prediction)
                return history.window
            if any(isinstance(e, _REWRITING_EVENTS) for e in new):
                new = None
        if new is None:  # from the start, over the events that count, as generate_all_prior_trackers does
            if any(isinstance(e, ActiveLoop) for e in events):
                tracker.__dict__.pop(_HISTORY, None)
                return tracker.past_states(domain)[-self._window:]
            history = _StateHistory(domain, 0, None, tracker.init_copy(), [])
            new = tracker.applied_events()
        for event in new:
            if isinstance(event, ActionExecuted):
                history.states.append(domain._clean_state(domain.get_active_state(history.replay)))
            history.replay.update(event)
        del history.states[:-self._window]
        history.count, history.last = len(events), (events[-1] if events else None)
        if history.count:
            tracker.__dict__[_HISTORY] = history
        now = domain._clean_state(domain.get_active_state(history.replay))
        history.window = [*history.states, now][-self._window:]
        return history.window
