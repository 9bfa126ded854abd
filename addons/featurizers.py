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

The sentence vector of one message is counted directly in the vectorizer's vocabulary and
built as the sparse matrix Rasa ends with (sorted, in COO form), instead of asking sklearn's
``transform`` for a CSR matrix, sorting it and converting it: for one short message those
steps were SciPy's matrix constructors and checks three times over, about a twentieth of
the server's CPU per turn (py-spy, bench/load.py). Same analyzer, same counts, same dtypes
(tests/addons/test_featurizers.py compares both on every training message).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Optional

import numpy as np
import scipy.sparse
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)
from sklearn.feature_extraction.text import CountVectorizer


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
            sentence_features.append(self._sentence_vector(vectorizer, " ".join(tokens)))
        return [None] * len(all_tokens), sentence_features

    def _analyzer(self, vectorizer: CountVectorizer) -> Callable[[str], list[str]]:
        """The vectorizer's own analyzer (what ``transform`` builds on every call), kept."""
        analyzers = self.__dict__.setdefault("_analyzers", {})
        analyzer = analyzers.get(id(vectorizer))
        if analyzer is None or analyzer[0] is not vectorizer:
            analyzer = analyzers[id(vectorizer)] = (vectorizer, vectorizer.build_analyzer())
        return analyzer[1]

    def _sentence_vector(self, vectorizer: CountVectorizer, text: str) -> scipy.sparse.coo_matrix:
        """``vectorizer.transform([text])``, sorted, as COO: the counts of the text's terms
        that are in the vocabulary, by vocabulary index."""
        vocabulary = vectorizer.vocabulary_
        counts: dict[int, int] = {}
        for term in self._analyzer(vectorizer)(text):
            index = vocabulary.get(term)
            if index is not None:
                counts[index] = counts.get(index, 0) + 1
        columns = np.array(sorted(counts), dtype=np.int32)
        if vectorizer.binary:
            data = np.ones(len(columns), dtype=vectorizer.dtype)
        else:
            data = np.array([counts[column] for column in columns.tolist()], vectorizer.dtype)
        rows = np.zeros(len(columns), dtype=np.int32)
        return scipy.sparse.coo_matrix((data, (rows, columns)), shape=(1, len(vocabulary)))
