"""NLU component: the language of each message and any explicit request to switch.

Adds ``language`` (zh-Hans, zh-Hant, en, or nothing when the message is too short to tell)
and ``language_request`` to the parse data; the action server's slot extraction
(``actions/language.py``) turns them into the conversation's ``language`` slot.
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

from service_kit.language import detect_language, language_request


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class LanguageDetector(GraphComponent):
    """Sets ``language`` and ``language_request`` in the parse data."""

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
        """Detects the language of every message."""
        for message in messages:
            text = message.get(TEXT) or ""
            detected = detect_language(text)
            if detected:
                message.set("language", detected, add_to_output=True)
            requested = language_request(text)
            if requested:
                message.set("language_request", requested, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Training data needs no language."""
        return training_data
