"""The response selector: trained on response keys, Rasa's parse data, persisted like Rasa's."""

from __future__ import annotations

import numpy as np
from rasa.core.actions.action import ActionRetrieveResponse
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import (
    FEATURE_TYPE_SENTENCE,
    INTENT,
    INTENT_RESPONSE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import coo_matrix

from addons.nlu.response_selector import EepayResponseSelector

TOPICS = ("limits", "fees", "invoice")
WIDTH = 30


def featured(text: str, column: int, intent: str | None = None, key: str | None = None):
    """A message as the featurizers leave it: one sparse and one dense sentence vector whose
    hot column says which topic it is about (a little noise elsewhere)."""
    data = {TEXT: text}
    if intent:
        data[INTENT] = intent
    if key:
        data[INTENT_RESPONSE_KEY] = key
    msg = Message(data=data)
    rng = np.random.default_rng(sum(map(ord, text)))
    sparse = np.zeros((1, WIDTH))
    sparse[0, column] = 1.0
    sparse[0, rng.integers(len(TOPICS), WIDTH)] = 1.0
    msg.add_features(Features(coo_matrix(sparse), FEATURE_TYPE_SENTENCE, TEXT, "words"))
    msg.add_features(Features(rng.random((1, 4)) * 0.1, FEATURE_TYPE_SENTENCE, TEXT, "dense"))
    return msg


def training_data() -> TrainingData:
    examples = [
        featured(f"{topic} question {n}", column, "payment_guide", f"payment_guide/{topic}")
        for column, topic in enumerate(TOPICS)
        for n in range(8)
    ]
    # other intents (and another retrieval intent) teach the selector nothing
    examples += [featured(f"refund {n}", 5, "request_refund") for n in range(8)]
    examples += [featured(f"chat {n}", 6, "chitchat", "chitchat/weather") for n in range(8)]
    return TrainingData(training_examples=examples)


def trained(tmp_path, **config) -> tuple[EepayResponseSelector, LocalModelStorage, Resource]:
    storage = LocalModelStorage(tmp_path)
    resource = Resource("selector")
    context = ExecutionContext(GraphSchema({}), "selector")
    full = {**EepayResponseSelector.get_default_config(), "retrieval_intent": "payment_guide"}
    selector = EepayResponseSelector.create({**full, **config}, storage, resource, context)
    selector.train(training_data())
    return selector, storage, resource


def test_learns_the_topics_of_its_retrieval_intent_only(tmp_path):
    selector, _, _ = trained(tmp_path)
    assert list(selector.clf.classes_) == [f"payment_guide/{t}" for t in sorted(TOPICS)]


def test_fills_rasas_response_selector_parse_data(tmp_path):
    selector, _, _ = trained(tmp_path, ranking_length=2)
    message = featured("how much is the fee", TOPICS.index("fees"))
    selector.process([message])
    properties = message.get("response_selector")
    assert properties["all_retrieval_intents"] == ["payment_guide"]
    prediction = properties["payment_guide"]
    response = prediction["response"]
    assert response["intent_response_key"] == "payment_guide/fees"
    assert response["utter_action"] == "utter_payment_guide/fees"
    assert response["confidence"] > 0.5
    ranking = prediction["ranking"]
    assert len(ranking) == 2 and ranking[0]["intent_response_key"] == "payment_guide/fees"
    assert ranking[0]["confidence"] >= ranking[1]["confidence"]
    # the parse data a Rasa server would return carries it
    assert "response_selector" in message.as_dict(only_output_properties=True)


def test_rasas_retrieval_action_reads_the_prediction(tmp_path):
    selector, _, _ = trained(tmp_path)
    message = featured("invoice please", TOPICS.index("invoice"))
    selector.process([message])
    parse_data = {
        "text": "invoice please",
        "intent": {"name": "payment_guide", "confidence": 0.9},
        "entities": [],
        "response_selector": message.get("response_selector"),
    }
    tracker = DialogueStateTracker.from_events(
        "test", [UserUttered("invoice please", parse_data["intent"], [], parse_data)]
    )
    action = ActionRetrieveResponse("utter_payment_guide")
    assert action.get_full_retrieval_name(tracker) == "utter_payment_guide/invoice"


def test_without_a_retrieval_intent_it_answers_under_rasas_default_key(tmp_path):
    selector, _, _ = trained(tmp_path, retrieval_intent=None)
    assert "chitchat/weather" in selector.clf.classes_
    message = featured("fees?", TOPICS.index("fees"))
    selector.process([message])
    properties = message.get("response_selector")
    assert "default" in properties
    assert properties["all_retrieval_intents"] == ["chitchat", "payment_guide"]


def test_messages_without_features_are_left_alone(tmp_path):
    selector, _, _ = trained(tmp_path)
    empty = Message(data={TEXT: "   "})
    selector.process([empty])
    assert empty.get("response_selector") is None


def test_untrained_when_there_is_nothing_to_choose_between(tmp_path):
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), "selector")
    selector = EepayResponseSelector.create(
        EepayResponseSelector.get_default_config(), storage, Resource("s"), context
    )
    selector.train(TrainingData(training_examples=[featured("x", 0, "greet")]))
    message = featured("x", 0)
    selector.process([message])
    assert message.get("response_selector") is None


def test_persisted_and_loaded_it_predicts_the_same(tmp_path):
    selector, storage, resource = trained(tmp_path)
    context = ExecutionContext(GraphSchema({}), "selector")
    loaded = EepayResponseSelector.load(selector.config, storage, resource, context)
    probes = [featured(f"probe {n}", n % len(TOPICS)) for n in range(9)]
    again = [featured(f"probe {n}", n % len(TOPICS)) for n in range(9)]
    selector.process(probes)
    loaded.process(again)
    for a, b in zip(probes, again, strict=True):
        first = a.get("response_selector")["payment_guide"]["response"]
        second = b.get("response_selector")["payment_guide"]["response"]
        assert first["intent_response_key"] == second["intent_response_key"]
        assert np.isclose(first["confidence"], second["confidence"])


def test_intent_classifier_sums_a_retrieval_intents_topics(tmp_path):
    from addons.nlu.intent_classifier import EepayIntentClassifier

    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), "classifier")
    config = {**EepayIntentClassifier.get_default_config(), "retrieval_intent_weight": 3.0}
    classifier = EepayIntentClassifier.create(config, storage, Resource("c"), context)
    classifier.train(training_data())
    # one class per topic, the plain intents as they are
    assert "payment_guide/fees" in classifier.clf.classes_
    assert "request_refund" in classifier.clf.classes_
    message = featured("fee?", TOPICS.index("fees"))
    classifier.process([message])
    ranking = message.get("intent_ranking")
    names = [entry["name"] for entry in ranking]
    assert message.get("intent")["name"] == "payment_guide" == names[0]
    assert len(names) == len(set(names)) and not any("/" in name for name in names)
    probabilities = classifier.predict_proba([featured("fee?", TOPICS.index("fees"))])[0]
    topics = [i for i, c in enumerate(classifier.clf.classes_) if c.startswith("payment_guide/")]
    assert np.isclose(ranking[0]["confidence"], probabilities[topics].sum())
    # loaded from the model storage, it classifies the same
    loaded = EepayIntentClassifier.load(config, storage, Resource("c"), context)
    again = featured("fee?", TOPICS.index("fees"))
    loaded.process([again])
    assert np.isclose(again.get("intent")["confidence"], ranking[0]["confidence"])
