"""Rasa's logistic-regression intent classifier, safe for messages with no features.

Four changes to Rasa's ``LogisticRegressionClassifier``:

* ``C``, the inverse regularisation strength, is configurable (Rasa fixes sklearn's default);
* featureless messages are handled, see below;
* the input row is built from the sentence features alone. Rasa's ``_create_X`` asks the
  message for its combined features, which also stacks every token's sequence features and
  then throws them away, work that outweighed the classification itself. The row is the
  same, column for column.
* at prediction, the probabilities are computed straight from the sentence features: each
  feature block's non-zero entries pick their columns of the trained weights, and a softmax
  follows, as sklearn's multinomial ``predict_proba`` does. Building a scipy matrix per
  message and sklearn's input checks cost more than the arithmetic. Same figures to
  rounding; a test compares them with sklearn's.

An empty message (or one of only whitespace or control characters) has no sentence
features, and Rasa's ``LogisticRegressionClassifier`` fails on it instead of saying "I do not
know". Such messages get no intent and zero confidence, which the FallbackClassifier turns
into ``nlu_fallback`` (the bot asks the customer to rephrase).
"""

from __future__ import annotations

from typing import Optional

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import (
    FEATURE_TYPE_SENTENCE,
    INTENT,
    INTENT_RANKING_KEY,
    INTENT_RESPONSE_KEY,
    RESPONSE_IDENTIFIER_DELIMITER,
    TEXT,
)
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.utils.tensorflow.constants import RANKING_LENGTH
from scipy.sparse import csr_matrix, hstack, vstack
from sklearn.linear_model import LogisticRegression
from sklearn.utils.class_weight import compute_sample_weight

RETRIEVAL_INTENT_WEIGHT = "retrieval_intent_weight"


def has_features(message: Message) -> bool:
    """Whether the message has text and sparse text features (else it cannot be scored)."""
    # look at the feature list; combining the features here would do the work twice
    return bool((message.get(TEXT) or "").strip()) and any(
        f.attribute == TEXT and f.is_sparse() for f in message.features
    )


def sentence_blocks(message: Message) -> list[Features]:
    """The message's sentence features in column order: the sparse ones in pipeline order,
    then the dense ones — the layout of Rasa's ``LogisticRegressionClassifier._create_X``."""
    sentence = [
        f for f in message.features if f.attribute == TEXT and f.type == FEATURE_TYPE_SENTENCE
    ]
    return [f for f in sentence if f.is_sparse()] + [f for f in sentence if f.is_dense()]


def sentence_row(message: Message) -> csr_matrix:
    """The message's sentence features as one row (training)."""
    parts = [csr_matrix(f.features) for f in sentence_blocks(message)]
    return hstack(parts or [csr_matrix([])])


def decision_scores(clf: LogisticRegression, message: Message) -> Optional[np.ndarray]:
    """``clf.decision_function`` of the message's row, from the feature blocks directly;
    None when the blocks are not as wide as the trained weights."""
    coef = clf.coef_
    scores = clf.intercept_.copy()
    offset = 0
    for block in sentence_blocks(message):
        matrix = block.features
        width = matrix.shape[1]
        if offset + width > coef.shape[1] or matrix.shape[0] != 1:
            return None
        if block.is_sparse():
            entries = matrix.tocoo()
            scores += coef[:, offset + entries.col] @ entries.data
        else:
            scores += coef[:, offset : offset + width] @ np.asarray(matrix)[0]
        offset += width
    return scores if offset == coef.shape[1] else None


def _descending(entry: dict) -> float:
    return -entry["confidence"]


def is_multinomial(clf: LogisticRegression) -> bool:
    """Whether ``predict_proba`` is the softmax of the decision function (sklearn's rule)."""
    return not (
        clf.multi_class in ("ovr", "warn")
        or (clf.multi_class == "auto" and (clf.classes_.size <= 2 or clf.solver == "liblinear"))
    )


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class EepayIntentClassifier(LogisticRegressionClassifier):
    """Logistic regression on the sparse features; no intent for featureless messages."""

    @staticmethod
    def get_default_config() -> dict:
        """Rasa's options plus ``C`` (sklearn's default 1.0) and ``retrieval_intent_weight``
        (None: a retrieval intent is one class, as in Rasa)."""
        return {
            **LogisticRegressionClassifier.get_default_config(),
            "C": 1.0,
            RETRIEVAL_INTENT_WEIGHT: None,
        }

    def __init__(self, config: dict, *args: object, **kwargs: object) -> None:
        super().__init__(config, *args, **kwargs)
        self.clf.C = float(self.config["C"])

    def _create_X(self, messages: list[Message]) -> csr_matrix:
        """The classifier's input, one sentence row per message (training and prediction)."""
        return vstack([sentence_row(message) for message in messages])

    def predict_proba(self, messages: list[Message]) -> np.ndarray:
        """Each intent's probability (columns in ``clf.classes_`` order) for each message."""
        rows = [decision_scores(self.clf, m) for m in messages] if is_multinomial(self.clf) else []
        if not rows or any(row is None for row in rows):
            return self.clf.predict_proba(self._create_X(messages))
        scores = np.vstack(rows)
        scores -= scores.max(axis=1, keepdims=True)  # sklearn's softmax, step by step
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=1, keepdims=True)
        return scores

    def train(self, training_data: TrainingData) -> Resource:
        """Rasa's training, or, with ``retrieval_intent_weight``, one class per answer of a
        retrieval intent (``payment_guide/limits``, ``payment_guide/fees``…).

        One linear class for a retrieval intent has to cover every topic of it with one weight
        vector: it leans on what the topics share (怎么, 吗, how, can i), pulls in off-topic
        how-to questions and is unsure of each topic (measured: out-of-scope accuracy and the
        neighbouring intents dropped, knowledge questions fell back). Here each topic is a
        class of its own and the intent's probability is the sum of its topics'. The samples
        are weighted as ``class_weight="balanced"`` weights the intents, so a retrieval intent
        weighs as one intent, times ``retrieval_intent_weight``.
        """
        if self.config[RETRIEVAL_INTENT_WEIGHT] is None:
            return super().train(training_data)
        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        if not examples:
            return self._resource
        intents = [e.get(INTENT) for e in examples]
        answers = [e.get(INTENT_RESPONSE_KEY) or e.get(INTENT) for e in examples]
        weights = compute_sample_weight("balanced", intents)
        weights *= [
            float(self.config[RETRIEVAL_INTENT_WEIGHT]) if e.get(INTENT_RESPONSE_KEY) else 1.0
            for e in examples
        ]
        self.clf.class_weight = None  # balanced per intent, in the sample weights
        self.clf.fit(self._create_X(examples), answers, sample_weight=weights)
        self.persist()
        return self._resource

    def intent_probabilities(self, probabilities: np.ndarray) -> tuple[list[str], np.ndarray]:
        """The intents and their probabilities from the classes' (a retrieval intent's answers
        summed); the classes themselves when they are intents."""
        classes = [str(name) for name in self.clf.classes_]
        intents = [name.split(RESPONSE_IDENTIFIER_DELIMITER, 1)[0] for name in classes]
        if intents == classes:
            return classes, probabilities
        names = sorted(set(intents))
        grouping = np.zeros((len(classes), len(names)))
        grouping[np.arange(len(classes)), [names.index(i) for i in intents]] = 1.0
        return names, probabilities @ grouping

    def _classify(self, messages: list[Message]) -> None:
        """Rasa's ``process``, with the probabilities from :meth:`predict_proba`."""
        intents, table = self.intent_probabilities(self.predict_proba(messages))
        for message, probabilities in zip(messages, table, strict=True):
            pairs = zip(intents, probabilities, strict=True)
            ranking = sorted(({"name": k, "confidence": v} for k, v in pairs), key=_descending)
            intent = ranking[0]
            if self.config[RANKING_LENGTH] > 0:
                ranking = ranking[: self.config[RANKING_LENGTH]]
            message.set(INTENT, intent, add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)

    def process(self, messages: list[Message]) -> list[Message]:
        """Classifies messages with features; the others get no intent."""
        featured = [m for m in messages if has_features(m)]
        if featured:
            self._classify(featured)
        classified = {id(m) for m in featured}
        for message in messages:
            if id(message) not in classified:
                message.set(INTENT, {"name": None, "confidence": 0.0}, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [], add_to_output=True)
        return messages
