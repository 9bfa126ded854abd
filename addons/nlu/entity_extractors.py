"""Rule-based entity extractors.

Closed lists (``bank``, ``payment_method``) come from the lookup tables in data/nlu, matched
longest first on the normalised text (so 招商銀行 and 招商银行 are one bank), without needing
annotated training examples; EntitySynonymMapper then maps them to canonical values.

The other extractors are for the entities whose value must be computed, not just found.

``amount`` and ``date`` need normalising (``两百块`` -> 200, ``昨天`` -> 2026-11-25), which
neither DIET nor a lookup table can do; Duckling would, but it is a separate server with no
Chinese money support. Identifiers (transaction ids, phone numbers, emails) are patterns with
a canonical form (upper-case ids, digits-only phones). All run on the normalised text
(``addons.nlu.normalise``), whose offsets equal the original's.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.nlu.extractors.regex_entity_extractor import RegexEntityExtractor
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from addons.nlu.normalise import normalise
from service_kit.amounts import amount_to_json_number, find_amounts
from service_kit.dates import find_dates


class _RuleExtractor(GraphComponent, EntityExtractorMixin):
    """Shared plumbing: no training, entities appended to the message."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> GraphComponent:
        """Creates the component; there is nothing to train or load."""
        return cls()

    def extract(self, text: str) -> list[dict[str, Any]]:
        """Entities found in the normalised ``text``."""
        raise NotImplementedError

    def process(self, messages: list[Message]) -> list[Message]:
        """Appends this extractor's entities to every message."""
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            entities = self.add_extractor_name(self.extract(normalise(text)))
            if entities:
                # the span text comes from the original, as the customer wrote it
                for entity in entities:
                    entity["text"] = text[entity["start"] : entity["end"]]
                message.set(ENTITIES, message.get(ENTITIES, []) + entities, add_to_output=True)
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class AmountEntityExtractor(_RuleExtractor):
    """``amount`` entities as a number of yuan: ``¥199``, ``两百块``, ``一百二十元五角``."""

    def extract(self, text: str) -> list[dict[str, Any]]:
        """Amount entities of ``text``."""
        return [
            {
                "entity": "amount",
                "start": match.start,
                "end": match.end,
                "value": amount_to_json_number(match.value),
                "confidence_entity": 1.0,
            }
            for match in find_amounts(text)
        ]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class DateEntityExtractor(_RuleExtractor):
    """``date`` entities as ISO dates in Asia/Shanghai: ``昨天``, ``上周五``, ``11月20号``."""

    def extract(self, text: str) -> list[dict[str, Any]]:
        """Date entities of ``text``."""
        return [
            {
                "entity": "date",
                "start": match.start,
                "end": match.end,
                "value": match.value.isoformat(),
                "confidence_entity": 1.0,
            }
            for match in find_dates(text)
        ]


_TRANSACTION_ID = re.compile(r"(?<![A-Za-z0-9])[Tt]\d{12}(?!\d)")
_PHONE = re.compile(r"(?<![\d+])(?:\+?86[- ]?)?(1[3-9]\d(?:[- ]?\d{4}){2})(?!\d)")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class IdentifierEntityExtractor(_RuleExtractor):
    """``transaction_id`` (T + 12 digits), ``phone_number`` and ``email``, canonicalised."""

    def extract(self, text: str) -> list[dict[str, Any]]:
        """Identifier entities of ``text``."""
        entities: list[dict[str, Any]] = []
        for entity, pattern, canonical in (
            ("transaction_id", _TRANSACTION_ID, lambda m: m.group(0).upper()),
            ("phone_number", _PHONE, lambda m: re.sub(r"\D", "", m.group(1))),
            ("email", _EMAIL, lambda m: m.group(0).lower()),
        ):
            for match in pattern.finditer(text):
                entities.append(
                    {
                        "entity": entity,
                        "start": match.start(),
                        "end": match.end(),
                        "value": canonical(match),
                        "confidence_entity": 1.0,
                    }
                )
        return entities


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class LookupEntityExtractor(RegexEntityExtractor):
    """Entities from lookup tables, longest match first, on the normalised text.

    Rasa's ``RegexEntityExtractor`` only extracts lookup tables whose name appears in
    annotated training examples, matches on the raw text and lets overlapping matches of
    different tables through. This one takes the lookup tables named in its ``entities``
    option, and of overlapping matches keeps the longest (招商银行卡 is the bank, not 银行卡).
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """``entities``: the lookup tables to extract (all of them when empty)."""
        return {**RegexEntityExtractor.get_default_config(), "entities": []}

    def train(self, training_data: TrainingData) -> Resource:
        """Keeps the wanted lookup tables as one longest-first pattern each."""
        wanted = set(self._config["entities"])
        self.patterns = []
        for table in training_data.lookup_tables:
            if wanted and table["name"] not in wanted:
                continue
            elements = sorted(
                {normalise(str(e)).strip() for e in table["elements"] if str(e).strip()},
                key=len,
                reverse=True,
            )
            if elements:
                pattern = "|".join(re.escape(e) for e in elements)
                self.patterns.append({"name": table["name"], "pattern": pattern})
        self.persist()
        return self._resource

    def _extract_entities(self, message: Message) -> list[dict[str, Any]]:
        text = message.get(TEXT) or ""
        normalised = normalise(text)
        candidates = [
            (match.start(), match.end(), pattern["name"])
            for pattern in self.patterns
            for match in re.finditer(pattern["pattern"], normalised, flags=re.IGNORECASE)
        ]
        chosen: list[tuple] = []
        for start, end, name in sorted(candidates, key=lambda c: (c[0] - c[1], c[0])):
            if all(end <= s or start >= e for s, e, _ in chosen):
                chosen.append((start, end, name))
        return [
            {
                "entity": name,
                "start": start,
                "end": end,
                # the normalised form, so synonyms match 招商銀行 as 招商银行
                "value": normalised[start:end],
                "text": text[start:end],
            }
            for start, end, name in sorted(chosen)
        ]
