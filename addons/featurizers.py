"""Rasa's bag-of-words featurizer, computing only what eepay's pipeline reads.

Rasa's ``CountVectorsFeaturizer`` turns every message into two matrices: one row per token
(sequence features, for DIET's transformer and CRF entity tagging) and one row for the whole
message (sentence features). eepay's intent classifier reads the sentence features only
(``addons.intent_classifier``), and its entities come from rule extractors, so the per-token
matrix was computed on every message and thrown away: half of the featurizer's work, about a
twentieth of the Rasa server's CPU per turn under load (py-spy, bench/load.py).

``SentenceCountVectorsFeaturizer`` is Rasa's component, trained and configured the same way,
whose ``_create_features`` returns the sentence features exactly as Rasa computes them and no
sequence features. A pipeline that adds DIET or a CRF extractor must use Rasa's
``CountVectorsFeaturizer`` again.
"""

from __future__ import annotations

from typing import Optional

import scipy.sparse
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class SentenceCountVectorsFeaturizer(CountVectorsFeaturizer):
    """``CountVectorsFeaturizer`` with sentence features only."""

    def _create_features(
        self, attribute: str, all_tokens: list[list[str]]
    ) -> tuple[list[Optional[scipy.sparse.spmatrix]], list[Optional[scipy.sparse.spmatrix]]]:
        """No sequence features; the sentence features of Rasa's ``_create_features``."""
        vectorizer = self.vectorizers.get(attribute)
        if not vectorizer:
            return [None], [None]  # as Rasa (one entry, whatever the number of messages)
        sentence_features: list[Optional[scipy.sparse.spmatrix]] = []
        for tokens in all_tokens:
            if not tokens or attribute not in DENSE_FEATURIZABLE_ATTRIBUTES:
                sentence_features.append(None)
                continue
            sentence_vector = vectorizer.transform([" ".join(tokens)])
            sentence_vector.sort_indices()
            sentence_features.append(sentence_vector.tocoo())
        return [None] * len(all_tokens), sentence_features
