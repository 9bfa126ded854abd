"""The classifier's input rows are Rasa's, built without stacking the sequence features."""

from __future__ import annotations

import numpy as np
import pytest
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from scipy.sparse import random as sparse_random
from sklearn.linear_model import LogisticRegression

from addons.nlu.intent_classifier import EepayIntentClassifier, decision_scores


def message(seed: int, dense: bool) -> Message:
    """A message as the featurizers leave it: sequence and sentence features of two sparse
    featurizers (and optionally a dense one), in pipeline order."""
    rng = np.random.default_rng(seed)
    tokens = int(rng.integers(1, 9))
    msg = Message(data={TEXT: "付款失败了"})
    for origin, width in (("words", 40), ("char_wb", 70)):
        for kind, rows in ((FEATURE_TYPE_SEQUENCE, tokens), (FEATURE_TYPE_SENTENCE, 1)):
            matrix = sparse_random(
                rows, width, density=0.2, random_state=seed + width, format="coo"
            )
            msg.add_features(Features(matrix, kind, TEXT, origin))
    if dense:
        msg.add_features(Features(rng.random((1, 5)), FEATURE_TYPE_SENTENCE, TEXT, "dense"))
        msg.add_features(Features(rng.random((tokens, 5)), FEATURE_TYPE_SEQUENCE, TEXT, "dense"))
    return msg


def test_rows_are_the_same_as_rasas_column_for_column() -> None:
    for dense in (False, True):
        messages = [message(seed, dense) for seed in range(12)]
        ours = EepayIntentClassifier._create_X(None, messages)  # self is not used
        rasas = LogisticRegressionClassifier._create_X(None, messages)
        assert ours.shape == rasas.shape == (12, 110 + (5 if dense else 0))
        assert (ours.tocsr() != rasas.tocsr()).nnz == 0


def fitted(cls: type, classes: int, dense: bool, ranking_length: int = 10):
    """A classifier of ``cls`` fitted on random labels, built without Rasa's model storage."""
    classifier = object.__new__(cls)
    classifier.config = {**LogisticRegressionClassifier.get_default_config(), "C": 1.0}
    classifier.config["ranking_length"] = ranking_length
    classifier.clf = LogisticRegression(max_iter=500, class_weight="balanced")
    messages = [message(seed, dense) for seed in range(60)]
    labels = [f"intent_{n % classes}" for n in range(60)]
    classifier.clf.fit(EepayIntentClassifier._create_X(None, messages), labels)
    return classifier


def test_probabilities_and_rankings_are_sklearns() -> None:
    for classes, dense, ranking_length in ((7, False, 10), (7, True, 3), (2, False, 10)):
        ours = fitted(EepayIntentClassifier, classes, dense, ranking_length)
        rasas = fitted(LogisticRegressionClassifier, classes, dense, ranking_length)
        probe = [message(seed, dense) for seed in range(100, 140)]
        expected = rasas.clf.predict_proba(EepayIntentClassifier._create_X(None, probe))
        assert np.allclose(ours.predict_proba(probe), expected, rtol=1e-12, atol=1e-15)
        mine = ours.process([message(seed, dense) for seed in range(100, 140)])
        theirs = rasas.process(probe)
        for a, b in zip(mine, theirs, strict=True):
            assert a.get("intent")["name"] == b.get("intent")["name"]
            assert [e["name"] for e in a.get("intent_ranking")] == [
                e["name"] for e in b.get("intent_ranking")
            ]
            assert np.allclose(
                [e["confidence"] for e in a.get("intent_ranking")],
                [e["confidence"] for e in b.get("intent_ranking")],
                rtol=1e-12,
            )


def test_features_of_another_width_fall_back_to_sklearn() -> None:
    classifier = fitted(EepayIntentClassifier, 5, dense=False)
    wider = message(1, dense=True)  # 5 columns more than the weights
    assert decision_scores(classifier.clf, wider) is None
    with pytest.raises(ValueError):  # sklearn's own complaint, as before
        classifier.predict_proba([wider])
