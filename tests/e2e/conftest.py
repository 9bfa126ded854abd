"""The real stack for end-to-end tests: backend, action server and Rasa server.

Started once per test session on free ports (tests/support/stack.py), with the tracker
store in a temporary SQLite file that the tests read directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from actions.clients.desk_outbox import Outbox
from actions.clients.desk_repair import HANDOFFS_PATH, RATINGS_PATH
from tests.support import stack as services
from tests.support.processes import free_port


@dataclass
class Stack:
    rasa: services.Service
    backend: services.Service
    actions: services.Service
    tracker_db: Path
    outbox: Path

    @property
    def rasa_url(self) -> str:
        return self.rasa.url

    @property
    def token(self) -> str:
        return services.RASA_TOKEN

    def chat(self, sender: str, message: str, metadata: dict | None = None) -> list[dict]:
        return services.chat(self.rasa, sender, message, metadata)

    def tracker(self, sender: str) -> dict:
        return services.tracker(self.rasa, sender)

    def parked(self, path: str) -> list[dict]:
        """Requests to the desk waiting in the outbox (there is no desk in this stack), read
        as the action server reads them: handoffs (``HANDOFFS_PATH``) or ratings."""
        outbox = Outbox(self.outbox)
        entries = [outbox.read(file) for file in outbox.pending()]
        return [entry.payload for entry in entries if entry is not None and entry.path == path]

    def parked_handoffs(self, sender: str) -> list[dict]:
        """The handoffs filed for one conversation."""
        return [t for t in self.parked(HANDOFFS_PATH) if t.get("conversation_id") == sender]

    def parked_ratings(self, sender: str) -> list[dict]:
        """The ratings given in one conversation."""
        return [r for r in self.parked(RATINGS_PATH) if r.get("conversation_id") == sender]


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> Stack:
    workdir = tmp_path_factory.mktemp("stack")
    with services.start_backend(workdir) as backend:
        with services.start_actions(
            {
                "BACKEND_URL": backend.url,
                "BACKEND_API_TOKEN": services.BACKEND_TOKEN,
                # no desk in this stack: handoffs wait in the outbox
                "DESK_URL": f"http://127.0.0.1:{free_port()}",
                "HANDOFF_OUTBOX_DIR": str(workdir / "handoff_outbox"),
            }
        ) as actions:
            with services.start_rasa(workdir, actions.url) as rasa:
                yield Stack(rasa, backend, actions, workdir / "rasa.db", workdir / "handoff_outbox")
