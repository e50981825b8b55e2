"""Custom Rasa NLU components. The only module in `bot/` besides channels that imports Rasa.

- `FoldingWhitespaceTokenizer`: whitespace tokens whose lemma is the folded form
  ("mår" → "mar"), so "jag mar daligt" and "jag mår dåligt" get the same word features.
- `CrisisOverride`: runs after the FallbackClassifier and forces the crisis intents when
  `bot.crisis` recognises suicide, self-harm or danger-right-now wording, whatever the
  classifier said; an idiom ("dog av skratt") with no crisis wording demotes a crisis intent.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot import crisis
from bot.crisis import UNSURE_ACUTE
from bot.text import normalize

logger = logging.getLogger(__name__)

CRISIS_INTENTS = ("suicidal", "self_harm", "acute_danger")
CALM_FALLBACK_INTENT = "out_of_scope"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class FoldingWhitespaceTokenizer(WhitespaceTokenizer):
    """WhitespaceTokenizer whose token lemmas are lower-cased and folded (å/ä → a, ö → o)."""

    def tokenize(self, message: Message, attribute: str) -> List[Token]:
        tokens = super().tokenize(message, attribute)
        if attribute == TEXT:
            for token in tokens:
                token.lemma = normalize(token.text) or token.text
        return tokens


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class CrisisOverride(GraphComponent):
    """Deterministic crisis safety net after the ML classifier."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        # After an idiom demotes a crisis guess, a runner-up weaker than this becomes out_of_scope.
        return {"idiom_min_confidence": 0.3}

    def __init__(self, config: Dict[str, Any]) -> None:
        self.component_config = config

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> CrisisOverride:
        return cls(config)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._process_one(message)
        return messages

    def _process_one(self, message: Message) -> None:
        text = message.get(TEXT) or ""
        assessment = crisis.assess(text)
        predicted = (message.get(INTENT) or {}).get("name")
        hint = None
        if assessment.kind is not None:
            if predicted != assessment.kind:
                logger.info("Krisskiktet ändrade avsikt till %s (regel %s)", assessment.kind, assessment.rule)
            self._set_intent(message, assessment.kind)
        elif assessment.idiom and predicted in CRISIS_INTENTS:
            # An idiom and a weak runner-up is small talk ("kniven var så slö att vi inte kunde skära löken").
            calm, calm_confidence = self._first_calm_intent(message, self.component_config["idiom_min_confidence"])
            logger.info("Krisskiktet såg ett uttryck och ändrade avsikt till %s", calm)
            self._set_intent(message, calm, calm_confidence)
        elif predicted == "acute_danger":
            # Only the classifier thinks "danger now"; no rule confirms it. Answer the next most
            # likely need, with 112 first (see actions/route.py): 112 is never lost, and a
            # frightened or lonely child still gets the support that fits.
            calm, calm_confidence = self._first_calm_intent(message)
            logger.info("Osäker akut-avsikt utan regel; svarar %s med 112 först", calm)
            self._set_intent(message, calm, calm_confidence)
            hint = UNSURE_ACUTE
        message.set("crisis", {"kind": assessment.kind, "rule": assessment.rule, "idiom": assessment.idiom,
                               "hint": hint}, add_to_output=True)

    @staticmethod
    def _first_calm_intent(message: Message, min_confidence: float = 0.0) -> tuple[str, float]:
        """The best non-crisis intent; out_of_scope when it is weaker than *min_confidence*."""
        for candidate in message.get(INTENT_RANKING_KEY) or []:
            name: str | None = candidate.get("name")
            if name and name not in CRISIS_INTENTS and name != "nlu_fallback":
                confidence = candidate.get("confidence") or 0.0
                if confidence >= min_confidence:
                    return name, confidence
                break
        return CALM_FALLBACK_INTENT, 0.0

    @staticmethod
    def _set_intent(message: Message, name: str, confidence: float = 1.0) -> None:
        forced = {"name": name, "confidence": confidence}
        ranking = [r for r in (message.get(INTENT_RANKING_KEY) or []) if r.get("name") != name]
        message.set(INTENT, forced, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [forced, *ranking], add_to_output=True)
