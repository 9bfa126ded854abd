"""Rasa's logistic-regression intent classifier, safe for messages with no features.

Three changes to Rasa's ``LogisticRegressionClassifier``:

* ``C``, the inverse regularisation strength, is configurable (Rasa fixes sklearn's default);
* featureless messages are handled, see below;
* the input row is built from the sentence features alone. Rasa's ``_create_X`` asks the
  message for its combined features, which also stacks every token's sequence features and
  then throws them away: the larger part of the classifier's time on each turn (py-spy under
  load). The row is the same, column for column.

An empty message (or one of only whitespace or control characters) has no sentence
features, and Rasa's ``LogisticRegressionClassifier`` fails on it instead of saying "I do not
know". Such messages get no intent and zero confidence, which the FallbackClassifier turns
into ``nlu_fallback`` (the bot asks the customer to rephrase).
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from scipy.sparse import csr_matrix, hstack, vstack


def _has_features(message: Message) -> bool:
    # look at the feature list; combining the features here would do the work twice
    return bool((message.get(TEXT) or "").strip()) and any(
        f.attribute == TEXT and f.is_sparse() for f in message.features
    )


def sentence_row(message: Message) -> csr_matrix:
    """The message's sentence features as one row: the sparse ones in pipeline order, then
    the dense ones — the layout of Rasa's ``LogisticRegressionClassifier._create_X``."""
    sentence = [
        f for f in message.features if f.attribute == TEXT and f.type == FEATURE_TYPE_SENTENCE
    ]
    parts = [csr_matrix(f.features) for f in sentence if f.is_sparse()]
    parts += [csr_matrix(f.features) for f in sentence if f.is_dense()]
    return hstack(parts or [csr_matrix([])])


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class EepayIntentClassifier(LogisticRegressionClassifier):
    """Logistic regression on the sparse features; no intent for featureless messages."""

    @staticmethod
    def get_default_config() -> dict:
        """Rasa's options plus ``C`` (sklearn's default 1.0)."""
        return {**LogisticRegressionClassifier.get_default_config(), "C": 1.0}

    def __init__(self, config: dict, *args: object, **kwargs: object) -> None:
        super().__init__(config, *args, **kwargs)
        self.clf.C = float(self.config["C"])

    def _create_X(self, messages: list[Message]) -> csr_matrix:
        """The classifier's input, one sentence row per message (training and prediction)."""
        return vstack([sentence_row(message) for message in messages])

    def process(self, messages: list[Message]) -> list[Message]:
        """Classifies messages with features; the others get no intent."""
        featured = [m for m in messages if _has_features(m)]
        if featured:
            super().process(featured)
        classified = {id(m) for m in featured}
        for message in messages:
            if id(message) not in classified:
                message.set(INTENT, {"name": None, "confidence": 0.0}, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [], add_to_output=True)
        return messages
