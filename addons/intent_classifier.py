"""Rasa's logistic-regression intent classifier, safe for messages with no features.

Two additions to Rasa's ``LogisticRegressionClassifier``:

* ``C``, the inverse regularisation strength, is configurable (Rasa fixes sklearn's default);
* featureless messages are handled, see below.

An empty message (or one of only whitespace or control characters) has no sentence
features, and Rasa's ``LogisticRegressionClassifier`` fails on it instead of saying "I do not
know". Such messages get no intent and zero confidence, which the FallbackClassifier turns
into ``nlu_fallback`` (the bot asks the customer to rephrase).
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message


def _has_features(message: Message) -> bool:
    # look at the feature list; combining the features here would do the work twice
    return bool((message.get(TEXT) or "").strip()) and any(
        f.attribute == TEXT and f.is_sparse() for f in message.features
    )


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
