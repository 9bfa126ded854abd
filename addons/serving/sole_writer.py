"""The agent tells eepay's tracker store whether this server is the only writer of its
conversations.

Target: ``Agent.__init__``.

Why: the tracker store keeps a turn's tracker for the conversation's next turn
(``addons.stores.tracker_cache``) and, before using it, counts the conversation's events in
the database in case another server handled the conversation meanwhile: a query on every
turn. A server whose lock store is in memory is the only one (several servers need a shared
lock store to serialise a conversation's turns), so its own saves are the only writes and the
count can be skipped. Only the agent knows both the tracker store and the lock store, and
Rasa offers no hook between building them and serving.

Why it is equivalent: Rasa's ``__init__`` runs unchanged; afterwards the store is told
(``RedactingSQLTrackerStore.declare_sole_writer``), which only decides whether the count is
made. Installed before Rasa builds the server's agent (``addons.rasa_launcher``); without the
patch the store keeps counting, which is only slower.
"""

from __future__ import annotations

from typing import Any

from rasa.core.agent import Agent
from rasa.core.lock_store import InMemoryLockStore

from addons.serving.patching import Patch
from addons.stores.tracker_store import RedactingSQLTrackerStore


def agent_init(self: Agent, *args: Any, **kwargs: Any) -> None:
    """Rasa's, then eepay's tracker store told whether this server is its only writer."""
    PATCH.original(self, *args, **kwargs)
    # Rasa wraps the configured store in a FailSafeTrackerStore
    store = getattr(self.tracker_store, "_tracker_store", self.tracker_store)
    if isinstance(store, RedactingSQLTrackerStore):
        store.declare_sole_writer(isinstance(self.lock_store, InMemoryLockStore))


PATCH = Patch(
    "rasa.core.agent.Agent.__init__",
    agent_init,
    reviewed={
        "rasa.core.agent.Agent.__init__": "6b457ca09aaee916",
        "rasa.core.tracker_store.FailSafeTrackerStore.__init__": "45dccd1389267def",
    },
)
PATCHES = (PATCH,)


def install() -> None:
    """Wraps Rasa's ``Agent.__init__`` (idempotent)."""
    PATCH.install()
