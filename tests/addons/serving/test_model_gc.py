"""A loaded model is frozen out of the garbage collector, which then runs less often."""

from pathlib import Path

import pytest

from addons.serving import model_gc

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def _installed(install_patches):
    install_patches(model_gc)


def test_a_loaded_model_is_frozen_out_of_the_garbage_collector_which_then_runs_less_often():
    import gc

    from rasa.core.agent import Agent

    gc.unfreeze()
    thresholds = gc.get_threshold()
    try:
        agent = Agent()
        agent.load_model(ROOT / "models" / "eepay.tar.gz")
        assert agent.processor is not None and agent.domain.intents
        assert gc.get_freeze_count() > 100_000  # Rasa, its libraries and the model
        frozen = gc.get_freeze_count()
        agent.load_model(ROOT / "models" / "eepay.tar.gz")  # a reload refreezes, not adds
        assert gc.get_freeze_count() < frozen * 1.2
        assert gc.get_threshold() == model_gc.SERVING_GC_THRESHOLDS
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
