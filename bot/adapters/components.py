"""Custom Rasa NLU components.

- `LinearIntentClassifier`: the intent classifier, `bot.intent_model` (TF-IDF word and
  character n-grams of the folded text, a linear SVM, calibrated probabilities) as a Rasa
  graph component. It needs no featurizer before it.
- `CrisisOverride`: runs after the FallbackClassifier and forces the crisis intents when
  `bot.crisis` recognises suicide, self-harm or danger-right-now wording, whatever the
  classifier said; an idiom ("dog av skratt") with no crisis wording demotes a crisis intent.
"""
from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers import LABEL_RANKING_LENGTH
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot import crisis
from bot.crisis import UNSURE_ACUTE
from bot.intent_model import IntentModel, Settings
from bot.text import normalize

logger = logging.getLogger(__name__)

CALM_FALLBACK_INTENT = "out_of_scope"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentClassifier(IntentClassifier, GraphComponent):
    """Intent classifier on the message text (see `bot.intent_model`)."""

    MODEL_FILE = "intent_model.skops"

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        defaults = {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(Settings()).items()}
        return {**defaults, "ranking_length": LABEL_RANKING_LENGTH}

    @staticmethod
    def required_packages() -> List[str]:
        return ["sklearn", "skops"]

    def __init__(self, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 model: IntentModel | None = None) -> None:
        self.component_config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.model = model

    @classmethod
    def create(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> LinearIntentClassifier:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        if not examples:
            logger.warning("Inga träningsexempel med avsikt: klassificeraren tränas inte.")
            return self._resource
        self.model = IntentModel.train([e.get(TEXT) for e in examples], [e.get(INTENT) for e in examples],
                                       Settings.from_config(self.component_config))
        with self._model_storage.write_to(self._resource) as directory:
            self.model.save(Path(directory) / self.MODEL_FILE)
        return self._resource

    @classmethod
    def load(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> LinearIntentClassifier:
        try:
            with model_storage.read_from(resource) as directory:
                model = IntentModel.load(Path(directory) / cls.MODEL_FILE)
        except ValueError as e:  # no trained model in the storage (Rasa raises ValueError), or a refused file
            logger.error("Avsiktsmodellen kunde inte läsas (%s); bara krislagret tolkar meddelanden, allt annat "
                         "blir 'förstod inte'. Träna om med make train.", e)
            model = None
        return cls(config, model_storage, resource, model)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        """Set intent and intent_ranking. A message with no words (empty, only emoji) gets no
        intent, which the FallbackClassifier turns into nlu_fallback."""
        worded = [m for m in messages if self.model and normalize(m.get(TEXT) or "")]
        ranked = dict(zip(map(id, worded), self.model.rank([m.get(TEXT) for m in worded]), strict=True)) if worded else {}
        length = int(self.component_config["ranking_length"] or 0)
        for message in messages:
            ranking = [{INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: p} for name, p in ranked.get(id(message), [])]
            message.set(INTENT, ranking[0] if ranking else {INTENT_NAME_KEY: None, PREDICTED_CONFIDENCE_KEY: 0.0},
                        add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking[:length] if length > 0 else ranking, add_to_output=True)
        return messages


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
        elif assessment.idiom and predicted in crisis.KINDS:
            # An idiom and a weak runner-up is small talk ("kniven var så slö att vi inte kunde skära löken").
            calm, calm_confidence = self._first_calm_intent(message, self.component_config["idiom_min_confidence"])
            logger.info("Krisskiktet såg ett uttryck och ändrade avsikt till %s", calm)
            self._set_intent(message, calm, calm_confidence)
        elif predicted == "acute_danger":
            # Only the classifier thinks "danger now"; no rule confirms it. Answer the next most
            # likely need, with 112 first (see bot/conversation.py): 112 is never lost, and a
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
            if name and name not in crisis.KINDS and name != "nlu_fallback":
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
