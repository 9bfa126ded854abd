"""The sentence-only bag-of-words featurizer: Rasa's sentence features, no sequence features,
and a trained model whose intents are those of the features it keeps."""

from __future__ import annotations

import re

import pytest
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)
from rasa.shared.nlu.constants import ACTION_TEXT, INTENT, TEXT
from sklearn.feature_extraction.text import CountVectorizer

from addons.nlu.featurizers import SentenceCountVectorsFeaturizer, SentenceRegexFeaturizer

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

    root = Path(__file__).resolve().parents[3]
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


def _tokens(text: str, per_character: bool) -> list:
    from rasa.nlu.tokenizers.tokenizer import Token

    unit = r"\S" if per_character else r"\S+"
    return [Token(m.group(), m.start()) for m in re.finditer(unit, text)]


@pytest.mark.parametrize("per_character", [False, True])
def test_regex_sentence_features_are_rasas_on_every_training_message(per_character) -> None:
    """Every regex and lookup table of the project, on every training message and on probes
    that match inside, across and outside tokens."""
    from pathlib import Path

    from rasa.nlu.constants import TOKENS_NAMES
    from rasa.nlu.featurizers.sparse_featurizer.regex_featurizer import RegexFeaturizer
    from rasa.nlu.utils.pattern_utils import extract_patterns
    from rasa.shared.nlu.training_data.loading import load_data
    from rasa.shared.nlu.training_data.message import Message

    data = load_data(str(Path(__file__).resolve().parents[3] / "data" / "nlu"))
    patterns = extract_patterns(data, use_word_boundaries=False)
    assert len(patterns) >= 5
    ours = object.__new__(SentenceRegexFeaturizer)
    rasas = object.__new__(RegexFeaturizer)
    for featurizer in (ours, rasas):
        featurizer.known_patterns = patterns
        featurizer.case_sensitive = False

    texts = [example.get(TEXT) for example in data.intent_examples if example.get(TEXT)]
    texts += ["用招商银行卡付的 T202611220003", "mail me: A@B.CN", "工商 银行", "   ", ""]
    matched = 0
    for attribute in (TEXT, ACTION_TEXT, INTENT):
        for text in texts:
            message = Message({attribute: text})
            message.set(TOKENS_NAMES[attribute], _tokens(text, per_character))
            our_sequence, mine = ours._features_for_patterns(message, attribute)
            _, theirs = rasas._features_for_patterns(message, attribute)
            assert our_sequence is None
            if theirs is None:
                assert mine is None
                continue
            assert mine.shape == theirs.shape and mine.dtype == theirs.dtype
            assert (mine.row.tolist(), mine.col.tolist()) == (
                theirs.row.tolist(),
                theirs.col.tolist(),
            )
            assert mine.data.tolist() == theirs.data.tolist()
            matched += theirs.nnz > 0
    assert matched > 20
