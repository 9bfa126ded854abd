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


def _project_texts() -> list[str]:
    """Every training example of the project, tokenised on characters and spaces."""
    from pathlib import Path

    from rasa.shared.nlu.training_data.loading import load_data

    root = Path(__file__).resolve().parents[2]
    data = load_data(str(root / "data" / "nlu"))
    return [" ".join(example.get(TEXT)) for example in data.intent_examples if example.get(TEXT)]


@pytest.mark.parametrize("binary", [False, True])
@pytest.mark.parametrize("analyzer", ["word", "char_wb"])
def test_each_sentence_vector_is_exactly_sklearns(analyzer, binary) -> None:
    """Same terms, counts, order and dtypes as ``transform`` on every training message, and
    on messages with repeated and unknown terms."""
    texts = _project_texts()
    assert len(texts) > 1000
    vectorizer = CountVectorizer(
        analyzer=analyzer,
        ngram_range=(1, 4) if analyzer == "char_wb" else (1, 1),
        token_pattern=r"(?u)\b\w+\b",
        binary=binary,
    ).fit(texts)
    ours = object.__new__(SentenceCountVectorsFeaturizer)
    rasas = object.__new__(CountVectorsFeaturizer)
    for featurizer in (ours, rasas):
        featurizer.vectorizers = {TEXT: vectorizer}
    probes = [text.split() for text in texts] + [
        ["退", "款", "退", "款", "退", "款"],
        ["zzz", "未", "知"],
        ["😀", "😀"],
    ]
    _, mine = ours._create_features(TEXT, probes)
    _, theirs = rasas._create_features(TEXT, probes)
    for our_vector, rasa_vector in zip(mine, theirs, strict=True):
        assert our_vector.format == rasa_vector.format == "coo"
        assert our_vector.shape == rasa_vector.shape
        for part in ("row", "col", "data"):
            ours_part, rasas_part = getattr(our_vector, part), getattr(rasa_vector, part)
            assert ours_part.dtype == rasas_part.dtype
            assert ours_part.tolist() == rasas_part.tolist()
