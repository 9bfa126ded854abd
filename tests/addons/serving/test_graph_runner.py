"""The sequential graph runner computes exactly what Rasa's dask runner computes.

Both runners load the trained model; every message is parsed and every tracker predicted by
each, and the results must be equal: the NLU parse (intent, ranking, entities, language...)
and the policies' prediction (probabilities, winning policy, events).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.core.channels.channel import UserMessage
from rasa.engine import loader
from rasa.engine.constants import PLACEHOLDER_MESSAGE, PLACEHOLDER_TRACKER
from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from addons.serving import graph_runner
from addons.serving.graph_runner import SequentialGraphRunner

MODEL = Path(__file__).resolve().parents[3] / "models" / "eepay.tar.gz"
TEXTS = [
    "我付款失败了",
    "退款到哪了 T202611200001",
    "忘记密码了怎么办",
    "昨天扣了我两百块",
    "I want a refund for my coffee",
    "转人工",
    "今天天气怎么样",
    "",
    "👍👍",
]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory):
    if not MODEL.exists():
        pytest.fail(f"{MODEL} missing: run `make train` (make test does)")
    runners = {}
    for runner_class in (DaskGraphRunner, SequentialGraphRunner):
        metadata, runners[runner_class] = loader.load_predict_graph_runner(
            tmp_path_factory.mktemp(runner_class.__name__), MODEL, LocalModelStorage, runner_class
        )
    return metadata, runners


def parse(metadata, runner, text: str) -> dict:
    tracker = DialogueStateTracker("graph-test", metadata.domain.slots)
    results = runner.run(
        inputs={
            PLACEHOLDER_MESSAGE: [UserMessage(text, sender_id="graph-test")],
            PLACEHOLDER_TRACKER: tracker,
        },
        targets=[metadata.nlu_target],
    )
    return results[metadata.nlu_target][0].as_dict(only_output_properties=True)


def predict(metadata, runner, parse_data: dict) -> tuple:
    events = [
        ActionExecuted("action_session_start"),
        SessionStarted(),
        ActionExecuted("action_listen"),
        UserUttered(parse_data.get("text"), parse_data.get("intent"), [], parse_data),
    ]
    tracker = DialogueStateTracker.from_events("graph-test", events, metadata.domain.slots)
    prediction = runner.run(inputs={PLACEHOLDER_TRACKER: tracker}, targets=[metadata.core_target])[
        metadata.core_target
    ]
    return (
        prediction.probabilities,
        prediction.policy_name,
        prediction.events,
        prediction.optional_events,
        prediction.is_no_user_prediction,
    )


def test_parses_and_predictions_are_rasas(loaded) -> None:
    metadata, runners = loaded
    for text in TEXTS:
        theirs = parse(metadata, runners[DaskGraphRunner], text)
        ours = parse(metadata, runners[SequentialGraphRunner], text)
        assert ours == theirs, text
        assert predict(metadata, runners[SequentialGraphRunner], ours) == predict(
            metadata, runners[DaskGraphRunner], theirs
        ), text


def test_an_input_named_like_a_node_is_refused(loaded) -> None:
    metadata, runners = loaded
    node = metadata.nlu_target
    with pytest.raises(GraphRunError):
        runners[SequentialGraphRunner].run(inputs={"x": node}, targets=[node])


def test_the_server_uses_it_once_installed(install_patches) -> None:
    import rasa.core.processor

    install_patches(graph_runner)
    assert rasa.core.processor.DaskGraphRunner is SequentialGraphRunner
