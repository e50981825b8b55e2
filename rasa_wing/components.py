"""Custom Rasa NLU components.

- `LinearIntentClassifier`: the intent classifier, `bot.intent_model` (TF-IDF word and
  character n-grams of the folded text, a linear SVM, calibrated probabilities) as a Rasa
  graph component. It needs no featurizer before it.
- `CrisisOverride`: runs after the FallbackClassifier and decides crisis or not by the vote in
  `bot.crisis_vote` (rules, classifier, semantic neighbour); a crisis forces its intent.
"""
from __future__ import annotations

import dataclasses
import logging
import os
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
from bot.crisis import NO_INTENT
from bot.crisis_vote import Decision, decide, needs_semantic
from bot.crisis_vote import Settings as VoteSettings
from bot.intent_model import IntentModel, Settings
from bot.semantic import Encoder, Neighbours, Opinion
from bot.text import fold
from rasa_wing import semantic_hook

logger = logging.getLogger(__name__)

__all__ = ["CrisisOverride", "LinearIntentClassifier"]

#: Rasa's intent for a message the classifier is unsure of (FallbackClassifier); the domain calls it NO_INTENT.
FALLBACK_INTENT = "nlu_fallback"


def vote_ranking(ranking: List[tuple]) -> List[tuple]:
    """Rasa's (intent, confidence) ranking in the domain's names, for the crisis vote."""
    return [(NO_INTENT if name == FALLBACK_INTENT else name, p) for name, p in ranking]


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
        worded = [m for m in messages if self.model and fold(m.get(TEXT) or "")]
        ranked = dict(zip(map(id, worded), self.model.rank([m.get(TEXT) for m in worded]), strict=True)) if worded else {}
        length = int(self.component_config["ranking_length"] or 0)
        for message in messages:
            ranking = [{INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: p} for name, p in ranked.get(id(message), [])]
            message.set(INTENT, ranking[0] if ranking else {INTENT_NAME_KEY: None, PREDICTED_CONFIDENCE_KEY: 0.0},
                        add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking[:length] if length > 0 else ranking, add_to_output=True)
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class CrisisOverride(GraphComponent):
    """The crisis vote (`bot.crisis_vote`) after the classifier: rules, classifier and semantic neighbour.

    Training embeds every intent example for the neighbour (`bot.semantic.Neighbours`). At run
    time the neighbour is asked only when `needs_semantic` says so. Inside the server
    (`rasa_wing.semantic_hook` installed) the message first gets the decision of the two cheap
    signals plus `crisis.ask`, and the hook then embeds it in a worker thread, off the event
    loop, and applies the full vote; elsewhere (rasa test, rasa shell) it is asked inline.
    """

    INDEX_FILE = "semantic_neighbours.npz"

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        # embedding_cache: vectors of training examples already embedded, so that retraining after a
        # small change takes seconds (not used at run time; delete it freely).
        return {"semantic": True, "semantic_margin": 0.01, "embedding_cache": ".cache/semantic-embeddings.npz",
                **{k: v for k, v in dataclasses.asdict(VoteSettings()).items() if k != "signals"}}

    def __init__(self, config: Dict[str, Any], model_storage: ModelStorage | None = None,
                 resource: Resource | None = None, neighbours: Neighbours | None = None) -> None:
        self.component_config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.neighbours = neighbours
        self.settings = VoteSettings(**{k: self.component_config[k] for k in VoteSettings.__dataclass_fields__
                                        if k in self.component_config and k != "signals"})
        self._encoder: Encoder | None = None

    @classmethod
    def create(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> CrisisOverride:
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> CrisisOverride:
        neighbours = None
        margin = float({**cls.get_default_config(), **config}["semantic_margin"])
        if os.environ.get("STODLOTSEN_SEMANTIC", "1") == "0":
            logger.warning("Den semantiska grannen är avstängd (STODLOTSEN_SEMANTIC=0): regler och klassificerare "
                           "avgör krisomröstningen ensamma")
        else:
            try:
                with model_storage.read_from(resource) as directory:
                    path = Path(directory) / cls.INDEX_FILE
                    if path.exists():
                        neighbours = Neighbours.load(path, margin)
            except ValueError:  # nothing stored for this component (semantic off at training)
                pass
        component = cls(config, model_storage, resource, neighbours)
        if neighbours is not None:
            component.encoder()  # load the model and check its hash now, not at the first message
        semantic_hook.register(component)
        return component

    def encoder(self) -> Encoder:
        if self._encoder is None:
            self._encoder = Encoder(threads=1)
        return self._encoder

    def train(self, training_data: TrainingData) -> Resource:
        if not self.component_config["semantic"]:
            return self._resource
        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        if not examples:
            return self._resource
        self._encoder = Encoder(threads=2)
        self.neighbours = Neighbours.build(self._encoder, [e.get(TEXT) for e in examples],
                                           [e.get(INTENT) for e in examples], float(self.component_config["semantic_margin"]),
                                           cache=Path(self.component_config["embedding_cache"]))
        with self._model_storage.write_to(self._resource) as directory:
            self.neighbours.save(Path(directory) / self.INDEX_FILE)
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def semantic_opinion(self, text: str) -> Opinion | None:
        """The neighbour's opinion of *text* (20–35 ms of CPU), or None without a neighbour."""
        if self.neighbours is None:
            return None
        return self.neighbours.opinion(self.encoder().embed([text])[0])

    def process(self, messages: List[Message]) -> List[Message]:
        defer = semantic_hook.active()
        for message in messages:
            text = message.get(TEXT) or ""
            ranking = [(r.get("name"), r.get("confidence") or 0.0) for r in message.get(INTENT_RANKING_KEY) or []]
            assessment = crisis.assess(text)
            votable = vote_ranking(ranking)
            ask = self.neighbours is not None and needs_semantic(text, assessment, votable, self.settings)
            opinion = self.semantic_opinion(text) if ask and not defer else None
            decision = decide(assessment, votable, opinion, self.settings)
            for key, value in self.result(message.get(INTENT), ranking, assessment, decision, opinion,
                                          ask and defer).items():
                message.set(key, value, add_to_output=True)
        return messages

    def revote(self, parse_data: Dict[str, Any], opinion: Opinion | None) -> None:
        """Apply the full vote to parse data the graph left with `crisis.ask` (semantic_hook)."""
        info = parse_data.get("crisis") or {}
        ranking = [tuple(r) for r in info.get("ranking") or []]
        assessment = crisis.Assessment(kind=info.get("rule_kind"), idiom=bool(info.get("idiom")), rule=info.get("rule"))
        decision = decide(assessment, vote_ranking(ranking), opinion, self.settings)
        original = {INTENT_NAME_KEY: ranking[0][0], PREDICTED_CONFIDENCE_KEY: ranking[0][1]} if ranking else None
        parse_data.update(self.result(original, ranking, assessment, decision, opinion, False))

    @staticmethod
    def result(intent: Dict[str, Any] | None, ranking: List[tuple], assessment: crisis.Assessment,
               decision: Decision, opinion: Opinion | None, pending: bool) -> Dict[str, Any]:
        """intent, intent_ranking and crisis for the parse data. `crisis.rule` is a pattern id and
        `crisis.votes` the kind each signal saw – never user text."""
        out: Dict[str, Any] = {}
        if decision.intent is not None:
            confidence = 1.0 if decision.kind else next((p for n, p in ranking if n == decision.intent), 0.0)
            if decision.kind and decision.kind != assessment.kind:
                logger.info("Krisomröstningen gav %s (%s)", decision.intent,
                            ", ".join(s for s, k in decision.votes.items() if k))
            forced = {INTENT_NAME_KEY: decision.intent, PREDICTED_CONFIDENCE_KEY: confidence}
            rest = [{INTENT_NAME_KEY: n, PREDICTED_CONFIDENCE_KEY: p} for n, p in ranking if n != decision.intent]
            out[INTENT], out[INTENT_RANKING_KEY] = forced, [forced, *rest]
        elif intent is not None and ranking:
            out[INTENT] = intent
            out[INTENT_RANKING_KEY] = [{INTENT_NAME_KEY: n, PREDICTED_CONFIDENCE_KEY: p} for n, p in ranking]
        info: Dict[str, Any] = {"kind": decision.kind, "rule": assessment.rule, "idiom": assessment.idiom,
                                "hint": decision.hint, "votes": decision.votes,
                                "semantic": opinion.as_dict() if opinion is not None else None}
        if pending:  # what semantic_hook needs to vote again with the neighbour
            info.update(ask=True, rule_kind=assessment.kind, ranking=[list(r) for r in ranking])
        out["crisis"] = info
        return out
