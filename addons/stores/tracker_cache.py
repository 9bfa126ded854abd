"""The trackers this server saved last, kept for their conversation's next turn.

Every turn starts by reading the conversation's current session back from the tracker store:
the rows, their JSON, a replay of every event into a new tracker; and then the dialogue
states are replayed again for the policies (``addons.serving.tracker_states``): all to
rebuild a tracker the server itself held a moment before (docs/performance.md has the
profile). The tracker store now keeps the tracker it has just saved, and the next turn takes
it back instead of rebuilding it:

* A kept tracker is handed to one caller only (``take`` removes it). The lock store
  serialises the turns of a conversation, and the turn saves the tracker back at its end;
  a caller that only reads (the REST channel's message poll) leaves nothing behind, and the
  next turn reads the store as before. Nobody ever shares a tracker with a running turn.
* The store hands it out only as it was saved (a tracker that gained events after its save,
  a turn that failed before saving, is read again), and only if the database holds no more
  events of the conversation than were saved with it (one indexed count): with several Rasa
  servers, another replica may have handled the conversation's last turns. Both counts are
  the ones the store keeps on every tracker it reads or saves. A server with an in-memory
  lock store is the only one, and skips the count (``addons.serving.sole_writer``).
* It holds what a read of the store would give: the current session only (a turn that
  started a new session keeps a copy without the earlier one), with secrets already masked
  by the store's save.

At most ``RASA_TRACKER_CACHE_SIZE`` conversations are kept (default 1,000; 0 turns the cache
off), the least recently saved dropped first. Each kept tracker costs memory with its
replays, so the bound keeps the server's peak memory predictable (docs/performance.md).
"""

from __future__ import annotations

import os
from collections import OrderedDict
from typing import Optional

from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker

from addons.serving import tracker_states

DEFAULT_SIZE = 1000
SIZE_VARIABLE = "RASA_TRACKER_CACHE_SIZE"


def size_from_environment() -> int:
    """``RASA_TRACKER_CACHE_SIZE``, else the default; a bad value is an error, not ignored."""
    value = os.environ.get(SIZE_VARIABLE, "").strip()
    if not value:
        return DEFAULT_SIZE
    try:
        size = int(value)
    except ValueError:
        raise ValueError(f"{SIZE_VARIABLE} must be a whole number, not {value!r}") from None
    if size < 0:
        raise ValueError(f"{SIZE_VARIABLE} must be 0 (off) or more, not {size}")
    return size


def current_session(tracker: DialogueStateTracker) -> DialogueStateTracker:
    """The tracker as the store reads it back: from its latest session start on.

    A session start resets the whole state (``DialogueStateTracker._reset``), so the
    tracker's state is that of the events from it on; only the events list is cut.
    """
    events = tracker.events
    start = None
    for index in range(len(events) - 1, 0, -1):
        if isinstance(events[index], SessionStarted):
            start = index
            break
    if start is None:
        return tracker
    trimmed = tracker.copy()
    trimmed.events = trimmed._create_events(list(events)[start:])
    trimmed.model_id = tracker.model_id
    trimmed.assistant_id = tracker.assistant_id
    tracker_states.carry_over(tracker, trimmed, start)  # its dialogue states hold as well
    return trimmed


class TrackerCache:
    """Saved trackers by conversation, least recently saved first out."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._kept: OrderedDict[str, DialogueStateTracker] = OrderedDict()

    def __len__(self) -> int:
        return len(self._kept)

    def take(self, sender_id: str) -> Optional[DialogueStateTracker]:
        """The conversation's kept tracker; it is no longer kept."""
        return self._kept.pop(sender_id, None)

    def keep(self, tracker: DialogueStateTracker) -> DialogueStateTracker:
        """Keeps the tracker just saved (its current session); returns what is kept."""
        if self.size <= 0:
            return tracker
        kept = current_session(tracker)
        self._kept[tracker.sender_id] = kept
        self._kept.move_to_end(tracker.sender_id)
        while len(self._kept) > self.size:
            self._kept.popitem(last=False)
        return kept

    def drop(self, sender_id: str) -> None:
        """Forgets the conversation (its stored events are not known exactly)."""
        self._kept.pop(sender_id, None)
