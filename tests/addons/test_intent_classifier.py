"""The classifier's input rows are Rasa's, built without stacking the sequence features."""

from __future__ import annotations

import numpy as np
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from scipy.sparse import random as sparse_random

from addons.intent_classifier import EepayIntentClassifier


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
