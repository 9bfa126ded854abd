"""The sentence-only bag-of-words featurizer: Rasa's sentence features, no sequence features,
and a trained model whose intents are those of the features it keeps."""

from __future__ import annotations

import pytest
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)
from rasa.shared.nlu.constants import INTENT, TEXT
from sklearn.feature_extraction.text import CountVectorizer

from addons.featurizers import SentenceCountVectorsFeaturizer

TRAINING = ["付款 失败 了", "退款 到 哪 了", "我 忘记 密码", "login failed again", "转 人工"]
PROBES = [["付款", "一直", "失败"], ["refund", "where"], [], ["转", "人工", "谢谢"], ["😀"]]


@pytest.mark.parametrize("analyzer", ["word", "char_wb"])
def test_sentence_features_are_rasas_and_sequence_features_are_skipped(analyzer) -> None:
    vectorizer = CountVectorizer(
        analyzer=analyzer, ngram_range=(1, 4) if analyzer == "char_wb" else (1, 1)
    ).fit(TRAINING)
    ours = object.__new__(SentenceCountVectorsFeaturizer)
    rasas = object.__new__(CountVectorsFeaturizer)
    for featurizer in (ours, rasas):
        featurizer.vectorizers = {TEXT: vectorizer}

    our_sequence, our_sentence = ours._create_features(TEXT, PROBES)
    _, rasa_sentence = rasas._create_features(TEXT, PROBES)
    assert our_sequence == [None] * len(PROBES)
    for mine, theirs in zip(our_sentence, rasa_sentence, strict=True):
        if theirs is None:
            assert mine is None
        else:
            assert mine.shape == theirs.shape and (mine.tocsr() != theirs.tocsr()).nnz == 0

    # labels (intents) get no sentence features from Rasa either; no vectorizer, no features
    ours.vectorizers[INTENT] = vectorizer
    assert ours._create_features(INTENT, [["greet"]]) == ([None], [None])
    assert ours._create_features("unknown", [["x"]]) == ([None], [None])
