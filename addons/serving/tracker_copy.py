"""A tracker's copy made from its state instead of a replay of its events.

Target: ``DialogueStateTracker.copy``.

Why: Rasa copies the tracker before every action the processor runs and in form validation,
and its ``copy`` builds an empty tracker (``init_copy``) and replays every event of the
conversation into it: the cost grows with the conversation, on every action.

Why it is equivalent: Rasa keeps a tracker's state re-creatable from its events (trackers.py
says so), so the copy is made from the state directly: the same events, copies of the slots,
a copy of the active loop, the attributes ``DialogueStateTracker.__init__`` sets, and what
``init_copy`` leaves unset (sender source, model and assistant ids) left unset. Tests compare
it with Rasa's copy for every prefix of every story and rule.
"""

from __future__ import annotations

import copy
import dataclasses

from rasa.shared.constants import DEFAULT_SENDER_ID
from rasa.shared.core.trackers import DialogueStateTracker

from addons.serving.patching import Patch

# What DialogueStateTracker.__init__ sets (and so what a copy has), beyond the state below.
_TRACKER_ATTRIBUTES = frozenset(DialogueStateTracker("attributes", []).__dict__)


def copy_tracker(self: DialogueStateTracker) -> DialogueStateTracker:
    """What Rasa's ``copy`` (``init_copy`` and a replay of every event) makes, from the state."""
    duplicate = object.__new__(DialogueStateTracker)
    duplicate.__dict__.update(
        {name: value for name, value in self.__dict__.items() if name in _TRACKER_ATTRIBUTES}
    )
    duplicate.sender_id = self.sender_id or DEFAULT_SENDER_ID
    duplicate.events = duplicate._create_events(self.events)
    duplicate.slots = {slot.name: copy.copy(slot) for slot in self.slots.values()}
    if self.active_loop is not None:
        duplicate.active_loop = dataclasses.replace(self.active_loop)
    # not passed on by init_copy
    duplicate.sender_source = None
    duplicate.model_id = None
    duplicate.assistant_id = None
    return duplicate


PATCH = Patch(
    "rasa.shared.core.trackers.DialogueStateTracker.copy",
    copy_tracker,
    reviewed={
        "rasa.shared.core.trackers.DialogueStateTracker.copy": "b4c869c927deb2ec",
        "rasa.shared.core.trackers.DialogueStateTracker.init_copy": "f77660d725bade9e",
        "rasa.shared.core.trackers.DialogueStateTracker.travel_back_in_time": "afb2314df0d9b75e",
        "rasa.shared.core.trackers.DialogueStateTracker.__init__": "00e1ff4371190637",
        "rasa.shared.core.trackers.DialogueStateTracker._reset": "f40905802901f385",
    },
)
PATCHES = (PATCH,)


def install() -> None:
    """Replaces Rasa's copy (idempotent)."""
    PATCH.install()
