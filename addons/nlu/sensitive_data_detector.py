"""Flags messages in which the customer typed a secret (password, code, card number).

The input channels mask secrets before Rasa sees the text (``channels.guard``) and pass the
kinds they masked in ``metadata["redacted"]``; messages that reach Rasa another way (the
HTTP API, ``rasa shell``) are checked here directly. The flag travels in the parse data as
``sensitive_data``; ``addons.nlg`` reads it to warn the customer. The request around the
secret ("密码是****** 登不上") is classified as usual.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from addons.nlu.normalise import normalise
from service_kit.redaction import find_secrets

SENSITIVE_DATA = "sensitive_data"
REDACTED_KEY = "redacted"  # set by channels.guard


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SensitiveDataDetector(GraphComponent):
    """Adds ``sensitive_data: [kinds]`` to the parse data of messages that contain secrets."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> GraphComponent:
        """Creates the component; there is nothing to train."""
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        """Flags every message that contains a secret."""
        for message in messages:
            metadata = message.get("metadata")
            kinds = list(metadata.get(REDACTED_KEY) or []) if isinstance(metadata, dict) else []
            text = message.get(TEXT)
            if text:
                kinds += [s.kind for s in find_secrets(normalise(text))]
            kinds = list(dict.fromkeys(kinds))
            if kinds:
                message.set(SENSITIVE_DATA, kinds, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Training data needs no flag."""
        return training_data
