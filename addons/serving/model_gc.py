"""The loaded model moved out of the cyclic garbage collector's sight, which then runs less
often.

Target: ``Agent.load_model``.

Why: Python's cyclic collector walks every tracked object at each full collection, and with
Rasa, TensorFlow and the model loaded that is over half a million objects: a long pause during
which the event loop serves nobody, the worst latencies under load. None of those objects is
ever garbage. And with CPython's default thresholds the objects a turn allocates and drops a
moment later (events, parse data, states) kept reaching the older generations, so the
trackers kept for the next turn (``addons.stores.tracker_cache``) were walked by a full
collection every few seconds.

Why it is equivalent: once Rasa has loaded the model, the loaded objects are frozen
(``gc.freeze``, as CPython's documentation suggests for long-lived data) and the collector's
thresholds raised (``SERVING_GC_THRESHOLDS``). What a turn allocates is still collected;
nothing is collected less, only reference cycles a little later. A model loaded again later
(``PUT /model``) unfreezes, collects the old one and freezes again.
"""

from __future__ import annotations

import gc
from typing import Any

from rasa.core.agent import Agent

from addons.serving.patching import Patch

# Allocations before a young collection; young collections before a middle one; middle ones
# before a full one (which CPython also holds back until a quarter of the old objects are new).
SERVING_GC_THRESHOLDS = (20_000, 20, 20)


def load_model_then_freeze(self: Agent, *args: Any, **kwargs: Any) -> None:
    """Rasa's ``load_model``, then the loaded objects frozen out of the cyclic collector,
    which runs less often from then on."""
    PATCH.original(self, *args, **kwargs)
    gc.unfreeze()  # an earlier model's objects become collectable again
    gc.collect()
    gc.freeze()
    gc.set_threshold(*SERVING_GC_THRESHOLDS)


PATCH = Patch(
    "rasa.core.agent.Agent.load_model",
    load_model_then_freeze,
    reviewed={"rasa.core.agent.Agent.load_model": "b9ed644ddbeea999"},
)
PATCHES = (PATCH,)


def install() -> None:
    """Wraps Rasa's model loading (idempotent)."""
    PATCH.install()
