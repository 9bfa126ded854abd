"""Event classes looked up by name in a map instead of a walk of every subclass.

Target: ``Event.resolve_by_type``.

Why: Rasa walks every subclass of ``Event`` (``all_subclasses``, a recursion) for each event it
deserialises, and a turn deserialises hundreds: the tracker read, every answer of the action
server.

Why it is equivalent: the event classes are fixed once Rasa is imported, so the name → class
map is built on first use, the first class in ``all_subclasses`` order winning as in Rasa's
loop (``rasa.core.test.EndToEndUserUtterance`` is also named "user"; ``UserUttered`` comes
first). A name the map does not know rebuilds it, so event classes defined later (a plugin)
are found too; "topic" (old ``TopicSet`` events), the default and the error are Rasa's.
"""

from __future__ import annotations

from typing import Any

from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

from addons.serving.patching import Patch

# type name -> class, built on first use and rebuilt for a name it does not know
event_types_by_name: dict[str, type] = {}


def _event_types() -> dict[str, type]:
    types: dict[str, type] = {}
    for cls in all_subclasses(Event):
        types.setdefault(cls.type_name, cls)
    return types


def resolve_by_type(type_name: str, default: Any = None) -> Any:
    """Rasa's ``Event.resolve_by_type``: the event class named ``type_name``."""
    event_class = event_types_by_name.get(type_name)
    if event_class is None:
        event_types_by_name.clear()
        event_types_by_name.update(_event_types())
        event_class = event_types_by_name.get(type_name)
    if event_class is not None:
        return event_class
    if type_name == "topic":
        return None  # as Rasa: old TopicSet events
    if default is not None:
        return default
    raise ValueError(f"Unknown event name '{type_name}'.")


PATCH = Patch(
    "rasa.shared.core.events.Event.resolve_by_type",
    staticmethod(resolve_by_type),
    reviewed={"rasa.shared.core.events.Event.resolve_by_type": "f5a941562f50b085"},
)
PATCHES = (PATCH,)


def install() -> None:
    """Replaces Rasa's lookup (idempotent)."""
    PATCH.install()
