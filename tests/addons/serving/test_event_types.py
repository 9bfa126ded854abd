"""Event classes looked up in the map are the ones Rasa's walk finds."""

import pytest
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered

from addons.serving import event_types


@pytest.fixture(autouse=True)
def _installed(install_patches):
    install_patches(event_types)


def test_event_types_resolve_like_rasa():
    import rasa.core.test  # noqa: F401  (defines EndToEndUserUtterance, also named "user")

    event_types.event_types_by_name.clear()  # as if the map were built after that import
    assert Event.resolve_by_type("user") is UserUttered
    assert Event.resolve_by_type("slot") is SlotSet
    assert Event.resolve_by_type("action") is ActionExecuted
    assert Event.resolve_by_type("topic") is None
    assert Event.resolve_by_type("nope", default=SlotSet) is SlotSet
    with pytest.raises(ValueError):
        Event.resolve_by_type("nope")
