"""Rasa's bag-of-words featurizer, computing only what eepay's pipeline reads.

Rasa's ``CountVectorsFeaturizer`` turns every message into two matrices: one row per token
(sequence features, for DIET's transformer and CRF entity tagging) and one row for the whole
message (sentence features). eepay's intent classifier reads the sentence features only
(``addons.nlu.intent_classifier``), and its entities come from rule extractors, so the per-token
matrix was computed on every message and thrown away: half of the featurizer's work.

``SentenceCountVectorsFeaturizer`` is Rasa's component, trained and configured the same way,
whose ``_create_features`` returns the sentence features exactly as Rasa computes them and no
sequence features. A pipeline that adds DIET or a CRF extractor must use Rasa's
``CountVectorsFeaturizer`` again.

The sentence vector of one message is counted directly in the vectorizer's vocabulary and
built as the sparse matrix Rasa ends with (sorted, in COO form), instead of asking sklearn's
``transform`` for a CSR matrix, sorting it and converting it: for one short message those
steps were SciPy's matrix constructors and checks three times over, costing more than the
counting itself. Same analyzer, same counts, same dtypes
(tests/addons/nlu/test_featurizers.py compares both on every training message).

``SentenceRegexFeaturizer`` is Rasa's ``RegexFeaturizer`` on the same terms: one feature per
pattern (the regexes and lookup tables of data/nlu) set when a match overlaps a token of the
message, for the whole message only. Rasa also fills a per-token matrix and marks every token
with the patterns it matched (both read only by a CRF), searching each pattern with
``re.finditer`` and turning two dense arrays into SciPy matrices per message, work nothing in
this pipeline reads. Here each pattern is compiled once and searched until its first
match that overlaps a token (tests/addons/nlu/test_featurizers.py compares the sentence features
with Rasa's on every training message).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Optional

import numpy as np
import scipy.sparse
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES, TOKENS_NAMES
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)
from rasa.nlu.featurizers.sparse_featurizer.regex_featurizer import RegexFeaturizer
from rasa.shared.nlu.constants import ACTION_TEXT, RESPONSE, TEXT
from rasa.shared.nlu.training_data.message import Message
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


# the attributes whose sentence vector Rasa's RegexFeaturizer fills (the others stay zero)
_SENTENCE_ATTRIBUTES = (RESPONSE, TEXT, ACTION_TEXT)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class SentenceRegexFeaturizer(RegexFeaturizer):
    """``RegexFeaturizer`` with sentence features only."""

    def _compiled_patterns(self) -> list[re.Pattern]:
        """The known patterns compiled with the featurizer's flags (kept while they last)."""
        kept = self.__dict__.get("_compiled")
        if kept is None or kept[0] is not self.known_patterns:
            flags = 0 if self.case_sensitive else re.IGNORECASE
            compiled = [re.compile(pattern["pattern"], flags) for pattern in self.known_patterns]
            kept = self.__dict__["_compiled"] = (self.known_patterns, compiled)
        return kept[1]

    def _features_for_patterns(
        self, message: Message, attribute: str
    ) -> tuple[Optional[scipy.sparse.coo_matrix], Optional[scipy.sparse.coo_matrix]]:
        """No sequence features; the sentence features of Rasa's ``_features_for_patterns``."""
        text = message.get(attribute)
        if not text:
            return None, None
        tokens = message.get(TOKENS_NAMES[attribute], [])
        if not tokens:
            return None, None
        spans = [(token.start, token.end) for token in tokens]
        matched: list[int] = []
        if attribute in _SENTENCE_ATTRIBUTES:
            for index, pattern in enumerate(self._compiled_patterns()):
                if any(
                    start < match.end() and end > match.start()
                    for match in pattern.finditer(text)
                    for start, end in spans
                ):
                    matched.append(index)
        columns = np.array(matched, dtype=np.int32)
        sentence = scipy.sparse.coo_matrix(
            (np.ones(len(columns)), (np.zeros(len(columns), dtype=np.int32), columns)),
            shape=(1, len(self.known_patterns)),
        )
        return None, sentence
