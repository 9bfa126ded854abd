"""Which knowledge answer a product question wants: a response selector on sentence features.

Rasa answers FAQ-like questions with a retrieval intent (``payment_guide/limits``,
``payment_guide/fees``…): the intent classifier learns the retrieval intent itself
(``payment_guide``, a contract intent, so its held-out figures and every rule that routes it
stay as they were), and a response selector picks the answer, written into the message's
``response_selector`` parse data for Rasa's retrieval action (``utter_payment_guide``) or a
custom action to read.

Rasa's own ``ResponseSelector`` is DIET's transformer over token-level features; eepay's
pipeline computes sentence features only (addons/nlu/featurizers.py) and classifies intents
with logistic regression on them (addons/nlu/intent_classifier.py). This selector is that
classifier trained on the response keys instead of the intents: same features, same fast
scoring of one message, same persistence. It trains in well under a second on the knowledge
examples and adds microseconds per message (a dozen rows of weights).

The parse data is Rasa's (``rasa.nlu.selectors.response_selector``)::

    "response_selector": {
        "all_retrieval_intents": ["payment_guide"],
        "payment_guide": {
            "response": {"responses": [], "confidence": 0.93,
                         "intent_response_key": "payment_guide/limits",
                         "utter_action": "utter_payment_guide/limits"},
            "ranking": [{"intent_response_key": "payment_guide/limits", "confidence": 0.93}, …],
        },
    }

except that ``responses`` is left empty: Rasa copies every text variation of the answer
(all languages) into it, and the parse data is stored with every user event of the tracker;
the texts are the domain's, where the response generator reads them by ``utter_action``.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import (
    RESPONSE_SELECTOR_DEFAULT_INTENT,
    RESPONSE_SELECTOR_PREDICTION_KEY,
    RESPONSE_SELECTOR_PROPERTY_NAME,
    RESPONSE_SELECTOR_RANKING_KEY,
    RESPONSE_SELECTOR_RESPONSES_KEY,
    RESPONSE_SELECTOR_RETRIEVAL_INTENTS,
    RESPONSE_SELECTOR_UTTER_ACTION_KEY,
)
from rasa.shared.constants import UTTER_PREFIX
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_RESPONSE_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.utils.tensorflow.constants import RANKING_LENGTH
from scipy.sparse import csr_matrix

from addons.nlu.intent_classifier import EepayIntentClassifier, has_features

logger = logging.getLogger(__name__)

RETRIEVAL_INTENT = "retrieval_intent"


def utter_action(intent_response_key: str) -> str:
    """The response of a response key: ``payment_guide/limits`` -> ``utter_payment_guide/limits``
    (Rasa's ``intent_response_key_to_template_key``)."""
    return f"{UTTER_PREFIX}{intent_response_key}"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class EepayResponseSelector(EepayIntentClassifier):
    """Logistic regression from sentence features to the response key of a retrieval intent."""

    @staticmethod
    def get_default_config() -> dict:
        """The classifier's options, plus the retrieval intent to answer (``None``: all of them,
        under Rasa's ``default`` key) and a shorter ranking."""
        return {**EepayIntentClassifier.get_default_config(), RETRIEVAL_INTENT: None}

    def _selects(self, example: Message) -> bool:
        """Whether a training example teaches this selector: it has a response key, of the
        configured retrieval intent if one is set."""
        if not example.get(INTENT_RESPONSE_KEY) or not example.get(TEXT):
            return False
        wanted = self.config[RETRIEVAL_INTENT]
        return wanted is None or example.get(INTENT) == wanted

    def _create_training_matrix(self, training_data: TrainingData) -> tuple[csr_matrix, list[str]]:
        """Rows of the retrieval examples, labelled by response key (``payment_guide/fees``)."""
        examples = [e for e in training_data.training_examples if self._selects(e)]
        labels = [e.get(INTENT_RESPONSE_KEY) for e in examples]
        if len(set(labels)) < 2:
            # nothing to choose between; an empty matrix makes train() skip fitting
            return csr_matrix((0, 0)), []
        return self._create_X(examples), labels

    @property
    def _trained(self) -> bool:
        return hasattr(self.clf, "classes_")

    def _selector_key(self) -> str:
        return self.config[RETRIEVAL_INTENT] or RESPONSE_SELECTOR_DEFAULT_INTENT

    def _all_retrieval_intents(self) -> list[str]:
        """The retrieval intents the selector answers, from its response keys."""
        return sorted({str(key).split("/", 1)[0] for key in self.clf.classes_})

    def process(self, messages: list[Message]) -> list[Message]:
        """Adds the likeliest answer and the ranking to each message that has features.

        Every message gets a prediction, whatever its intent, as Rasa's selector does: the
        action that answers decides whether to use it (it does for the retrieval intent).
        """
        if not self._trained:
            return messages
        featured = [m for m in messages if has_features(m)]
        if not featured:
            return messages
        keys = self.clf.classes_
        retrieval_intents = self._all_retrieval_intents()
        for message, probabilities in zip(featured, self.predict_proba(featured), strict=True):
            ranking = sorted(
                (
                    {INTENT_RESPONSE_KEY: str(key), PREDICTED_CONFIDENCE_KEY: float(p)}
                    for key, p in zip(keys, probabilities, strict=True)
                ),
                key=lambda entry: -entry[PREDICTED_CONFIDENCE_KEY],
            )
            top = ranking[0]
            if self.config[RANKING_LENGTH] > 0:
                ranking = ranking[: self.config[RANKING_LENGTH]]
            prediction: dict[str, Any] = {
                RESPONSE_SELECTOR_PREDICTION_KEY: {
                    RESPONSE_SELECTOR_RESPONSES_KEY: [],
                    PREDICTED_CONFIDENCE_KEY: top[PREDICTED_CONFIDENCE_KEY],
                    INTENT_RESPONSE_KEY: top[INTENT_RESPONSE_KEY],
                    RESPONSE_SELECTOR_UTTER_ACTION_KEY: utter_action(top[INTENT_RESPONSE_KEY]),
                },
                RESPONSE_SELECTOR_RANKING_KEY: ranking,
            }
            properties = dict(message.get(RESPONSE_SELECTOR_PROPERTY_NAME) or {})
            properties[RESPONSE_SELECTOR_RETRIEVAL_INTENTS] = retrieval_intents
            properties[self._selector_key()] = prediction
            message.set(RESPONSE_SELECTOR_PROPERTY_NAME, properties, add_to_output=True)
        return messages
